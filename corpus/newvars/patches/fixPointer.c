#include "corpus.h"

/* A new variable holding the address of new code (.data.rel.local, relocated). */
int newvars_calls = 41;
__attribute__((noinline)) static int bump(int x)
{
    return x + 2;
}
int (*newvars_step)(int) = bump;

int peek(int n);

void report(int n)
{
    newvars_calls = newvars_step(newvars_calls);
    printf("tick %d calls=%d first=pointer peek=%d\n", n, newvars_calls, peek(n));
    fflush(stdout);
}
