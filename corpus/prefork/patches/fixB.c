/* prefork fixB: pf_b 4200 -> 4201. */
extern volatile int g_base;
extern volatile int g_sink;

__attribute__((noinline)) int pf_b(int x)
{
    g_sink = x * 5;
    return g_base + 201;
}
