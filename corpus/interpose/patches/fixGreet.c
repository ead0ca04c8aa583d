#include "corpus.h"

void greet(int n)
{
    char line[64];
    snprintf(line, sizeof line, "tick %d greet=new", n);
    puts(line);
}
