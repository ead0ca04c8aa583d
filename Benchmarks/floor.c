/*
 * floor: the bare ptrace floor of stopping and resuming every thread of a
 * process, to compare xsplice's pause with.
 *
 *   floor PID [REPS] [GAP_MS]
 *
 * Each repetition lists /proc/PID/task (untimed), then, timed from the first
 * PTRACE_SEIZE to the last PTRACE_DETACH: PTRACE_SEIZE + PTRACE_INTERRUPT
 * each thread, waitpid(__WALL) each, PTRACE_DETACH each.  Nothing else
 * happens in the window.  It sleeps GAP_MS (default 20) between repetitions.
 * Prints one line:  median_us=M min_us=A max_us=B threads=T reps=N all=x,y,...
 * Exit 0 on success, 2 on bad usage, 1 if a repetition failed.
 */
#define _GNU_SOURCE 1
#include <dirent.h>
#include <errno.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ptrace.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#define MAXT 4096

static uint64_t now_us(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000000u + (uint64_t)ts.tv_nsec / 1000u;
}

static int list_threads(pid_t pid, pid_t *out)
{
    char path[64];
    snprintf(path, sizeof path, "/proc/%d/task", (int)pid);
    DIR *d = opendir(path);
    if (!d)
        return -1;
    int n = 0;
    struct dirent *e;
    while ((e = readdir(d)) != NULL && n < MAXT)
        if (e->d_name[0] >= '0' && e->d_name[0] <= '9')
            out[n++] = (pid_t)atoi(e->d_name);
    closedir(d);
    return n;
}

static int cmp_u64(const void *a, const void *b)
{
    uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;
    return x < y ? -1 : x > y;
}

/* One stop/resume of every thread; returns microseconds, or 0 on failure. */
static uint64_t once(pid_t pid, int *nthreads)
{
    static pid_t tids[MAXT];
    static int sig[MAXT];
    static char ok[MAXT];
    int n = list_threads(pid, tids);
    if (n <= 0)
        return 0;
    *nthreads = n;
    uint64_t t0 = now_us();
    for (int i = 0; i < n; i++) {
        sig[i] = 0;
        ok[i] = ptrace(PTRACE_SEIZE, tids[i], 0, 0) == 0;
        if (ok[i] && ptrace(PTRACE_INTERRUPT, tids[i], 0, 0) != 0)
            ok[i] = 0;
    }
    for (int i = 0; i < n; i++) {
        if (!ok[i])
            continue;
        int st;
        if (waitpid(tids[i], &st, __WALL) != tids[i] || !WIFSTOPPED(st)) {
            ok[i] = 0;
            continue;
        }
        /* A signal that stopped the thread before our interrupt: give it back. */
        if ((st >> 16) == 0 && WSTOPSIG(st) != SIGTRAP && WSTOPSIG(st) != SIGSTOP)
            sig[i] = WSTOPSIG(st);
    }
    for (int i = 0; i < n; i++)
        if (ok[i])
            ptrace(PTRACE_DETACH, tids[i], 0, (void *)(intptr_t)sig[i]);
    uint64_t t1 = now_us();
    for (int i = 0; i < n; i++)
        if (!ok[i])
            return 0;
    return t1 - t0;
}

int main(int argc, char **argv)
{
    if (argc < 2) {
        fprintf(stderr, "usage: %s PID [REPS] [GAP_MS]\n", argv[0]);
        return 2;
    }
    pid_t pid = (pid_t)atoi(argv[1]);
    int reps = argc > 2 ? atoi(argv[2]) : 15;
    int gap_ms = argc > 3 ? atoi(argv[3]) : 20;
    if (pid <= 0 || reps < 1 || reps > 100000 || gap_ms < 0) {
        fprintf(stderr, "floor: bad arguments\n");
        return 2;
    }
    uint64_t *v = calloc((size_t)reps, sizeof *v);
    if (!v)
        return 1;
    int threads = 0;
    for (int r = 0; r < reps; r++) {
        v[r] = once(pid, &threads);
        if (v[r] == 0) {
            fprintf(stderr, "floor: repetition %d failed (%s)\n", r, strerror(errno));
            return 1;
        }
        struct timespec ts = { gap_ms / 1000, (long)(gap_ms % 1000) * 1000000L };
        nanosleep(&ts, NULL);
    }
    uint64_t *s = malloc((size_t)reps * sizeof *s);
    if (!s)
        return 1;
    memcpy(s, v, (size_t)reps * sizeof *s);
    qsort(s, (size_t)reps, sizeof *s, cmp_u64);
    uint64_t med = reps % 2 ? s[reps / 2] : (s[reps / 2 - 1] + s[reps / 2]) / 2;
    printf("median_us=%llu min_us=%llu max_us=%llu threads=%d reps=%d all=",
           (unsigned long long)med, (unsigned long long)s[0], (unsigned long long)s[reps - 1], threads, reps);
    for (int r = 0; r < reps; r++)
        printf("%s%llu", r ? "," : "", (unsigned long long)v[r]);
    printf("\n");
    return 0;
}
