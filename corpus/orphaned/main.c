/*
 * orphaned: the main thread starts a ticking thread and then calls
 * pthread_exit, so the process lives on with a zombie main thread.
 *
 *   om_a  orig 4500  (fixA 4501)
 */
#include "corpus.h"

volatile int g_base = 4000;
volatile int g_sink;
static double g_deadline;

__attribute__((noinline)) int om_a(int x)
{
    g_sink = x * 13;
    return g_base + 500;
}

static void *ticker(void *arg)
{
    (void)arg;
    for (long n = 0; corpus_running(g_deadline); n++) {
        printf("tick %ld om_a=%d\n", n, om_a((int)n));
        corpus_tick_sleep();
    }
    exit(0);
}

int main(int argc, char **argv)
{
    g_deadline = corpus_start(argc, argv);
    corpus_spawn(1, ticker);
    pthread_exit(NULL);
}
