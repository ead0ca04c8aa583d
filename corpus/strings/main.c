/*
 * strings: string-producing patchable functions; the replacement code uses
 * its own string literals (.rodata travels with the patch), the program's
 * string globals, snprintf() (imported by the program), and increments a
 * program counter global.  Main + 1 thread call them.
 *
 *   pick_word  returns a string:        orig "alpha"
 *       fixA "fixA-word" (literal; ++g_pick_count)   fixC "gamma" (program's
 *       g_words[2])   cumA "cumA-word" (literal)
 *   make_tag   writes a string to buf:  orig "tag-7"   fixB "fixB-tag-42"
 */
#include "corpus.h"

#ifdef WRONG_BUILD
#define K_W 5
#define K_T 3
#else
#define K_W 1
#define K_T 1
#endif

const char *const g_words[] = { "alpha", "beta", "gamma" };
int g_word_index = 0;
const char g_tag_prefix[] = "tag";
int g_tag_num = 7;
volatile long g_pick_count;   /* counts calls of pick_word (patched code too) */
volatile int g_sink;

PATCHABLE const char *pick_word(int x)
{
    g_pick_count += K_W;
    g_sink = x * 3 + g_word_index;
    return g_words[g_word_index];
}

PATCHABLE int make_tag(char *buf, int n, int x)
{
    g_sink = x + K_T;
    return snprintf(buf, (size_t)n - K_T + 1, "%s-%d", g_tag_prefix, g_tag_num);
}

static void *hot(void *arg)
{
    (void)arg;
    char buf[64];
    for (unsigned i = 0;; i++) {
        for (int k = 0; k < 200; k++) {
            g_sink += pick_word((int)(i + k))[0];
            g_sink += make_tag(buf, sizeof buf, k);
        }
        corpus_sleep_us(1000);
    }
    return NULL;
}

int main(int argc, char **argv)
{
    double deadline = corpus_start(argc, argv);
    corpus_spawn(1, hot);
    for (long n = 0; corpus_running(deadline); n++) {
        char tag[64];
        const char *w = pick_word((int)n);
        make_tag(tag, sizeof tag, (int)n);
        printf("tick %ld pick_word=%s make_tag=%s\n", n, w, tag);
        corpus_tick_sleep();
    }
    return 0;
}
