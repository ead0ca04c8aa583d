/* stopwin fixWork: work_fn's token 100 -> 101. */
__attribute__((noinline)) int work_fn(int n)
{
    return 101 + (n & 0);
}
