/*
 * ifuncs: measure() calls glibc string functions, which are GNU indirect
 * functions (IFUNCs): a call must reach the implementation the resolver
 * chose in this process, never the resolver itself (whose "result" would be
 * a code address). The fix calls strlen, memchr, strrchr, strcmp and memcpy.
 */
#include "corpus.h"
#include <string.h>

/* Not const: the compiler must not fold the string functions away. */
char sample[] = "hello.world";

__attribute__((noinline)) long measure(const char *s)
{
    return (long)strlen(s);
}

int main(int argc, char **argv)
{
    double deadline = corpus_start(argc, argv);
    for (int n = 0; corpus_running(deadline); n++) {
        printf("tick %d measure=%ld\n", n, measure(sample));
        corpus_tick_sleep();
    }
    return 0;
}
