#include <stdexcept>
#include "../exc.h"

extern volatile int g_sink;

/* New code that throws; the old main catches. */
int thrower(int v)
{
    g_sink = v;
    if (v >= 0)
        throw std::runtime_error("new");
    return 0;
}
