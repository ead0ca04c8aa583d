/* Every caller passes a box whose field a is 0: GCC specialises weigh() into
 * weigh.constprop.0, and the callers call that clone. */
#include "fixdiff.h"

struct box { int a, b, c, d; };

static int weigh(const struct box *p, int k)
{
    int r = 0, q = 1;
    for (int i = 0; i < k; i++) {
#ifdef FIX_CLONE
        r += (p->a ^ i) & 7;
#else
        r += (p->a ^ i) & 3;
#endif
        for (int j = 0; j < (i & 3); j++)
            q = q * 3 + r + j;
        if (q > 1000)
            q %= 7;
    }
    return r + 3000 + q % 10 * 10;
}

int clone_left(int x, int k)
{
    struct box b = { x & 0, x, x * 2, x * 3 };
    return weigh(&b, k);
}

int clone_right(int x, int k)
{
    struct box b = { x & 0, x + 1, x, x };
    return weigh(&b, k + 1) + 100;
}

int clone_mid(int x, int k)
{
    struct box b = { x & 0, x + 1, x, x };
    return weigh(&b, k + 2) + 200;
}
