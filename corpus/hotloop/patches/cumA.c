/* hotloop cumA (original or fixA underneath): new tiny_a (token 2203). */
extern int g_mask, g_zero;

__attribute__((noinline, noipa)) int tiny_a(int x)
{
    return 2203 + (((x - 1) & g_mask) & g_zero);
}
