/* callbacks cumA: cumulative cb_red (original or fixA underneath), 1303. */
extern int g_bias;
extern volatile int g_sink;

__attribute__((noinline, noipa)) int cb_red(int x)
{
    int acc = x + g_bias;
    for (int i = 0; i < (x & 3) + 2; i++)
        acc = acc * 37 + i;
    g_sink = acc;
    return 1303;
}
