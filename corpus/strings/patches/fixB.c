/* strings fixB: make_tag with a new format literal plus the program's string
 * and int globals, via snprintf.  Token "fixB-tag-42". */
#include <stdio.h>

extern const char g_tag_prefix[];
extern int g_tag_num;
extern volatile int g_sink;

__attribute__((noinline, noipa)) int make_tag(char *buf, int n, int x)
{
    g_sink = x * 2;
    return snprintf(buf, (size_t)n, "fixB-%s-%d", g_tag_prefix, g_tag_num * 6);
}
