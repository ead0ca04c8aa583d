/*
 * A tail call to a neighbouring static: built without -ffunction-sections
 * the assembler resolves it inside .text with a short jump; with it, the
 * call crosses sections and keeps a 4-byte displacement and a relocation.
 * The original object then is a few bytes longer than the running
 * function although the source is the same.
 */
#include "rwfix.h"

/* noinline: the tail-call target must stay a function next to its caller. */
__attribute__((noinline)) static int layout_helper(int x)
{
    return x * 7 + 3;
}

int layout_value(int x)
{
    if (x > 1)
        return layout_helper(x + 1);
#ifdef FIX_LAYOUT
    return x * 11 + 100;
#else
    return x * 11;
#endif
}
