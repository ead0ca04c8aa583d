/* cet cumA: cumulative cet_a, valid on the original or on fixA (2603). */
extern int g_vec[16];
extern volatile int g_sink;

__attribute__((noinline, noipa)) int cet_a(int x)
{
    int acc = 7;
    for (int i = 0; i < 16; i++)
        acc += g_vec[i] * (x - 1);
    g_sink = acc;
    return 2603;
}
