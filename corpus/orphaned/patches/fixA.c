/* orphaned fixA: om_a 4500 -> 4501. */
extern volatile int g_base;
extern volatile int g_sink;

__attribute__((noinline)) int om_a(int x)
{
    g_sink = x * 13;
    return g_base + 501;
}
