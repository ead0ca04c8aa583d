/* recurse fixA: fib_like with f(1)=2, so fib_like(12) = 2*144 = 288.
 * The recursive calls go to fib_like (this replacement or, through the jmp,
 * the same). */
extern volatile long g_fib_calls;

__attribute__((noinline, noipa)) int fib_like(int n)
{
    g_fib_calls += 1;
    if (n < 2)
        return n * 2;
    return fib_like(n - 1) + fib_like(n - 2);
}
