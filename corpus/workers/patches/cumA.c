/* workers cumA: cumulative fix for score, valid on the original or on fixA
 * (token 303). */
extern int g_weight;
extern volatile int g_sink;

__attribute__((noinline, noipa)) int score(int x)
{
    int acc = x;
    for (int i = 0; i < (x & 3) + 2; i++)
        acc = acc * 5 + g_weight + i;
    g_sink = acc;
    return 303;
}
