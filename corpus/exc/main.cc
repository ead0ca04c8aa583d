/*
 * exc: C++ exceptions crossing replacement code.  PIE -O2, built the way a
 * distribution builds C++ (g++, -fstack-protector-strong -fcf-protection
 * -D_FORTIFY_SOURCE=2).  The patchable functions live in work.cc, so main's
 * calls rely on nothing but the ABI.
 *
 *   thrower  orig "plain": returns normally
 *            fixThrow: throws std::runtime_error("new") from the new code;
 *            main (old code) catches it -> "caught-new"
 *   relay    orig "caught-old/none": calls check(), which (old code) throws
 *            std::logic_error("old"); relay has nothing to clean up
 *            fixRelay: the new relay holds a Trace whose destructor records
 *            "relay-new"; the old exception unwinds through the new code ->
 *            "caught-old/relay-new"
 *
 * `exc SECONDS spin` busy-waits between ticks instead of sleeping.
 */
#include <cstdio>
#include <cstdlib>
#include <ctime>
#include <stdexcept>
#include "exc.h"

volatile int g_last_dtor;
static const char *const dtor_names[] = {"none", "relay-new"};

static double now()
{
    timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return double(ts.tv_sec) + double(ts.tv_nsec) / 1e9;
}

int main(int argc, char **argv)
{
    setvbuf(stdout, nullptr, _IOLBF, 0);
    double limit = argc > 1 ? atof(argv[1]) : 60;
    if (!(limit > 0 && limit < 120))
        limit = 120;
    double deadline = now() + limit;
    bool spin = argc > 2 && argv[2][0] == 's';
    for (long n = 0; now() < deadline; n++) {
        const char *t = "plain";
        try {
            thrower(int(n));
        } catch (const std::runtime_error &e) {
            t = e.what()[0] == 'n' ? "caught-new" : "caught-other";
        }
        const char *r = "returned";
        g_last_dtor = 0;
        try {
            relay(int(n));
        } catch (const std::logic_error &e) {
            r = e.what()[0] == 'o' ? "caught-old" : "caught-other";
        }
        int d = g_last_dtor;
        std::printf("tick %ld thrower=%s relay=%s/%s\n", n, t, r, d >= 0 && d < 2 ? dtor_names[d] : "unknown");
        if (spin) {
            /* Never in a system call: no thread an unwinder call may borrow. */
            double until = now() + 0.02;
            while (now() < until)
                ;
        } else {
            timespec ts = {0, 20 * 1000 * 1000};
            nanosleep(&ts, nullptr);
        }
    }
    return 0;
}
