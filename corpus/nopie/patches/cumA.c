/* nopie cumA: cumulative np_first, valid on the original or on fixA (2403). */
extern int g_step;
extern volatile int g_sink;
extern int np_second(int x);

__attribute__((noinline, noipa)) int np_first(int x)
{
    int acc = np_second(x) & 1;
    for (int i = 0; i < (x & 7) + 2; i++)
        acc += i * g_step + 4;
    g_sink = acc;
    return 2403;
}
