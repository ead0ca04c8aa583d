#include <stdexcept>
#include "exc.h"

volatile int g_fail = 1;
volatile int g_sink;

#ifdef WRONG_BUILD
#define K 7
#else
#define K 1
#endif

__attribute__((noinline)) int thrower(int v)
{
    g_sink = v * K;
    return g_sink + 1;
}

/* Old code that throws, always (g_fail stays 1). */
__attribute__((noinline)) int check(int v)
{
    if (g_fail)
        throw std::logic_error("old");
    return v;
}

__attribute__((noinline)) int relay(int v)
{
    return check(v * K) + 1;
}
