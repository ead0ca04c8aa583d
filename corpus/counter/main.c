/*
 * counter: the simplest case.  Single thread (main), PIE, -O2.
 * Two patchable int functions, printed every tick.
 *
 *   compute_a  orig 100   (fixA 101, fixC 102, cumA 103)
 *   compute_b  orig 200   (fixB 201)
 *
 * -DWRONG_BUILD changes a constant inside both patchable functions so their
 * machine code differs (tokens stay the same).
 */
#include "corpus.h"

#ifdef WRONG_BUILD
#define K_A 5
#define K_B 9
#else
#define K_A 1
#define K_B 3
#endif

int g_scale = 3;       /* read by the original and the replacement code */
volatile int g_sink;   /* keeps the work inside the functions alive */

/* A static helper; fixB calls it from the replacement code. */
static PATCHABLE int mix(int x)
{
    int r = x;
    for (int i = 0; i < 4; i++)
        r = r * 31 + (i ^ g_scale);
    return r;
}

PATCHABLE int compute_a(int x)
{
    int acc = 0;
    for (int i = 0; i < (x & 7) + 2; i++)
        acc += i * g_scale + K_A;
    g_sink = acc;
    return 100;
}

PATCHABLE int compute_b(int x)
{
    g_sink = mix(x) * K_B + g_scale;
    return 200;
}

int main(int argc, char **argv)
{
    double deadline = corpus_start(argc, argv);
    for (long n = 0; corpus_running(deadline); n++) {
        int a = compute_a((int)n);
        int b = compute_b((int)n);
        printf("tick %ld compute_a=%d compute_b=%d\n", n, a, b);
        corpus_tick_sleep();
    }
    return 0;
}
