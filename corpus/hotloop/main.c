/*
 * hotloop: 4 threads call two tiny (but >= 16 byte) functions back to back in
 * a tight loop with no sleeping -- billions of calls over a run -- storing
 * each result in a per-thread slot.  Main does not call them; it prints
 * thread 0's latest results.
 *
 *   tiny_a  orig 2200  (fixA 2201, fixC 2202, cumA 2203)
 *   tiny_b  orig 2300  (fixB 2301)
 */
#include "corpus.h"

#define NTHREADS 4

#ifdef WRONG_BUILD
#define K_A 9
#define K_B 11
#else
#define K_A 7
#define K_B 5
#endif

int g_mask = 0x5a5a;
int g_zero = 0;     /* the compiler cannot assume it is 0 */

struct slot {
    volatile int a, b;
    volatile unsigned long iters;
    char pad[64 - 2 * sizeof(int) - sizeof(unsigned long)];
};
static struct slot g_slots[NTHREADS] __attribute__((aligned(64)));

PATCHABLE int tiny_a(int x)
{
    return 2200 + (((x * K_A) ^ g_mask) & g_zero);
}

PATCHABLE int tiny_b(int x)
{
    return 2300 + (((x + K_B) | g_mask) & g_zero);
}

static void *spin(void *arg)
{
    struct slot *s = &g_slots[(long)arg];
    for (unsigned long i = 0;; i++) {
        s->a = tiny_a((int)i);
        s->b = tiny_b((int)i);
        s->iters = i;
    }
    return NULL;
}

int main(int argc, char **argv)
{
    double deadline = corpus_start(argc, argv);
    corpus_spawn(NTHREADS, spin);
    while (g_slots[0].a == 0 || g_slots[0].b == 0)
        corpus_sleep_us(1000);
    for (long n = 0; corpus_running(deadline); n++) {
        printf("tick %ld tiny_a=%d tiny_b=%d\n", n, g_slots[0].a, g_slots[0].b);
        corpus_tick_sleep();
    }
    return 0;
}
