/*
 * nopie: non-PIE executable (-fno-pie / -no-pie, fixed load address 0x400000)
 * built at -O0 (frame pointers, every local on the stack).  Single thread.
 * The wrong build is compiled at -O1 instead of -O0.
 *
 *   np_first   orig 2400  (fixA 2401, fixC 2402, cumA 2403)
 *   np_second  orig 2500  (fixB 2501)
 */
#include "corpus.h"

int g_step = 3;
volatile int g_sink;
const char g_label[] = "nopie";  /* read by fixB */

PATCHABLE int np_first(int x)
{
    int acc = 0;
    for (int i = 0; i < (x & 7) + 2; i++)
        acc += i * g_step + 1;
    g_sink = acc;
    return 2400;
}

PATCHABLE int np_second(int x)
{
    g_sink = (x ^ g_step) * 5 + 2;
    return 2500;
}

int main(int argc, char **argv)
{
    double deadline = corpus_start(argc, argv);
    for (long n = 0; corpus_running(deadline); n++) {
        int a = np_first((int)n);
        int b = np_second((int)n);
        printf("tick %ld np_first=%d np_second=%d\n", n, a, b);
        corpus_tick_sleep();
    }
    return 0;
}
