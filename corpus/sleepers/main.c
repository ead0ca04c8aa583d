/*
 * sleepers: 4 threads each call slow_many() in a loop; slow_many prints a
 * tick line and sleeps inside itself (80 to 110 ms, a little different per
 * thread, so they drift apart). Main only waits. Every tick line also shows
 * how many SIGRTMIN signals the process has handled (signals=N).
 *
 *   slow_many  orig 5000  (fixMany 5001)
 */
#include "corpus.h"
#include <signal.h>
#include <unistd.h>

#define NTHREADS 4

#ifdef WRONG_BUILD
#define K 9
#else
#define K 0
#endif

long g_tick;
/* Queued real-time signals received (SIGRTMIN), printed as signals=N: a
 * test sends a known number while xsplice waits, and none may be lost. */
long g_signals;

static void on_rt(int sig)
{
    (void)sig;
    __atomic_add_fetch(&g_signals, 1, __ATOMIC_RELAXED);
}

__attribute__((noinline)) void slow_many(long id)
{
    long n = __atomic_fetch_add(&g_tick, 1, __ATOMIC_RELAXED);
    printf("tick %ld slow_many=%d signals=%ld\n", n, 5000 + K, __atomic_load_n(&g_signals, __ATOMIC_RELAXED));
    corpus_sleep_us(80000 + 10000 * id);
}

static void *loop(void *arg)
{
    for (;;)
        slow_many((long)arg);
    return NULL;
}

int main(int argc, char **argv)
{
    double deadline = corpus_start(argc, argv);
    struct sigaction sa = { .sa_handler = on_rt, .sa_flags = SA_RESTART };
    sigemptyset(&sa.sa_mask);
    sigaction(SIGRTMIN, &sa, NULL);
    corpus_spawn(NTHREADS, loop);
    while (corpus_running(deadline))
        corpus_sleep_us(20000);
    return 0;
}
