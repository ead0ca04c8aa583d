/*
 * One function with two names, as glibc and libxml2 export their
 * __internal_alias pairs: the fix must take effect through both.
 */
#include "rwfix.h"

int alias_impl(int x)
{
    int r = 0;
    for (int i = 0; i <= x; i++)
        r = r * 3 + i;
#ifdef FIX_ALIAS
    return r + 500;
#else
    return r;
#endif
}

int alias_name(int x) __attribute__((alias("alias_impl")));
