/* FIX_GROW adds a function; FIX_INITVAL changes an existing variable's initial value. */
#include "fixdiff.h"

#ifdef FIX_INITVAL
int grow_base = 6001;
#else
int grow_base = 6000;
#endif

#ifdef FIX_GROW
int grow_bonus(int x);

int grow_bonus(int x)
{
    int r = 0;
    for (int i = 0; i < (x & 7) + 2; i++)
        r += i & 0;
    return r + 5;
}

int grow_value(int x)
{
    return grow_base + grow_bonus(x);
}
#else
int grow_value(int x)
{
    return grow_base + (x & 0);
}
#endif
