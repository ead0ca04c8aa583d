/* libuser fixC: overlapping fix on top of fixA; new greet_id (token 502). */
extern int greet_base;
extern volatile int greet_sink;

__attribute__((noinline, noipa)) int greet_id(int x)
{
    int acc = greet_base + 1;
    for (int i = 0; i < (x & 7) + 1; i++)
        acc = acc * 3 + i;
    greet_sink = acc;
    return 502;
}
