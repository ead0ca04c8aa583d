/*
 * libuser: single-threaded program whose patchable functions live in its own
 * shared library libgreet.so.1 (found through DT_RUNPATH $ORIGIN).
 */
#include "corpus.h"
#include "greet.h"

int main(int argc, char **argv)
{
    double deadline = corpus_start(argc, argv);
    for (long n = 0; corpus_running(deadline); n++) {
        int id = greet_id((int)n);
        int lv = greet_level((int)n);
        printf("tick %ld greet_id=%d greet_level=%d\n", n, id, lv);
        corpus_tick_sleep();
    }
    return 0;
}
