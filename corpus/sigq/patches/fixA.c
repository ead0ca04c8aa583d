/* sigq fixA: sq_a 4400 -> 4401. */
extern volatile int g_base;
extern volatile int g_sink;

__attribute__((noinline)) int sq_a(int x)
{
    g_sink = x * 11;
    return g_base + 401;
}
