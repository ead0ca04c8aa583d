/* nopie fixB: new np_second (token 2500 -> 2501); reads the program's
 * const data g_label through a pointer table in the patch (absolute address). */
extern int g_step;
extern volatile int g_sink;
extern const char g_label[];

static const char *const labels[] = { g_label };

__attribute__((noinline, noipa)) int np_second(int x)
{
    g_sink = (x ^ g_step) * 7 + labels[0][x & 3];
    return 2501;
}
