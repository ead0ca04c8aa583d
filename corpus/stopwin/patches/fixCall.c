/* stopclang fixCall: call_it also counts its calls (same result). */
extern volatile int g_calls;

__attribute__((noinline)) int call_it(int (*f)(void))
{
    g_calls++;
    return f() + 1;
}
