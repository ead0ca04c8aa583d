/* churn fixA: churn_a returns 3001. */
#include "corpus.h"

extern volatile int g_sink;

PATCHABLE int churn_a(int x)
{
    g_sink = x * 2 + 3001;
    return 3001;
}
