/* hotloop fixB: new tiny_b (token 2301). */
extern int g_mask, g_zero;

__attribute__((noinline, noipa)) int tiny_b(int x)
{
    return 2301 + (((x + 1) | g_mask) & g_zero);
}
