/* The interposer: puts() that tags every line, so output shows who bound it. */
#include <stdio.h>
#include <string.h>

int puts(const char *s)
{
    /* "tick N greet=X" -> "tick N greet=X shout=yes" keeps the tick format. */
    return printf("%s shout=yes\n", s) < 0 ? EOF : 1;
}
