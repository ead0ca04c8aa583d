/* stopclang fixCall: call_it also counts its calls (same result). */
extern volatile int g_born;

__attribute__((noinline)) int call_it(int (*f)(void))
{
    g_born++;
    return f() + 1;
}
