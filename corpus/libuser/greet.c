/*
 * libgreet.so.1: the patchable functions of libuser live here, in a shared
 * library built with -fPIC -shared -Wl,-soname,libgreet.so.1.
 *
 *   greet_id     orig 500   (fixA 501, fixC 502, cumA 503)
 *   greet_level  orig 600   (fixB 601)
 *
 * -DWRONG_BUILD (build/libuser/wrongbuild/libgreet.so.1) changes constants
 * inside both functions.
 */
#include "corpus.h"
#include "greet.h"

#ifdef WRONG_BUILD
#define K_ID 19
#define K_LV 23
#else
#define K_ID 3
#define K_LV 5
#endif

int greet_base = 2;          /* library global, used by replacement code */
volatile int greet_sink;

/* static helper inside the library; fixB calls it */
static PATCHABLE int greet_hash(int x)
{
    unsigned h = 2166136261u;
    for (int i = 0; i < 4; i++)
        h = (h ^ (unsigned)((x >> (8 * i)) & 0xff)) * 16777619u;
    return (int)(h & 0x7fffffff);
}

PATCHABLE int greet_id(int x)
{
    int acc = greet_base;
    for (int i = 0; i < (x & 3) + 1; i++)
        acc = acc * K_ID + i;
    greet_sink = acc;
    return 500;
}

PATCHABLE int greet_level(int x)
{
    greet_sink = greet_hash(x) + K_LV;
    return 600;
}
