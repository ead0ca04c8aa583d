/*
 * clash, translation unit a.c: a static helper() whose name clashes with the
 * static helper() of b.c.  In the symbol table both are LOCAL FUNC "helper",
 * told apart only by the preceding STT_FILE symbol ("a.c" / "b.c") and DWARF.
 * The manifest calls this one "a.c:helper".
 */
#include "corpus.h"
#include "clash.h"

#ifdef WRONG_BUILD
#define K_H 41
#define K_A 43
#else
#define K_H 3
#define K_A 5
#endif

int g_a_scale = 4;  /* a.c's global, used by fixHelperA */

static PATCHABLE int helper(int x)
{
    int acc = x;
    for (int i = 0; i < (x & 3) + 1; i++)
        acc = acc * K_H + g_a_scale;
    g_sink = acc;
    return 1600;
}

PATCHABLE int alpha(int x)
{
    g_sink = helper(x) * K_A + x;
    return 1800;
}

PATCHABLE int a_probe(int x)
{
    return helper(x);
}
