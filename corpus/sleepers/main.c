/*
 * sleepers: 4 threads each call slow_many() in a loop; slow_many prints a
 * tick line and sleeps inside itself (80 to 110 ms, a little different per
 * thread, so they drift apart). Main only waits.
 *
 *   slow_many  orig 5000  (fixMany 5001)
 */
#include "corpus.h"
#include <unistd.h>

#define NTHREADS 4

#ifdef WRONG_BUILD
#define K 9
#else
#define K 0
#endif

long g_tick;

__attribute__((noinline)) void slow_many(long id)
{
    long n = __atomic_fetch_add(&g_tick, 1, __ATOMIC_RELAXED);
    printf("tick %ld slow_many=%d\n", n, 5000 + K);
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
    corpus_spawn(NTHREADS, loop);
    while (corpus_running(deadline))
        corpus_sleep_us(20000);
    return 0;
}
