/*
 * sigq: counts queued real-time signals (SIGRTMIN) and checks each one's
 * siginfo: si_code must be SI_QUEUE, si_pid the sender, and si_value an
 * index 0..N-1 not seen before. Every value seen is counted once.
 *
 *   sq_a  orig 4400  (fixA 4401)
 *
 * usage: sigq SECONDS SENDER-PID N
 * prints: tick n sq_a=V received=R distinct=D wrong=W
 */
#include "corpus.h"
#include <signal.h>
#include <string.h>

volatile int g_base = 4000;
volatile int g_sink;
static volatile long g_received, g_distinct, g_wrong;
static unsigned char *g_seen;
static long g_n;
static pid_t g_sender;

__attribute__((noinline)) int sq_a(int x)
{
    g_sink = x * 11;
    return g_base + 400;
}

static void on_rt(int sig, siginfo_t *si, void *ctx)
{
    (void)sig;
    (void)ctx;
    g_received++;
    long v = (long)si->si_value.sival_int;
    if (si->si_code != SI_QUEUE || si->si_pid != g_sender || v < 0 || v >= g_n) {
        g_wrong++;
        return;
    }
    if (!g_seen[v]++)
        g_distinct++;
}

int main(int argc, char **argv)
{
    double deadline = corpus_start(argc, argv);
    g_sender = argc > 2 ? atoi(argv[2]) : 0;
    g_n = argc > 3 ? atol(argv[3]) : 20000;
    g_seen = calloc((size_t)g_n, 1);
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_sigaction = on_rt;
    sa.sa_flags = SA_SIGINFO | SA_RESTART;
    sigemptyset(&sa.sa_mask);
    sigaction(SIGRTMIN, &sa, NULL);
    for (long n = 0; corpus_running(deadline); n++) {
        printf("tick %ld sq_a=%d received=%ld distinct=%ld wrong=%ld\n", n, sq_a((int)n), g_received, g_distinct, g_wrong);
        corpus_tick_sleep();
    }
    return 0;
}
