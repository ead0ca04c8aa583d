/*
 * btrace: backtrace() from inside replacement code.  C, PIE -O2 with
 * distribution flags, linked -rdynamic so that dladdr() names the
 * program's functions.  Like a program with a crash handler, it calls
 * backtrace() once at start-up (glibc then loads libgcc_s, its unwinder).
 *
 *   where   orig "old"
 *           fixWhere: the new code walks the stack with backtrace() and
 *           returns the name of its caller -> "report_tick"
 */
#define _GNU_SOURCE 1
#include <execinfo.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>
#include "btrace.h"

static double now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

__attribute__((noinline)) void report_tick(long n)
{
    const char *w = where();
    printf("tick %ld where=%s\n", n, w);
}

int main(int argc, char **argv)
{
    setvbuf(stdout, NULL, _IOLBF, 0);
    void *warm[2];
    backtrace(warm, 2);
    double limit = argc > 1 ? atof(argv[1]) : 60;
    if (!(limit > 0 && limit < 120))
        limit = 120;
    double deadline = now() + limit;
    for (long n = 0; now() < deadline; n++) {
        report_tick(n);
        struct timespec ts = {0, 20 * 1000 * 1000};
        nanosleep(&ts, NULL);
    }
    return 0;
}
