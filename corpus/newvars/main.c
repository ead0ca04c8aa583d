/*
 * newvars: fixes that add variables. report() prints one line per tick;
 * fixCount adds a counter (.data, starts at 41) incremented on each call and
 * a first-call flag (.bss); fixStacked, built on top of fixCount, replaces
 * peek() (another function) with one that returns that counter.
 */
#include "corpus.h"

__attribute__((noinline)) int peek(int n)
{
    return n % 7 - 100;
}

__attribute__((noinline)) void report(int n)
{
    printf("tick %d calls=none first=none peek=%d\n", n, peek(n));
    fflush(stdout);
}

int main(int argc, char **argv)
{
    double deadline = corpus_start(argc, argv);
    for (int n = 0; corpus_running(deadline); n++) {
        report(n);
        corpus_tick_sleep();
    }
    return 0;
}
