/*
 * linkage: step() exercises how new code must be linked into the program:
 *  - a switch compiled to a jump table (relocations against .text.step);
 *  - a cold part (step.cold, in .text.unlikely.step) that jumps back;
 *  - function-pointer identity with a function the fix does not change;
 *  - file statics reached through .bss + offset;
 *  - a static const table of pointers (.data.rel.ro.local).
 * count_a()/count_b() each bump a static named "count" (a.c and b.c).
 */
#include "corpus.h"

typedef int (*handler_fn)(int);

static int misses;
static int hits;

__attribute__((noinline)) static int exec_handler(int x) { return x + 1; }
__attribute__((noinline)) int other_handler(int x) { return x * 2; }

/* Volatile: the comparison in step() must really compare addresses. */
handler_fn volatile current = exec_handler;

static const char *const names[] = { "zero", "one", "two", "three", "four", "five", "six" };

int count_a(void);
int count_b(void);

__attribute__((cold, noinline)) void rare(int v) { printf("rare %d\n", v); }

__attribute__((noinline)) int step(int v, const char **name)
{
    int r;
    switch (v % 7) {
    case 0: r = v * 3; break;
    case 1: r = v + 7; break;
    case 2: r = v ^ 5; break;
    case 3: r = v - 2; break;
    case 4: r = v * v; break;
    case 5: r = v / 3; break;
    default: r = -v; break;
    }
    if (v % 5 == 4) {
        rare(v);
        misses++;
        r += 1000;
    }
    hits++;
    *name = names[v % 7];
    handler_fn h = current;
    return h == exec_handler ? r : -99999;
}

int main(int argc, char **argv)
{
    double deadline = corpus_start(argc, argv);
    for (int n = 0; corpus_running(deadline); n++) {
        const char *name = "";
        int r = step(n, &name);
        int a = count_a(), b = count_b();
        printf("tick %d step=%d name=%s hits=%d misses=%d a=%d b=%d h=%d\n",
               n, r, name, hits, misses, a, b, current(1));
        corpus_tick_sleep();
    }
    return 0;
}
