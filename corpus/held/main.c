/*
 * held: a main-thread ticker that measures how long it was held (stopped by
 * a tracer) without trusting the tracer's word.
 *
 * Every lap it reads CLOCK_MONOTONIC and its own /proc/thread-self/schedstat
 * (nanoseconds on a CPU, nanoseconds waiting on a run queue). Across one lap,
 * wall time that was neither on a CPU, nor waiting for one, nor the lap's own
 * requested sleep was time the thread could not run: a ptrace stop. That
 * residual, above a small allowance for timer latency, is summed as
 * "held_us": a lower bound of the time the thread was stopped. The timer
 * slack is set to 1 ns so that a sleep ends when it was asked to.
 *
 *   tick N held_value=700 held_us=H laps=L     (fixHeld: held_value=701)
 */
#include "corpus.h"
#include <fcntl.h>
#include <string.h>
#include <sys/prctl.h>
#include <unistd.h>

#define LAP_SLEEP_US 200L
/* Per lap: timer expiry and wake-up latency that is neither CPU nor queue time. */
#define LAP_ALLOWANCE_NS 60000LL

volatile int held_sink;

__attribute__((noinline)) int held_value(int x)
{
    held_sink = x;
    return 700;
}

static long long now_ns(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (long long)ts.tv_sec * 1000000000LL + ts.tv_nsec;
}

/* CPU time plus run-queue wait of this thread, in ns; -1 if unreadable. */
static long long accounted_ns(int fd)
{
    char buf[128];
    if (lseek(fd, 0, SEEK_SET) != 0)
        return -1;
    ssize_t n = read(fd, buf, sizeof buf - 1);
    if (n <= 0)
        return -1;
    buf[n] = 0;
    long long cpu = 0, wait = 0;
    if (sscanf(buf, "%lld %lld", &cpu, &wait) != 2)
        return -1;
    return cpu + wait;
}

int main(int argc, char **argv)
{
    double deadline = corpus_start(argc, argv);
    prctl(PR_SET_TIMERSLACK, 1UL, 0, 0, 0);
    int fd = open("/proc/thread-self/schedstat", O_RDONLY | O_CLOEXEC);
    if (fd < 0) {
        perror("schedstat");
        return 1;
    }
    long long held = 0, laps = 0;
    long long t0 = now_ns(), a0 = accounted_ns(fd), next_tick = t0;
    for (long n = 0; corpus_running(deadline);) {
        corpus_sleep_us(LAP_SLEEP_US);
        long long t1 = now_ns(), a1 = accounted_ns(fd);
        if (a0 >= 0 && a1 >= 0) {
            long long residual = (t1 - t0) - (a1 - a0) - LAP_SLEEP_US * 1000LL - LAP_ALLOWANCE_NS;
            if (residual > 0)
                held += residual;
        }
        laps++;
        t0 = now_ns();
        a0 = accounted_ns(fd);
        if (t0 >= next_tick) {
            printf("tick %ld held_value=%d held_us=%lld laps=%lld\n", n++, held_value((int)laps), held / 1000,
                   laps);
            next_tick = t0 + CORPUS_TICK_MS * 1000000LL;
        }
    }
    close(fd);
    return 0;
}
