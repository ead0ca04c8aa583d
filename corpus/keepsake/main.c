/*
 * keepsake: a thread whose registers, FPU state and signal mask must come
 * back exactly after xsplice borrows it for a remote call, even if xsplice
 * is killed in the middle of the call.
 *
 *   ks_a  orig 6100  (fixA 6101)
 *
 * usage: keepsake SECONDS MODE     MODE: spin | sleep
 *   spin:  the main thread never leaves an asm loop that holds known values
 *          in ymm0-7, rbx and r12-r15 and checks them on every turn.
 *   sleep: the main thread sleeps 100 ms at a time in a raw nanosleep with
 *          the same values held across it; a sleep that ends early or with
 *          EINTR, or changed registers, is counted.
 *   The main thread blocks SIGUSR2 and SIGRTMIN+3 (its mask is checked from
 *   outside). Two workers call ks_a; they and the printer sleep the same
 *   checked way, since any of them may be borrowed. The printer prints:
 * prints: tick n ks_a=V spins=S sleeps=Z bad=B eintr=E short=T
 */
#include "corpus.h"
#include <errno.h>
#include <sched.h>
#include <signal.h>
#include <string.h>
#include <unistd.h>

volatile int g_base = 6000;
volatile int g_sink;
static volatile unsigned long g_spins, g_sleeps, g_bad, g_eintr, g_short;
static volatile int g_last;
/* ymm0-7 patterns, then rbx, r12, r13, r14, r15. */
static unsigned char g_pat[8 * 32 + 5 * 8] __attribute__((aligned(32)));

__attribute__((noinline)) int ks_a(int x)
{
    g_sink = x * 13;
    return g_base + 100;
}

#define LOAD_ALL                                                           \
    "vmovdqa 0(%[p]), %%ymm0\n\tvmovdqa 32(%[p]), %%ymm1\n\t"              \
    "vmovdqa 64(%[p]), %%ymm2\n\tvmovdqa 96(%[p]), %%ymm3\n\t"             \
    "vmovdqa 128(%[p]), %%ymm4\n\tvmovdqa 160(%[p]), %%ymm5\n\t"           \
    "vmovdqa 192(%[p]), %%ymm6\n\tvmovdqa 224(%[p]), %%ymm7\n\t"           \
    "mov 256(%[p]), %%rbx\n\tmov 264(%[p]), %%r12\n\tmov 272(%[p]), %%r13\n\t" \
    "mov 280(%[p]), %%r14\n\tmov 288(%[p]), %%r15\n\t"

#define CHECK_YMM(n, off)                                                  \
    "vpcmpeqq " #off "(%[p]), %%ymm" #n ", %%ymm8\n\t"                     \
    "vpmovmskb %%ymm8, %%eax\n\tcmp $-1, %%eax\n\tjne 8f\n\t"

/* Jumps to 8f on a mismatch; clobbers eax and ymm8. */
#define CHECK_ALL                                                          \
    CHECK_YMM(0, 0) CHECK_YMM(1, 32) CHECK_YMM(2, 64) CHECK_YMM(3, 96)     \
    CHECK_YMM(4, 128) CHECK_YMM(5, 160) CHECK_YMM(6, 192) CHECK_YMM(7, 224) \
    "cmp 256(%[p]), %%rbx\n\tjne 8f\n\tcmp 264(%[p]), %%r12\n\tjne 8f\n\t" \
    "cmp 272(%[p]), %%r13\n\tjne 8f\n\tcmp 280(%[p]), %%r14\n\tjne 8f\n\t" \
    "cmp 288(%[p]), %%r15\n\tjne 8f\n\t"

#define CLOBBERS "rax", "rbx", "r12", "r13", "r14", "r15", "xmm0", "xmm1", "xmm2", "xmm3", \
                 "xmm4", "xmm5", "xmm6", "xmm7", "xmm8", "memory", "cc"

static void spin_forever(void)
{
    __asm__ volatile(
        LOAD_ALL
        "1:\n\t"
        CHECK_ALL
        "incq %[spins]\n\t"
        "jmp 1b\n"
        "8:\n\t"
        "incq %[bad]\n\t"
        LOAD_ALL
        "jmp 1b\n\t"
        : [spins] "+m"(g_spins), [bad] "+m"(g_bad)
        : [p] "r"(g_pat)
        : CLOBBERS);
}

/* One raw nanosleep with the values held across it; returns its result. */
static long held_sleep(struct timespec *ts)
{
    long ret;
    __asm__ volatile(
        LOAD_ALL
        "mov $35, %%eax\n\t"
        "syscall\n\t"
        "mov %%rax, %%rcx\n\t"
        CHECK_ALL
        "jmp 9f\n"
        "8:\n\t"
        "incq %[bad]\n"
        "9:\n\t"
        : "=&c"(ret), [bad] "+m"(g_bad)
        : [p] "r"(g_pat), "D"(ts), "S"(0)
        : "r11", CLOBBERS);
    return ret;
}

/* Sleeps `ms` with the values held; counts an early or interrupted end. */
static void checked_sleep(long ms)
{
    struct timespec ts = { ms / 1000, (ms % 1000) * 1000 * 1000 };
    double t0 = corpus_now();
    long r = held_sleep(&ts);
    double took = corpus_now() - t0;
    if (r == -EINTR)
        g_eintr++;
    else if (r != 0 || took < (double)ms / 1000 - 0.001)
        g_short++;
}

static void sleep_forever(void)
{
    for (;;) {
        checked_sleep(100);
        g_sleeps++;
    }
}

/* Helpers sleep the same way: any of them may be the thread xsplice borrows. */
static void *worker(void *arg)
{
    for (long n = (long)arg;; n++) {
        g_last = ks_a((int)n);
        checked_sleep(3);
    }
    return NULL;
}

static void *printer(void *arg)
{
    (void)arg;
    for (long n = 0;; n++) {
        printf("tick %ld ks_a=%d spins=%lu sleeps=%lu bad=%lu eintr=%lu short=%lu\n", n, ks_a((int)n), g_spins,
               g_sleeps, g_bad, g_eintr, g_short);
        checked_sleep(CORPUS_TICK_MS);
    }
    return NULL;
}

static void *deadline_watch(void *arg)
{
    double deadline = *(double *)arg;
    while (corpus_running(deadline))
        corpus_sleep_us(50000);
    exit(0);
}

int main(int argc, char **argv)
{
    static double deadline;
    deadline = corpus_start(argc, argv);
    int sleeping = argc > 2 && strcmp(argv[2], "sleep") == 0;
    for (size_t i = 0; i < sizeof g_pat; i++)
        g_pat[i] = (unsigned char)(0x5a ^ (i * 37));
    pthread_t t;
    pthread_create(&t, NULL, printer, NULL);
    pthread_create(&t, NULL, worker, (void *)0);
    pthread_create(&t, NULL, worker, (void *)1000);
    pthread_create(&t, NULL, deadline_watch, &deadline);
    sigset_t m;
    sigemptyset(&m);
    sigaddset(&m, SIGUSR2);
    sigaddset(&m, SIGRTMIN + 3);
    pthread_sigmask(SIG_BLOCK, &m, NULL);
    if (sleeping)
        sleep_forever();
    /* Idle priority: the spinning thread must not take a CPU from the tests
       that run beside it (it still gets the time no one else wants). */
    struct sched_param idle = { 0 };
    sched_setscheduler(0, SCHED_IDLE, &idle);
    spin_forever();
    return 0;
}
