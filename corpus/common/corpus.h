/*
 * Shared runtime helpers for the xsplice test corpus programs.
 *
 * Everything here is static inline and NOT patchable; the patchable functions
 * live in each program's own sources and are marked PATCHABLE.
 */
#ifndef XSPLICE_CORPUS_H
#define XSPLICE_CORPUS_H

#define _GNU_SOURCE 1
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

/*
 * noinline alone is not enough for live patching at -O2: GCC's IPA passes
 * (ipa-ra, ipa-cp/.constprop clones, ipa-sra/.isra clones, ipa-icf merging,
 * ipa-pure-const CSE of calls) still let callers depend on the callee's body.
 * In particular with -fipa-ra a caller keeps live values in call-clobbered
 * registers that it "knows" the callee does not touch, which a replacement
 * body would silently corrupt.  noipa turns all of that off, so every caller
 * uses the plain SysV ABI call to the real symbol.
 */
#define PATCHABLE __attribute__((noinline, noipa))

/* Programs stop on their own after this many seconds (safety net). */
#define CORPUS_MAX_SECONDS 120.0
/* Interval between two "tick" lines. */
#define CORPUS_TICK_MS 20

static inline double corpus_now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static inline void corpus_sleep_us(long us)
{
    struct timespec ts = { us / 1000000, (us % 1000000) * 1000 };
    while (nanosleep(&ts, &ts) != 0)
        ;
}

/*
 * Common start of main(): line-buffered stdout, and the run limit in seconds
 * from argv[1] (may be fractional, e.g. "0.5"); never more than 120 s.
 * Returns the absolute CLOCK_MONOTONIC deadline.
 */
static inline double corpus_start(int argc, char **argv)
{
    setvbuf(stdout, NULL, _IOLBF, 0);
    double limit = CORPUS_MAX_SECONDS;
    if (argc > 1) {
        double v = atof(argv[1]);
        if (v > 0 && v < limit)
            limit = v;
    }
    return corpus_now() + limit;
}

/* True while the program should keep ticking. */
static inline int corpus_running(double deadline)
{
    return corpus_now() < deadline;
}

static inline void corpus_tick_sleep(void)
{
    corpus_sleep_us(CORPUS_TICK_MS * 1000L);
}

/* Start n detached threads running fn(arg_i) with arg_i = 0..n-1. */
static inline void corpus_spawn(int n, void *(*fn)(void *))
{
    for (long i = 0; i < n; i++) {
        pthread_t t;
        if (pthread_create(&t, NULL, fn, (void *)i) != 0) {
            perror("pthread_create");
            exit(2);
        }
        pthread_detach(t);
    }
}

#endif
