#include "../tls.h"

/* As the fixed main.c has them: the program's own file-static TLS and its
   setter (unchanged: it binds to the program's, it does not travel). */
static __thread int t_local;

__attribute__((noinline)) void set_local(int v)
{
    t_local = v;
}

int tls_step(void)
{
    return t_local * 100 + t_shared * 10 + lib_tls;
}
