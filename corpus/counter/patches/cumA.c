/* counter cumA: cumulative fix for compute_a; valid on top of the original
 * (virgin) compute_a or on top of fixA (token 103).  Calls another patchable
 * program function (compute_b) from the replacement code. */
extern int g_scale;
extern volatile int g_sink;
extern int compute_b(int x);

__attribute__((noinline, noipa)) int compute_a(int x)
{
    int acc = 0;
    for (int i = 0; i < (x & 7) + 2; i++)
        acc += i * g_scale + 4;
    (void)compute_b(x);
    g_sink = acc;
    return 103;
}
