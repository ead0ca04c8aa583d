/* libuser fixB: new greet_level (token 600 -> 601). Calls the library's
 * STATIC greet_hash(). */
extern volatile int greet_sink;
extern int greet_hash(int x); /* static in libuser/greet.c */

__attribute__((noinline, noipa)) int greet_level(int x)
{
    greet_sink = greet_hash(x + 3) + 11;
    return 601;
}
