#define _GNU_SOURCE 1
#include <dlfcn.h>
#include <execinfo.h>
#include "../btrace.h"

/* Frame 0 is this new code, frame 1 its caller: reaching it needs the
   new code's unwind information. */
const char *where(void)
{
    void *frames[8];
    int n = backtrace(frames, 8);
    Dl_info info;
    if (n < 2)
        return "stopped-at-new-code";
    if (dladdr(frames[1], &info) == 0 || info.dli_sname == 0)
        return "unnamed";
    return info.dli_sname;
}
