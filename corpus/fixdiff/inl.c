/* scale() is small and static: GCC inlines it into both callers and emits no copy. */
#include "fixdiff.h"

static int scale(int x)
{
#ifdef FIX_INLINE
    return x * 3 + 1;
#else
    return x * 3;
#endif
}

int inl_one(int x)
{
    return scale(x) + 1000;
}

int inl_two(int x)
{
    return scale(x + 1) + 2000;
}
