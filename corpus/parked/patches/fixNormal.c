/* parked fixNormal: new normal_fn (token 700 -> 701). */
extern int g_factor;
extern volatile int g_sink;

__attribute__((noinline, noipa)) int normal_fn(int x)
{
    int acc = x;
    for (int i = 0; i < (x & 3) + 2; i++)
        acc = acc * 5 + g_factor;
    g_sink = acc;
    return 701;
}
