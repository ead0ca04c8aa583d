/* -DFIX_* changes a string literal. */
#include "fixdiff.h"

const char *str_word(int x)
{
#ifdef FIX_STR
    return (x & 1) ? "new-odd" : "new-even";
#else
    return (x & 1) ? "old-odd" : "old-even";
#endif
}
