/* cet fixB: new cet_b (token 2700 -> 2701); makes an indirect call through
 * the program's function pointer g_leaf (target starts with endbr64). */
extern int (*volatile g_leaf)(int);
extern volatile int g_sink;

__attribute__((noinline, noipa)) int cet_b(int x)
{
    g_sink = g_leaf(x + 1) - 1;
    return 2701;
}
