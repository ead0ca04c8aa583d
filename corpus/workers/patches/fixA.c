/* workers fixA: new score (token 300 -> 301). */
extern int g_weight;
extern volatile int g_sink;

__attribute__((noinline, noipa)) int score(int x)
{
    int acc = x;
    for (int i = 0; i < (x & 3) + 1; i++)
        acc = acc * 9 + g_weight;
    g_sink = acc;
    return 301;
}
