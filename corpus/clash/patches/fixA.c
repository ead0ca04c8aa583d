/* clash fixA: new alpha (token 1800 -> 1801). */
extern volatile int g_sink;
extern int g_a_scale;

__attribute__((noinline, noipa)) int alpha(int x)
{
    g_sink = x * 13 + g_a_scale;
    return 1801;
}
