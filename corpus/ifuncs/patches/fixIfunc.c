/* Uses five IFUNCs of glibc; "hello.world" gives 111591. */
#include "corpus.h"
#include <string.h>

extern char sample[];

long measure(const char *s)
{
    size_t n = strlen(s);
    /* A length only known at run time, so memcpy stays a call. */
    char buf[n + 1];
    memcpy(buf, s, n + 1);
    const char *dot = memchr(buf, '.', n);
    const char *last = strrchr(buf, 'l');
    int same = strcmp(buf, sample) == 0;
    return 100000 + (long)n * 1000 + (dot ? dot - buf : 99) * 100 + (last ? last - buf : 9) * 10 + same;
}
