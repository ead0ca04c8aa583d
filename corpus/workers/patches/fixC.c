/* workers fixC: overlapping fix on top of fixA; new score (token 301 -> 302). */
extern int g_weight;
extern volatile int g_sink;

__attribute__((noinline, noipa)) int score(int x)
{
    int acc = x + 1;
    for (int i = 0; i < (x & 7) + 1; i++)
        acc = acc * 3 - g_weight;
    g_sink = acc;
    return 302;
}
