/* A static helper() here and another in b.c. */
#include "fixdiff.h"

static int helper(int x, int k)
{
    int r = 0, q = 1;
    for (int i = 0; i < k; i++) {
        r += (x ^ i) & 3;
        for (int j = 0; j < (i & 3); j++)
            q = q * 3 + r + j;
        if (q > 1000)
            q %= 7;
    }
    return r + 7000 + q % 10 * 10;
}

int stat_a(int x)
{
    return helper(x, 4) + helper(x + 1, x + 5) + helper(x + 2, x + 6) - 2 * 7000;
}
