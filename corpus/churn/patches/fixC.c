/* churn fixC: churn_a returns 3002. */
#include "corpus.h"

extern volatile int g_sink;

PATCHABLE int churn_a(int x)
{
    g_sink = x * 2 + 3002;
    return 3002;
}
