/* callbacks fixA: new cb_red (token 1300 -> 1301). */
extern int g_bias;
extern volatile int g_sink;

__attribute__((noinline, noipa)) int cb_red(int x)
{
    int acc = x;
    for (int i = 0; i < (x & 3) + 1; i++)
        acc = acc * 19 + g_bias;
    g_sink = acc;
    return 1301;
}
