/* callbacks fixB: new cb_green (token 1400 -> 1401). */
extern int g_bias;
extern volatile int g_sink;

__attribute__((noinline, noipa)) int cb_green(int x)
{
    g_sink = (x - g_bias) * 23 + (x >> 2);
    return 1401;
}
