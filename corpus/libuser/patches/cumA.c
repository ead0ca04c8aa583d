/* libuser cumA: cumulative greet_id, valid on the original or on fixA
 * (token 503). Calls the library's other exported function greet_level(). */
extern int greet_base;
extern volatile int greet_sink;
extern int greet_level(int x);

__attribute__((noinline, noipa)) int greet_id(int x)
{
    int acc = greet_base;
    for (int i = 0; i < (x & 3) + 1; i++)
        acc = acc * 13 + i;
    (void)greet_level(x);
    greet_sink = acc;
    return 503;
}
