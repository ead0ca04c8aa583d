/* seccomped fixA: sc_a 4300 -> 4301. */
extern volatile int g_base;
extern volatile int g_sink;

__attribute__((noinline)) int sc_a(int x)
{
    g_sink = x * 7;
    return g_base + 301;
}
