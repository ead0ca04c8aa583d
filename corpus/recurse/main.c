/*
 * recurse: two genuinely recursive patchable functions.  Main prints
 * fib_like(12) and nodes(8); two extra threads keep calling fib_like(20) and
 * nodes(11) (each then sleeping 1 ms), so threads are often several frames
 * deep inside them while a patch is attempted.
 *
 *   fib_like(n): f(0)=0, f(1)=1, f(n)=f(n-1)+f(n-2)    fib_like(12) = 144
 *       fixA: f(1)=2 -> 288      fixC: f(0)=1 -> 233     cumA: f(1)=3 -> 432
 *   nodes(d): full binary tree, n(0)=1, n(d)=1+2 n(d-1)   nodes(8) = 511
 *       fixB: n(0)=2 -> 767
 *
 * -DWRONG_BUILD changes the call-counter increment inside both functions.
 */
#include "corpus.h"

#ifdef WRONG_BUILD
#define K_F 3
#define K_N 5
#else
#define K_F 1
#define K_N 1
#endif

volatile long g_fib_calls;
volatile long g_node_calls;

PATCHABLE int fib_like(int n)
{
    g_fib_calls += K_F;
    if (n < 2)
        return n;
    return fib_like(n - 1) + fib_like(n - 2);
}

PATCHABLE int nodes(int d)
{
    g_node_calls += K_N;
    if (d <= 0)
        return 1;
    return 1 + nodes(d - 1) + nodes(d - 1);
}

static void *hot(void *arg)
{
    long id = (long)arg;
    for (;;) {
        if (id == 0)
            (void)fib_like(20);
        else
            (void)nodes(11);
        corpus_sleep_us(1000);
    }
    return NULL;
}

int main(int argc, char **argv)
{
    double deadline = corpus_start(argc, argv);
    corpus_spawn(2, hot);
    for (long n = 0; corpus_running(deadline); n++) {
        int f = fib_like(12);
        int d = nodes(8);
        printf("tick %ld fib_like=%d nodes=%d\n", n, f, d);
        corpus_tick_sleep();
    }
    return 0;
}
