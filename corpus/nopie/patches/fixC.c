/* nopie fixC: overlapping fix on top of fixA; new np_first (token 2402). */
extern int g_step;
extern volatile int g_sink;

__attribute__((noinline, noipa)) int np_first(int x)
{
    int acc = 1;
    for (int i = 0; i < (x & 3) + 2; i++)
        acc = acc * 3 + i * g_step;
    g_sink = acc;
    return 2402;
}
