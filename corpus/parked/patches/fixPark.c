/* parked fixPark: new park_here (token 900 -> 901).  xsplice must REFUSE this
 * while the parked thread is inside park_here (i.e. until SIGUSR1 released it).
 * Only calls libc functions the program itself imports (nanosleep). */
#include <time.h>

extern volatile int g_release;
extern volatile int g_parked;
extern volatile long g_park_rounds;

__attribute__((noinline, noipa)) int park_here(int park)
{
    if (!park)
        return 901;
    g_parked = 1;
    while (!g_release) {
        struct timespec ts = { 0, 1000000 };
        nanosleep(&ts, NULL);
        g_park_rounds++;
    }
    g_parked = 0;
    return 901;
}
