/* chain fixB: new chain_b (token 2101); reached from the original chain_a too. */
extern int g_offset;
extern volatile int g_sink;

__attribute__((noinline, noipa)) int chain_b(int x)
{
    int acc = x;
    for (int i = 0; i < (x & 3) + 1; i++)
        acc = acc * 11 + g_offset;
    g_sink = acc;
    return 2101;
}
