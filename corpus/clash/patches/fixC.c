/* clash fixC (on top of fixA): new alpha (token 1802). */
extern volatile int g_sink;
extern int g_a_scale;

__attribute__((noinline, noipa)) int alpha(int x)
{
    int acc = x;
    for (int i = 0; i < (x & 3) + 1; i++)
        acc = acc * 19 + g_a_scale;
    g_sink = acc;
    return 1802;
}
