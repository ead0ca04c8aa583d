/* pick() is specialised by GCC for its callers (a clone). -DFIX_* makes it
 * read a second field, which changes the clone's parameters, so both callers
 * change too. */
#include "fixdiff.h"

struct box { int a, b, c, d; };

static int pick(const struct box *p, int k)
{
    int r = 0, q = 1;
    for (int i = 0; i < k; i++) {
#ifdef FIX_SIG
        r += ((p->a ^ i) & 3) + (p->b & 1);
#else
        r += (p->a ^ i) & 3;
#endif
        for (int j = 0; j < (i & 3); j++)
            q = q * 3 + r + j;
        if (q > 1000)
            q %= 7;
    }
    return r + 5000 + q % 10 * 10;
}

int sig_first(int x, int k)
{
    struct box b = { x & 0, x, x * 2, x * 3 };
    return pick(&b, k);
}

int sig_second(int x, int k)
{
    struct box b = { x & 0, x + 1, x, x };
    return pick(&b, k + 1) + 100;
}

int sig_third(int x, int k)
{
    struct box b = { x & 0, x + 2, x, x };
    return pick(&b, k + 2) + 200;
}
