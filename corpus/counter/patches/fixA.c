/* counter fixA: new compute_a (token 100 -> 101). Uses the program's globals. */
extern int g_scale;
extern volatile int g_sink;

__attribute__((noinline, noipa)) int compute_a(int x)
{
    int acc = 0;
    for (int i = 0; i < (x & 7) + 2; i++)
        acc += i * g_scale + 2;
    g_sink = acc;
    return 101;
}
