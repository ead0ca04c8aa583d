/*
 * callbacks: the patchable functions are only ever reached through function
 * pointers: a const table (g_ops, in .data.rel.ro), a handler table filled at
 * run time (g_handlers, in .data/.bss), and a qsort() comparator called from
 * inside libc.  Main + 2 threads call through the tables.
 *
 *   cb_red     orig 1300  (fixA 1301, fixC 1302, cumA 1303)
 *   cb_green   orig 1400  (fixB 1401)
 *   cb_blue    orig 1500  (fixC 1501)
 *   cmp_items  qsort comparator; token = the array {3,1,2} sorted with it:
 *              orig "1-2-3" (ascending), fixSort "3-2-1" (descending)
 */
#include "corpus.h"
#include <string.h>

#ifdef WRONG_BUILD
#define K_R 11
#define K_G 13
#define K_BL 17
#define K_C 2
#else
#define K_R 3
#define K_G 5
#define K_BL 7
#define K_C 1
#endif

int g_bias = 9;
volatile int g_sink;

PATCHABLE int cb_red(int x)
{
    int acc = x;
    for (int i = 0; i < (x & 3) + 1; i++)
        acc = acc * K_R + g_bias;
    g_sink = acc;
    return 1300;
}

PATCHABLE int cb_green(int x)
{
    g_sink = (x + g_bias) * K_G - (x >> 1);
    return 1400;
}

PATCHABLE int cb_blue(int x)
{
    g_sink = (x ^ g_bias) * K_BL + (x << 2);
    return 1500;
}

PATCHABLE int cmp_items(const void *pa, const void *pb)
{
    int a = *(const int *)pa, b = *(const int *)pb;
    g_sink += K_C;
    return (a > b) - (a < b);
}

typedef int (*op_fn)(int);

/* const table: pointers resolved at load time (relocated .data.rel.ro) */
static op_fn const g_ops[3] = { cb_red, cb_green, cb_blue };

/* run-time table */
struct handler {
    const char *name;
    op_fn fn;
};
static struct handler g_handlers[3];
static int g_nhandlers;

static void register_handler(const char *name, op_fn fn)
{
    g_handlers[g_nhandlers].name = name;
    g_handlers[g_nhandlers].fn = fn;
    g_nhandlers++;
}

/* token of cmp_items: {3,1,2} sorted by it, joined with '-' */
static const char *sorted_token(char *buf, size_t n)
{
    int v[3] = { 3, 1, 2 };
    qsort(v, 3, sizeof v[0], cmp_items);
    snprintf(buf, n, "%d-%d-%d", v[0], v[1], v[2]);
    return buf;
}

static void *hot(void *arg)
{
    (void)arg;
    for (unsigned i = 0;; i++) {
        for (int k = 0; k < 500; k++)
            for (int j = 0; j < 3; j++)
                g_sink += g_ops[j]((int)(i + k)) + g_handlers[j].fn(k);
        corpus_sleep_us(1000);
    }
    return NULL;
}

int main(int argc, char **argv)
{
    double deadline = corpus_start(argc, argv);
    register_handler("cb_red", cb_red);
    register_handler("cb_green", cb_green);
    register_handler("cb_blue", cb_blue);
    corpus_spawn(2, hot);
    for (long n = 0; corpus_running(deadline); n++) {
        char line[256], sorted[32];
        int len = snprintf(line, sizeof line, "tick %ld", n);
        for (int j = 0; j < g_nhandlers; j++) {
            /* both tables must agree; print the run-time table's result */
            int viaconst = g_ops[j]((int)n);
            int viadyn = g_handlers[j].fn((int)n);
            if (viaconst != viadyn)
                viadyn = -viadyn;  /* never expected: shows up as a bad token */
            len += snprintf(line + len, sizeof line - len, " %s=%d",
                            g_handlers[j].name, viadyn);
        }
        printf("%s cmp_items=%s\n", line, sorted_token(sorted, sizeof sorted));
        corpus_tick_sleep();
    }
    return 0;
}
