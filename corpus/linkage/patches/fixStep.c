/*
 * step() with a different switch (its jump table moves), a cold part that
 * says "RARE", the same identity check and file statics, and a new table.
 * Every tick reports v*1000+case in step=, so any old case shows.
 */
#include "corpus.h"

typedef int (*handler_fn)(int);

static int misses;
static int hits;

__attribute__((noinline)) static int exec_handler(int x) { return x + 1; }

extern handler_fn volatile current;

static const char *const names[] = { "ZERO", "ONE", "TWO", "THREE", "FOUR", "FIVE", "SIX" };

/* New (the program has no such function): it travels with the payload. */
__attribute__((cold, noinline)) static void rare_fixed(int v) { printf("RARE %d\n", v); }

int step(int v, const char **name)
{
    int r;
    switch (v % 7) {
    case 0: r = v * 1000 + 70; break;
    case 1: r = v * 1000 + 71; break;
    case 2: r = (v ^ 1) * 1000 + 72; break;
    case 3: r = v * 1000 + 73 + (v & 0); break;
    case 4: r = v * 1000 + 74; break;
    case 5: r = (v | 0) * 1000 + 75; break;
    default: r = v * 1000 + 76; break;
    }
    if (v % 5 == 4) {
        rare_fixed(v);
        misses += 100;
        r += 1000000;
    }
    hits++;
    *name = names[v % 7];
    handler_fn h = current;
    return h == exec_handler ? r : -99999;
}
