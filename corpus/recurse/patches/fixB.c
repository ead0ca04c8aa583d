/* recurse fixB: nodes with n(0)=2, so nodes(8) = 767. */
extern volatile long g_node_calls;

__attribute__((noinline, noipa)) int nodes(int d)
{
    g_node_calls += 1;
    if (d <= 0)
        return 2;
    return 1 + nodes(d - 1) + nodes(d - 1);
}
