/* churn fixB: churn_b returns 3101. */
#include "corpus.h"

extern volatile int g_sink;

PATCHABLE int churn_b(int x)
{
    g_sink = x * 2 + 3101;
    return 3101;
}
