static int count;

__attribute__((noinline)) int count_b(void)
{
    return ++count;
}
