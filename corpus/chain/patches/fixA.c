/* chain fixA: new chain_a (token 2001), still calling the live chain_b. */
extern int g_offset;
extern volatile int g_sink;
extern int chain_b(int x);

__attribute__((noinline, noipa)) int chain_a(int x)
{
    int b = chain_b(x + 2);
    g_sink = b * 7 + g_offset;
    return 2001;
}
