/* count_a() adds 10 to a.c's own static "count" (not b.c's, not a copy). */
static int pad_a[3];
static int count;

int count_a(void)
{
    pad_a[count % 3]++;
    count += 10;
    return count;
}
