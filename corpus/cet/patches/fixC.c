/* cet fixC: overlapping fix on top of fixA; new cet_a (token 2602). */
extern int g_vec[16];
extern volatile int g_sink;

__attribute__((noinline, noipa)) int cet_a(int x)
{
    int acc = 0;
    for (int i = 0; i < 16; i++)
        acc ^= g_vec[i] << (x & 7);
    g_sink = acc;
    return 2602;
}
