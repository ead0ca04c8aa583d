/* workers fixB: new bonus (token 400 -> 401). Calls the program's STATIC weigh(). */
extern volatile int g_sink;
extern int weigh(int x); /* static in workers/main.c */

__attribute__((noinline, noipa)) int bonus(int x)
{
    g_sink = weigh(x ^ 1) + 17;
    return 401;
}
