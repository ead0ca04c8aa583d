/* chain cumA: cumulative chain_a (original or fixA underneath), token 2003. */
extern int g_offset;
extern volatile int g_sink;
extern int chain_b(int x);

__attribute__((noinline, noipa)) int chain_a(int x)
{
    int b = chain_b(x + 4);
    g_sink = b * 19 - g_offset;
    return 2003;
}
