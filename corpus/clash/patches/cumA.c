/* clash cumA: cumulative alpha (original or fixA underneath), 1803. */
extern volatile int g_sink;
extern int g_a_scale;

__attribute__((noinline, noipa)) int alpha(int x)
{
    g_sink = x * 23 + g_a_scale * 2;
    return 1803;
}
