/* callbacks fixC (on top of fixA): new cb_red (1302) and cb_blue (1501);
 * the new cb_red calls cb_blue directly. */
extern int g_bias;
extern volatile int g_sink;

__attribute__((noinline, noipa)) int cb_blue(int x)
{
    g_sink = (x | g_bias) * 29 - (x << 1);
    return 1501;
}

__attribute__((noinline, noipa)) int cb_red(int x)
{
    int acc = cb_blue(x) - 1501;
    for (int i = 0; i < (x & 7) + 1; i++)
        acc = acc * 31 + g_bias;
    g_sink = acc;
    return 1302;
}
