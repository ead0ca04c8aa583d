/* clash fixB: new beta (token 1900 -> 1901). */
extern volatile int g_sink;
extern int g_b_scale;

__attribute__((noinline, noipa)) int beta(int x)
{
    g_sink = x * 17 - g_b_scale;
    return 1901;
}
