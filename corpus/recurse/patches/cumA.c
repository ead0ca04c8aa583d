/* recurse cumA (original or fixA underneath): f(1)=3, fib_like(12) = 432. */
extern volatile long g_fib_calls;

__attribute__((noinline, noipa)) int fib_like(int n)
{
    g_fib_calls += 1;
    if (n < 2)
        return n * 3;
    return fib_like(n - 1) + fib_like(n - 2);
}
