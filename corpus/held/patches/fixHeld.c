/* held fixHeld: held_value returns 701. */
#include "corpus.h"

extern volatile int held_sink;

__attribute__((noinline)) int held_value(int x)
{
    held_sink = x;
    return 701;
}
