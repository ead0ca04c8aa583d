/* classify() has a cheap early exit and an expensive rare path: GCC inlines
 * the exit into its caller, splits the rest off as classify.part.0, and moves
 * the impossible path (it ends in abort) to classify.part.0.cold. */
#include <stdio.h>
#include <stdlib.h>
#include "fixdiff.h"

static int table[64];

static int classify(int x)
{
    if (x >= 0)
        return 4000 + (x & 1);
    int acc = 0;
    for (int i = 0; i < 64; i++) {
        table[i] = (table[i] * 3 + i + x) & 0xff;
        acc += table[i] & 15;
    }
    if (acc < 0) {
        fprintf(stderr, "classify: impossible %d\n", acc);
        abort();
    }
#ifdef FIX_SPLIT
    return 4200 + (acc & 0);
#else
    return 4100 + (acc & 0);
#endif
}

int split_run(int x)
{
    return classify(x) + classify(-x - 1) + classify(x - 5000000);
}
