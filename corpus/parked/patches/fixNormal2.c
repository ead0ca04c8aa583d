/* parked fixNormal2: overlapping fix on top of fixNormal (token 701 -> 702). */
extern int g_factor;
extern volatile int g_sink;

__attribute__((noinline, noipa)) int normal_fn(int x)
{
    int acc = x + g_factor;
    for (int i = 0; i < (x & 7) + 1; i++)
        acc = acc * 9 - i;
    g_sink = acc;
    return 702;
}
