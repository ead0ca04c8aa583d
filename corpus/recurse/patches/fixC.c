/* recurse fixC (on top of fixA): fib_like with f(0)=1, f(1)=1, so
 * fib_like(12) = fib(13) = 233. */
extern volatile long g_fib_calls;

__attribute__((noinline, noipa)) int fib_like(int n)
{
    g_fib_calls += 1;
    if (n < 2)
        return 1;
    return fib_like(n - 1) + fib_like(n - 2);
}
