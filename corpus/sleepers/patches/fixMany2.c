/* sleepers fixMany2: slow_many prints 5002 (replaces fixMany in one stop). */
#include "corpus.h"

extern long g_tick;
extern long g_signals;

__attribute__((noinline)) void slow_many(long id)
{
    long n = __atomic_fetch_add(&g_tick, 1, __ATOMIC_RELAXED);
    printf("tick %ld slow_many=%d signals=%ld\n", n, 5002, __atomic_load_n(&g_signals, __ATOMIC_RELAXED));
    corpus_sleep_us(80000 + 10000 * id);
}
