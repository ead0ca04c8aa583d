/*
 * cet: built with -fcf-protection=full at -O3, so every function (patchable
 * ones and the replacements) starts with endbr64.  Single thread.
 *
 *   cet_a  orig 2600  (fixA 2601, fixC 2602, cumA 2603)
 *   cet_b  orig 2700  (fixB 2701)
 */
#include "corpus.h"

#ifdef WRONG_BUILD
#define K_A 21
#define K_B 0x55
#else
#define K_A 3
#define K_B 0x33
#endif

int g_vec[16] = { 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16 };
volatile int g_sink;

/* called through a function pointer by cet_b (indirect branch -> endbr64) */
static PATCHABLE int cet_leaf(int x)
{
    return (x * K_B) ^ g_vec[x & 15];
}
int (*volatile g_leaf)(int) = cet_leaf;

PATCHABLE int cet_a(int x)
{
    int acc = 0;
    for (int i = 0; i < 16; i++)   /* -O3 vectorises this */
        acc += g_vec[i] * (x + K_A);
    g_sink = acc;
    return 2600;
}

PATCHABLE int cet_b(int x)
{
    g_sink = g_leaf(x) + K_B;
    return 2700;
}

int main(int argc, char **argv)
{
    double deadline = corpus_start(argc, argv);
    for (long n = 0; corpus_running(deadline); n++) {
        int a = cet_a((int)n);
        int b = cet_b((int)n);
        printf("tick %ld cet_a=%d cet_b=%d\n", n, a, b);
        corpus_tick_sleep();
    }
    return 0;
}
