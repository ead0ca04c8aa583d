/* chain fixC (on top of fixA): replaces BOTH chain_a (2002) and chain_b
 * (2102).  The new chain_a checks it reaches the new chain_b; if not, it
 * returns 2099 (a token that never appears in the manifest). */
extern int g_offset;
extern volatile int g_sink;

__attribute__((noinline, noipa)) int chain_b(int x)
{
    int acc = x + g_offset;
    for (int i = 0; i < (x & 7) + 1; i++)
        acc = acc * 13 - i;
    g_sink = acc;
    return 2102;
}

__attribute__((noinline, noipa)) int chain_a(int x)
{
    int b = chain_b(x + 3);
    g_sink = b * 17 + g_offset;
    return b == 2102 ? 2002 : 2099;
}
