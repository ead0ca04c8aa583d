/* counter fixC: overlapping fix, must be applied on top of fixA.
 * New compute_a (token 101 -> 102). */
extern int g_scale;
extern volatile int g_sink;

__attribute__((noinline, noipa)) int compute_a(int x)
{
    int acc = 1;
    for (int i = 0; i < (x & 3) + 2; i++)
        acc = acc * 3 + i * g_scale;
    g_sink = acc;
    return 102;
}
