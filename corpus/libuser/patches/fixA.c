/* libuser fixA: new greet_id in libgreet.so.1 (token 500 -> 501). -fPIC. */
extern int greet_base;
extern volatile int greet_sink;

__attribute__((noinline, noipa)) int greet_id(int x)
{
    int acc = greet_base;
    for (int i = 0; i < (x & 3) + 1; i++)
        acc = acc * 7 + i;
    greet_sink = acc;
    return 501;
}
