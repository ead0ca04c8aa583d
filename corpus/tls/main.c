/*
 * tls: thread-local storage seen from replacement code.  C, PIE -O2 with
 * distribution flags.  The program's own TLS (t_local, file-static, reached
 * local-exec; t_shared, global) and a library's static TLS (lib_tls in
 * libtlsdep.so.1, which the program reaches initial-exec through its GOT).
 *
 *   tls_step  orig: t_local + t_shared + lib_tls
 *             fixStep: t_local*100 + t_shared*10 + lib_tls
 * Two threads with their own values: main (1,2,3) and a worker (4,5,6):
 *   orig "main=6 worker=15", fixStep "main=123 worker=456".
 */
#define _GNU_SOURCE 1
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>
#include "tls.h"

static __thread int t_local;
__thread int t_shared;
static volatile int worker_result;

/* Only tls_step reads t_local; the setter keeps it a variable of this file. */
__attribute__((noinline)) void set_local(int v)
{
    t_local = v;
}

__attribute__((noinline)) int tls_step(void)
{
    return t_local + t_shared + lib_tls;
}

static void set_all(int a, int b, int c)
{
    set_local(a);
    t_shared = b;
    lib_tls = c;
}

static void *worker(void *arg)
{
    (void)arg;
    set_all(4, 5, 6);
    for (;;) {
        worker_result = tls_step();
        struct timespec ts = {0, 5 * 1000 * 1000};
        nanosleep(&ts, NULL);
    }
    return NULL;
}

static double now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

int main(int argc, char **argv)
{
    setvbuf(stdout, NULL, _IOLBF, 0);
    double limit = argc > 1 ? atof(argv[1]) : 60;
    if (!(limit > 0 && limit < 120))
        limit = 120;
    double deadline = now() + limit;
    pthread_t t;
    if (pthread_create(&t, NULL, worker, NULL) != 0)
        return 1;
    set_all(1, 2, 3);
    for (long n = 0; now() < deadline; n++) {
        int m = tls_step();
        struct timespec ts = {0, 20 * 1000 * 1000};
        nanosleep(&ts, NULL);
        printf("tick %ld main=%d worker=%d\n", n, m, worker_result);
    }
    return 0;
}
