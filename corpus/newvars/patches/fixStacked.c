#include "corpus.h"

/* The counter fixCount added: bound to that payload's copy. */
extern int newvars_calls;

int peek(int n)
{
    (void)n;
    return newvars_calls;
}
