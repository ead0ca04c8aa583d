/* sleeper fixSlow: slow_tick prints 4001; it still sleeps inside itself. */
#include "corpus.h"

extern volatile long g_ticks;

__attribute__((noinline)) void slow_tick(long n)
{
    printf("tick %ld slow_tick=%d\n", n, 4001);
    corpus_sleep_us(100000);
    g_ticks++;
}
