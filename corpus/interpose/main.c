/*
 * interpose: runs with libshout.so preloaded (it re-executes itself with
 * LD_PRELOAD set), which interposes puts(). greet() uses puts, so its line
 * carries the interposer's "shout:" prefix; a fix must keep that binding.
 */
#include "corpus.h"
#include <string.h>
#include <unistd.h>

__attribute__((noinline)) void greet(int n)
{
    char line[64];
    snprintf(line, sizeof line, "tick %d greet=old", n);
    puts(line);
}

int main(int argc, char **argv)
{
    const char *pre = getenv("LD_PRELOAD");
    if (pre == NULL || strstr(pre, "libshout.so") == NULL) {
        char self[4096], lib[4096];
        ssize_t k = readlink("/proc/self/exe", self, sizeof self - 1);
        if (k <= 0)
            return 2;
        self[k] = 0;
        snprintf(lib, sizeof lib, "%.*s/libshout.so", (int)(strrchr(self, '/') - self), self);
        setenv("LD_PRELOAD", lib, 1);
        execv(self, argv);
        return 2;
    }
    double deadline = corpus_start(argc, argv);
    for (int n = 0; corpus_running(deadline); n++) {
        greet(n);
        corpus_tick_sleep();
    }
    return 0;
}
