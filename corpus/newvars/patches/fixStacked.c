#include "corpus.h"

/* The counter fixCount added: bound to that payload's copy. */
extern int newvars_calls;

void report(int n)
{
    newvars_calls += 1000;
    printf("tick %d calls=%d first=stacked\n", n, newvars_calls);
    fflush(stdout);
}
