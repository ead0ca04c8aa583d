/* callbacks fixSort: cmp_items sorts descending; it is called from inside
 * libc's qsort.  Token "1-2-3" -> "3-2-1". */
extern volatile int g_sink;

__attribute__((noinline, noipa)) int cmp_items(const void *pa, const void *pb)
{
    int a = *(const int *)pa, b = *(const int *)pb;
    g_sink += 3;
    return (a < b) - (a > b);
}
