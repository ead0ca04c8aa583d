/* hotloop fixC (on top of fixA): new tiny_a (token 2202). */
extern int g_mask, g_zero;

__attribute__((noinline, noipa)) int tiny_a(int x)
{
    return 2202 + (((x * 13) ^ g_mask) & g_zero);
}
