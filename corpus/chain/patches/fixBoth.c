/* chain fixBoth: replaces both chain_a (2004) and chain_b (2104) in one
 * patch, on the original program.  The new chain_a returns 2099 if the
 * chain_b it reaches is not the new one. */
extern int g_offset;
extern volatile int g_sink;

__attribute__((noinline, noipa)) int chain_b(int x)
{
    int acc = x;
    for (int i = 0; i < (x & 3) + 2; i++)
        acc = acc * 23 + g_offset;
    g_sink = acc;
    return 2104;
}

__attribute__((noinline, noipa)) int chain_a(int x)
{
    int b = chain_b(x + 5);
    g_sink = b * 29 + g_offset;
    return b == 2104 ? 2004 : 2099;
}
