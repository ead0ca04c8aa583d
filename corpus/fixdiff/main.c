/*
 * fixdiff: a program built as distributions build them (no noinline/noipa on
 * the functions under test), for `xsplice build --before ORIG.o --after FIXED.o`.
 * Each tick prints what every translation unit returns for x = tick % 4; each
 * fix (-DFIX_<CASE>) changes one unit, and the tests check that a patched
 * process prints what the program rebuilt with the fix prints.
 */
#include "corpus.h"
#include "fixdiff.h"

int main(int argc, char **argv)
{
    double deadline = corpus_start(argc, argv);
    for (long n = 0; corpus_running(deadline); n++) {
        int x = (int)(n & 3);
        printf("tick %ld inl_one=%d inl_two=%d clone_left=%d clone_right=%d clone_mid=%d split=%d "
               "sig_first=%d sig_second=%d sig_third=%d grow=%d str=%s stat_a=%d stat_b=%d\n",
               n, inl_one(x), inl_two(x), clone_left(x, 4), clone_right(x, 4), clone_mid(x, 4),
               split_run(x), sig_first(x, 4), sig_second(x, 4), sig_third(x, 4), grow_value(x),
               str_word(x), stat_a(x), stat_b(x));
        corpus_tick_sleep();
    }
    return 0;
}
