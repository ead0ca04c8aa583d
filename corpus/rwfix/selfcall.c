/*
 * A shared library calling its own exported function: -fPIC code calls
 * selfcall_base through its PLT entry (it may be interposed), so the proof
 * must accept the PLT entry bound to that name.
 */
int selfcall_base(int x)
{
    int r = 1;
    for (int i = 0; i < x; i++)
        r = r * 5 + i;
    return r;
}

int selfcall_top(int x)
{
#ifdef FIX_SELFCALL
    return selfcall_base(x + 1) + 3;
#else
    return selfcall_base(x + 1) + 2;
#endif
}
