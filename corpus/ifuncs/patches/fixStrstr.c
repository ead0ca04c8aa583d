/* strstr is an IFUNC that neither glibc itself nor the program has resolved
 * through a GOT slot; "hello.world" gives 2006. */
#include "corpus.h"
#include <string.h>

long measure(const char *s)
{
    const char *w = strstr(s, "world");
    return w ? 2000 + (w - s) : 1;
}
