/*
 * sleeper: main calls slow_tick() in a loop; slow_tick prints its tick line
 * and then sleeps 100 ms inside itself, so the thread is in slow_tick almost
 * all the time, but it returns after every tick. Without --wait-return it
 * can never be patched; with it, xsplice lets the thread return and patches
 * before the next call.
 *
 * With "nested" as the second argument, main calls nested_tick(3) instead:
 * it recurses three frames deep, then prints and sleeps in the innermost
 * one, so four frames of nested_tick are on the stack while it sleeps.
 *
 *   slow_tick    orig 4000  (fixSlow 4001)
 *   nested_tick  orig 4100  (fixNested 4101)
 */
#include "corpus.h"
#include <string.h>

#ifdef WRONG_BUILD
#define K 7
#else
#define K 0
#endif

volatile long g_ticks;
volatile int g_depth;

__attribute__((noinline)) void slow_tick(long n)
{
    printf("tick %ld slow_tick=%d\n", n, 4000 + K);
    corpus_sleep_us(100000);
    g_ticks++;
}

__attribute__((noinline)) int nested_tick(int depth)
{
    if (depth > 0) {
        /* The store after the call keeps it a real recursion (no loop). */
        int r = nested_tick(depth - 1);
        g_depth = depth;
        return r + 1;
    }
    printf("tick %ld nested_tick=%d\n", (long)g_ticks, 4100 + K);
    corpus_sleep_us(100000);
    g_ticks++;
    return 0;
}

int main(int argc, char **argv)
{
    double deadline = corpus_start(argc, argv);
    int nested = argc > 2 && strcmp(argv[2], "nested") == 0;
    for (long n = 0; corpus_running(deadline); n++) {
        if (nested)
            g_ticks += nested_tick(3) == 3 ? 0 : 1000;
        else
            slow_tick(n);
    }
    return 0;
}
