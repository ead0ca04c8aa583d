/* strings cumA (original or fixA underneath): pick_word builds its string
 * with snprintf into a buffer of the patch's own .bss.  Token "cumA-word-7". */
#include <stdio.h>

extern volatile long g_pick_count;
extern int g_tag_num;

static char word_buf[32];

__attribute__((noinline, noipa)) const char *pick_word(int x)
{
    (void)x;
    g_pick_count += 1;
    snprintf(word_buf, sizeof word_buf, "cumA-word-%d", g_tag_num);
    return word_buf;
}
