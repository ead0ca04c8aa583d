/*
 * chain: chain_a() calls chain_b().  Main prints both; 2 extra threads keep
 * calling chain_a (so chain_b is often live under chain_a's frame).
 * chain_a's token does NOT depend on which chain_b is live, except in the
 * variants that replace both (fixC, fixBoth): there the new chain_a checks
 * that the chain_b it reaches is the new one and returns 2099 otherwise.
 *
 *   chain_a  orig 2000  (fixA 2001, fixC 2002, cumA 2003, fixBoth 2004)
 *   chain_b  orig 2100  (fixB 2101, fixC 2102, fixBoth 2104)
 */
#include "corpus.h"

#ifdef WRONG_BUILD
#define K_A 59
#define K_B 61
#else
#define K_A 3
#define K_B 5
#endif

int g_offset = 8;
volatile int g_sink;

PATCHABLE int chain_b(int x)
{
    int acc = x;
    for (int i = 0; i < (x & 3) + 1; i++)
        acc = acc * K_B + g_offset;
    g_sink = acc;
    return 2100;
}

PATCHABLE int chain_a(int x)
{
    int b = chain_b(x + 1);
    g_sink = b * K_A + g_offset;
    return 2000;
}

static void *hot(void *arg)
{
    (void)arg;
    for (unsigned i = 0;; i++) {
        for (int k = 0; k < 1000; k++)
            (void)chain_a((int)(i + k));
        corpus_sleep_us(1000);
    }
    return NULL;
}

int main(int argc, char **argv)
{
    double deadline = corpus_start(argc, argv);
    corpus_spawn(2, hot);
    for (long n = 0; corpus_running(deadline); n++) {
        int a = chain_a((int)n);
        int b = chain_b((int)n);
        printf("tick %ld chain_a=%d chain_b=%d\n", n, a, b);
        corpus_tick_sleep();
    }
    return 0;
}
