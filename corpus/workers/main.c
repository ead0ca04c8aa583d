/*
 * workers: 8 threads call score() and bonus() in a loop (bursts of 1000 calls
 * each followed by a 1 ms sleep), so the functions are hot while being patched.
 * Main does not call them; it prints the results the workers last stored.
 *
 *   score  orig 300   (fixA 301, fixC 302, cumA 303)
 *   bonus  orig 400   (fixB 401)
 */
#include "corpus.h"

#define NWORKERS 8

#ifdef WRONG_BUILD
#define K_S 11
#define K_B 13
#else
#define K_S 5
#define K_B 7
#endif

int g_weight = 4;            /* used by original and replacement code */
volatile int g_sink;
volatile int g_last_score;   /* last result of score(), any worker */
volatile int g_last_bonus;   /* last result of bonus(), any worker */
volatile long g_calls[NWORKERS * 8]; /* per-worker call counters (padded) */

/* static helper, called by bonus() and by replacement code */
static PATCHABLE int weigh(int x)
{
    int r = 0;
    for (int i = 0; i < 3; i++)
        r += (x >> i) * g_weight;
    return r;
}

PATCHABLE int score(int x)
{
    int acc = x;
    for (int i = 0; i < (x & 3) + 1; i++)
        acc = acc * K_S + g_weight;
    g_sink = acc;
    return 300;
}

PATCHABLE int bonus(int x)
{
    g_sink = weigh(x) + K_B;
    return 400;
}

static void *worker(void *arg)
{
    long id = (long)arg;
    for (unsigned i = 0;; i++) {
        for (int k = 0; k < 1000; k++) {
            g_last_score = score((int)(i + k));
            g_last_bonus = bonus((int)(i + k));
        }
        g_calls[id * 8] += 1000;
        corpus_sleep_us(1000);
    }
    return NULL;
}

int main(int argc, char **argv)
{
    double deadline = corpus_start(argc, argv);
    corpus_spawn(NWORKERS, worker);
    while (g_last_score == 0 || g_last_bonus == 0)
        corpus_sleep_us(1000);
    for (long n = 0; corpus_running(deadline); n++) {
        printf("tick %ld score=%d bonus=%d\n", n, g_last_score, g_last_bonus);
        corpus_tick_sleep();
    }
    return 0;
}
