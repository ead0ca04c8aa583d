#include "corpus.h"

/* New variables: the running program has neither. */
int newvars_calls = 41;
static int seen_before;

int peek(int n);

void report(int n)
{
    newvars_calls++;
    int first = !seen_before;
    seen_before = 1;
    printf("tick %d calls=%d first=%d peek=%d\n", n, newvars_calls, first, peek(n));
    fflush(stdout);
}
