/*
 * clash fixHelperB: replaces the STATIC helper() of b.c ("b.c:helper");
 * see fixHelperA.c.  Token 1700 -> 1701.
 */
__asm__(".file \"b.c\"");

extern volatile int g_sink;
extern int g_b_scale;

static __attribute__((noinline, noipa, used)) int helper(int x)
{
    g_sink = (x ^ g_b_scale) * 31 + (x >> 2);
    return 1701;
}
