/*
 * clash, translation unit b.c: its own static helper(), "b.c:helper".
 */
#include "corpus.h"
#include "clash.h"

#ifdef WRONG_BUILD
#define K_H 47
#define K_B 53
#else
#define K_H 7
#define K_B 9
#endif

int g_b_scale = 6;

static PATCHABLE int helper(int x)
{
    g_sink = (x ^ g_b_scale) * K_H + (x >> 1);
    return 1700;
}

PATCHABLE int beta(int x)
{
    g_sink = helper(x + 1) * K_B - x;
    return 1900;
}

PATCHABLE int b_probe(int x)
{
    return helper(x);
}
