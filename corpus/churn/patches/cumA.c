/* churn cumA: churn_a returns 3003. */
#include "corpus.h"

extern volatile int g_sink;

PATCHABLE int churn_a(int x)
{
    g_sink = x * 2 + 3003;
    return 3003;
}
