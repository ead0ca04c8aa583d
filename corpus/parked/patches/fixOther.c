/* parked fixOther: new other_fn (token 800 -> 801). */
extern int g_factor;
extern volatile int g_sink;

__attribute__((noinline, noipa)) int other_fn(int x)
{
    g_sink = (x + g_factor) * 11 - (x >> 3);
    return 801;
}
