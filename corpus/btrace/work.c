#include "btrace.h"

volatile int g_calls;

#ifdef WRONG_BUILD
#define K 3
#else
#define K 1
#endif

__attribute__((noinline)) const char *where(void)
{
    g_calls += K;
    return g_calls >= 0 ? "old" : "negative";
}
