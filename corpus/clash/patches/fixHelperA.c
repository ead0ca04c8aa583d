/*
 * clash fixHelperA: replaces the STATIC helper() of a.c ("a.c:helper";
 * b.c has its own static helper()).  Written as if it were a.c: the
 * replacement is itself static (kept with `used`), and the top-level .file
 * directive below makes the object's symbol table group it under
 * STT_FILE "a.c", like the program's.  Token 1600 -> 1601.
 */
__asm__(".file \"a.c\"");

extern volatile int g_sink;
extern int g_a_scale;

static __attribute__((noinline, noipa, used)) int helper(int x)
{
    int acc = x;
    for (int i = 0; i < (x & 3) + 1; i++)
        acc = acc * 29 + g_a_scale;
    g_sink = acc;
    return 1601;
}
