/*
 * rwfix: reproductions of defects the real-world suite found in
 * `xsplice build --before/--after`, built as distributions build programs.
 * Each tick prints what every unit returns for x = tick % 4.
 */
#include "corpus.h"
#include "rwfix.h"

/*
 * The stop window scans whole stacks conservatively. ident_value() calls
 * lookup() without a frame of its own, so lookup()'s return address into
 * ident_value() stays in a slot below main's frame that nanosleep leaves
 * alone, and ident_value() would look busy forever. settle() has the same
 * shape and overwrites that slot with an address into main.c.
 */
__attribute__((noinline)) static int settle_leaf(int x)
{
    return x * 3;
}

__attribute__((noinline)) static int settle(int x)
{
    return settle_leaf(x) + 1;
}

int main(int argc, char **argv)
{
    double deadline = corpus_start(argc, argv);
    for (long n = 0; corpus_running(deadline); n++) {
        int x = (int)(n & 3);
        printf("tick %ld ident=%d layout=%d alias_impl=%d alias_name=%d\n", n, ident_value(x), layout_value(x),
               alias_impl(x), alias_name(x));
        if (settle(x) < 0)
            return 1;
        corpus_tick_sleep();
    }
    return 0;
}
