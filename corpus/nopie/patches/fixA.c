/* nopie fixA: new np_first (token 2400 -> 2401). -O0 -fno-pie: absolute
 * (R_X86_64_32) and PC32 relocations. */
extern int g_step;
extern volatile int g_sink;

__attribute__((noinline, noipa)) int np_first(int x)
{
    int acc = 0;
    for (int i = 0; i < (x & 7) + 2; i++)
        acc += i * g_step + 2;
    g_sink = acc;
    return 2401;
}
