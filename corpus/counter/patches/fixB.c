/* counter fixB: new compute_b (token 200 -> 201). Calls the program's STATIC mix(). */
extern int g_scale;
extern volatile int g_sink;
extern int mix(int x); /* static in counter/main.c */

__attribute__((noinline, noipa)) int compute_b(int x)
{
    g_sink = mix(x + 1) * 7 + g_scale;
    return 201;
}
