/* cet fixA: new cet_a (token 2600 -> 2601); -O3 -fcf-protection=full. */
extern int g_vec[16];
extern volatile int g_sink;

__attribute__((noinline, noipa)) int cet_a(int x)
{
    int acc = 0;
    for (int i = 0; i < 16; i++)
        acc += g_vec[i] * (x + 5);
    g_sink = acc;
    return 2601;
}
