/* parked cumNormal: cumulative normal_fn, valid on the original or on
 * fixNormal (token 703). */
extern int g_factor;
extern volatile int g_sink;

__attribute__((noinline, noipa)) int normal_fn(int x)
{
    int acc = x;
    for (int i = 0; i < (x & 3) + 3; i++)
        acc = acc * 7 + g_factor;
    g_sink = acc;
    return 703;
}
