/* prefork fixA: pf_a 4100 -> 4101. */
extern volatile int g_base;
extern volatile int g_sink;

__attribute__((noinline)) int pf_a(int x)
{
    g_sink = x * 3;
    return g_base + 101;
}
