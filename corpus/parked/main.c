/*
 * parked: one thread enters park_here(1) and never returns from it (it loops
 * on a volatile flag, sleeping 2 ms per round, so it is almost always blocked
 * in nanosleep with park_here's frame on its stack).  Patching park_here must
 * therefore be refused while that thread is inside.
 *
 * park_here(0) returns its token immediately; main calls it every tick so the
 * tick line shows which park_here is live.  SIGUSR1 releases the parked thread:
 * it returns from park_here and then sleeps forever in park_thread() (not
 * patchable); from then on fixPark can be applied.
 *
 *   normal_fn  orig 700   (fixNormal 701, fixNormal2 702, cumNormal 703)
 *   other_fn   orig 800   (fixOther 801)
 *   park_here  orig 900   (fixPark 901)  -- refused while the thread is parked
 */
#include "corpus.h"
#include <signal.h>

#ifdef WRONG_BUILD
#define K_N 17
#define K_O 29
#define K_P 3
#else
#define K_N 3
#define K_O 7
#define K_P 1
#endif

int g_factor = 6;
volatile int g_sink;
volatile int g_release;     /* set by SIGUSR1: the parked thread leaves park_here */
volatile int g_parked;      /* 1 while the thread is inside park_here(1) */
volatile long g_park_rounds;

PATCHABLE int park_here(int park)
{
    if (!park)
        return 900;
    g_parked = 1;
    while (!g_release) {
        corpus_sleep_us(2000);
        g_park_rounds += K_P;
    }
    g_parked = 0;
    return 900;
}

PATCHABLE int normal_fn(int x)
{
    int acc = x;
    for (int i = 0; i < (x & 3) + 2; i++)
        acc = acc * K_N + g_factor;
    g_sink = acc;
    return 700;
}

PATCHABLE int other_fn(int x)
{
    g_sink = (x ^ g_factor) * K_O + (x >> 2);
    return 800;
}

static void on_usr1(int sig)
{
    (void)sig;
    g_release = 1;
}

static void *park_thread(void *arg)
{
    (void)arg;
    park_here(1);
    for (;;)
        corpus_sleep_us(100000);
    return NULL;
}

int main(int argc, char **argv)
{
    double deadline = corpus_start(argc, argv);
    signal(SIGUSR1, on_usr1);
    corpus_spawn(1, park_thread);
    while (!g_parked)
        corpus_sleep_us(1000);
    for (long n = 0; corpus_running(deadline); n++) {
        int a = normal_fn((int)n);
        int b = other_fn((int)n);
        int c = park_here(0);
        printf("tick %ld normal_fn=%d other_fn=%d park_here=%d\n", n, a, b, c);
        corpus_tick_sleep();
    }
    return 0;
}
