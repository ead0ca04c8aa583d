/*
 * churn: hostile conditions for the stop window.  Threads are created and
 * exit all the time (each lives for a few calls of the patchable functions),
 * and a 1 ms interval timer delivers SIGALRM to the process throughout.
 * main prints the current tokens and how many signals have arrived, so a
 * test can check the program kept receiving them while being patched.
 *
 *   churn_a  orig 3000   (fixA 3001, fixC 3002, cumA 3003)
 *   churn_b  orig 3100   (fixB 3101)
 */
#include "corpus.h"
#include <signal.h>
#include <string.h>
#include <sys/time.h>

#ifdef WRONG_BUILD
#define K 7
#else
#define K 1
#endif

volatile int g_sink;
static volatile long g_signals;

PATCHABLE int churn_a(int x)
{
    int acc = 0;
    for (int i = 0; i < (x & 7) + 2; i++)
        acc += i * K;
    g_sink = acc;
    return 3000;
}

PATCHABLE int churn_b(int x)
{
    g_sink = x * 13 + K;
    return 3100;
}

static void on_alarm(int sig)
{
    (void)sig;
    g_signals++;
}

static void *short_lived(void *arg)
{
    long n = (long)arg;
    for (int i = 0; i < 50; i++)
        g_sink = churn_a((int)(n + i)) + churn_b(i);
    return NULL;
}

static void *spawner(void *arg)
{
    (void)arg;
    for (long n = 0;; n++) {
        pthread_t t[4];
        for (int i = 0; i < 4; i++)
            pthread_create(&t[i], NULL, short_lived, (void *)(n * 4 + i));
        for (int i = 0; i < 4; i++)
            pthread_join(t[i], NULL);
    }
    return NULL;
}

int main(int argc, char **argv)
{
    double deadline = corpus_start(argc, argv);
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = on_alarm;
    sa.sa_flags = SA_RESTART;
    sigaction(SIGALRM, &sa, NULL);
    struct itimerval it = { { 0, 1000 }, { 0, 1000 } };
    setitimer(ITIMER_REAL, &it, NULL);
    pthread_t sp;
    pthread_create(&sp, NULL, spawner, NULL);
    for (long n = 0; corpus_running(deadline); n++) {
        int a = churn_a((int)n);
        int b = churn_b((int)n);
        printf("tick %ld churn_a=%d churn_b=%d signals=%ld\n", n, a, b, (long)g_signals);
        corpus_tick_sleep();
    }
    return 0;
}
