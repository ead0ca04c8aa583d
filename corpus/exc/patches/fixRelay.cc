#include "../exc.h"

/* The old check() throws through this new frame, whose Trace must be destroyed on the way. */
int relay(int v)
{
    Trace t{1};
    return check(v) + 2;
}
