/*
 * A read-only sentinel compared by address, as Lua compares table nodes
 * with &dummynode_: the old lookup() returns it, the fixed ident_value()
 * must recognise it, so the payload must use the program's sentinel.
 */
#include "rwfix.h"

struct node {
    int key;
    int val;
    const struct node *next;
};

#ifdef FIX_IDENTINIT
static const struct node sentinel = { -7, -50, 0 };
#else
static const struct node sentinel = { -7, -5, 0 };
#endif
static struct node table[4];

/* noinline: the old code that hands out the sentinel must stay a function. */
__attribute__((noinline)) static const struct node *lookup(int x)
{
    if (x == 3)
        return &sentinel;
    table[x].key = x;
    table[x].val = x * 10;
    return &table[x];
}

int ident_value(int x)
{
    const struct node *n = lookup(x);
    if (n == &sentinel)
        return -1;
#if defined(FIX_IDENT) || defined(FIX_IDENTINIT)
    return n->val + 1000;
#else
    return n->val;
#endif
}
