static int pad_a[3];
static int count;

__attribute__((noinline)) int count_a(void)
{
    pad_a[count % 3]++;
    return ++count;
}
