/* stopwin fixHold: hold_fn's token 900 -> 901; same behaviour otherwise. */
extern volatile int g_entered;
extern void (*volatile g_action)(void);

__attribute__((noinline)) int hold_fn(void)
{
    g_entered = 901;
    g_action();
    return 901;
}
