/* hotloop fixA: new tiny_a (token 2201). */
extern int g_mask, g_zero;

__attribute__((noinline, noipa)) int tiny_a(int x)
{
    return 2201 + (((x * 3) ^ g_mask) & g_zero);
}
