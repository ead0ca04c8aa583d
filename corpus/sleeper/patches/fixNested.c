/* sleeper fixNested: nested_tick prints 4101; same recursion and sleep. */
#include "corpus.h"

extern volatile long g_ticks;
extern volatile int g_depth;

__attribute__((noinline)) int nested_tick(int depth)
{
    if (depth > 0) {
        /* The store after the call keeps it a real recursion (no loop). */
        int r = nested_tick(depth - 1);
        g_depth = depth;
        return r + 1;
    }
    printf("tick %ld nested_tick=%d\n", (long)g_ticks, 4101);
    corpus_sleep_us(100000);
    g_ticks++;
    return 0;
}
