/*
 * clash: two translation units (a.c, b.c) each with a static int helper(int).
 * alpha() calls a.c's helper, beta() calls b.c's helper.  Single thread.
 * The helpers' tokens are read through a_probe()/b_probe() (not patchable)
 * and printed as "a.c:helper=" / "b.c:helper=".
 *
 *   alpha       orig 1800  (fixA 1801, fixC 1802, cumA 1803)
 *   beta        orig 1900  (fixB 1901)
 *   a.c:helper  orig 1600  (fixHelperA 1601)
 *   b.c:helper  orig 1700  (fixHelperB 1701)
 */
#include "corpus.h"
#include "clash.h"

volatile int g_sink;

int main(int argc, char **argv)
{
    double deadline = corpus_start(argc, argv);
    for (long n = 0; corpus_running(deadline); n++) {
        int a = alpha((int)n);
        int b = beta((int)n);
        int ha = a_probe((int)n);
        int hb = b_probe((int)n);
        printf("tick %ld alpha=%d beta=%d a.c:helper=%d b.c:helper=%d\n",
               n, a, b, ha, hb);
        corpus_tick_sleep();
    }
    return 0;
}
