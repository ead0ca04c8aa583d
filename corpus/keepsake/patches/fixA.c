/* keepsake fixA: ks_a 6100 -> 6101. */
extern volatile int g_base;
extern volatile int g_sink;

__attribute__((noinline)) int ks_a(int x)
{
    g_sink = x * 13;
    return g_base + 101;
}
