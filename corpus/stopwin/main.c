/*
 * stopwin: a thread (or a coroutine, or a task sharing the memory) holds a
 * return address into hold_fn in a place that only a complete consistency
 * check sees.  argv[1] = seconds to run, argv[2] = mode:
 *
 *   maps      main itself holds; ~4000 extra mappings make /proc/PID/maps
 *             far longer than 64 KiB, with the [stack] line and the
 *             registry's far past byte 4,096
 *   born      the first SIGUSR1 lets thread A in; the second creates
 *             thread B, which enters and holds for good, and 100 ms later
 *             lets A leave (B is born while xsplice retries on A)
 *   altmap    main holds, then a signal handler sleeps forever on an
 *             alternate stack mmap'd apart from [stack]
 *   altlocal  a thread holds, then a handler sleeps forever on an
 *             alternate stack that is a local array of that thread's own
 *             stack (above the interrupted frames)
 *   coro      main runs a ucontext coroutine (stack from malloc) that
 *             suspends inside hold_fn and is never resumed
 *   deep      a thread (256 MiB stack) holds with 100 MiB of frame
 *             between its stack pointer and the return address
 *   clonevm   a clone(CLONE_VM) task outside the thread group holds
 *   away      a thread holds, then switches to a ucontext on a malloc'd
 *             stack and sleeps there: its own pthread stack, which holds
 *             the return address, is the stack of no stack pointer
 *   exited    each SIGUSR1 makes a thread that enters hold_fn, returns
 *             and exits; it is joined, and its stack stays in
 *             glibc's cache with the return address on it.  Not a holder:
 *             every operation must go through.
 *   callit    (stopclang) main enters call_it(act), clang's
 *             `push %rax; call *%rdi`, and act raises a signal handled on
 *             an mmap'd alternate stack, where the handler sleeps forever
 *
 * Nothing holds before SIGUSR1; SIGUSR1 lets the holder enter hold_fn.
 * call_it's replacement (fixCall) counts its calls in g_calls.
 * Every tick prints "tick N work_fn=W hold_fn=E": W is work_fn's token
 * (100, fixWork 101) and E the token of the hold_fn that was entered
 * (0 before, 900, fixHold 901).
 */
#include "corpus.h"
#include <sched.h>
#include <signal.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <ucontext.h>
#include <unistd.h>

volatile int g_go;
volatile int g_entered;
volatile int g_born;
volatile int g_release_a;
volatile int g_calls;
/* What hold_fn does once inside; called through a pointer so that the
 * replacement calls the same thing and no caller relies on its body. */
void (*volatile g_action)(void);
int (*volatile g_work)(int);
int (*volatile g_hold)(void);

__attribute__((noinline)) int work_fn(int n)
{
    return 100 + (n & 0);
}

__attribute__((noinline)) int hold_fn(void)
{
    g_entered = 900;
    g_action();
    return 900;
}

/* clang compiles this to `push %rax; call *%rdi; pop %rcx; ret`: the return
 * address lies inside the bytes a trampoline overwrites. */
__attribute__((noinline)) int call_it(int (*f)(void))
{
    return f() + 1;
}

static void forever(void)
{
    for (;;)
        corpus_sleep_us(50000);
}

static void on_go(int sig)
{
    (void)sig;
    g_go++;
}

static void on_hold_signal(int sig)
{
    (void)sig;
    forever();
}

static void act_sleep(void) { forever(); }

static void act_born(void)
{
    if (__sync_fetch_and_add(&g_born, 1) == 0) {
        while (!g_release_a)
            corpus_sleep_us(1000);
        return;
    }
    forever();
}

static void act_raise(void)
{
    raise(SIGUSR2);
}

static void act_deep(void)
{
    volatile char big[100 << 20];
    big[0] = 1;
    big[sizeof big - 1] = 1;
    forever();
}

static ucontext_t main_ctx, co_ctx;

static void act_yield(void)
{
    swapcontext(&co_ctx, &main_ctx);
    forever();  /* never resumed */
}

static ucontext_t away_back, away_ctx;

static void away_body(void) { forever(); }

/* Switches from the current context (saved in `from`) to a new one that
 * runs fn on a 64 KiB stack from malloc. */
static void switch_to_new(ucontext_t *from, ucontext_t *to, void (*fn)(void))
{
    getcontext(to);
    to->uc_stack.ss_sp = malloc(64 << 10);
    to->uc_stack.ss_size = 64 << 10;
    to->uc_link = NULL;
    makecontext(to, fn, 0);
    swapcontext(from, to);
}

static void act_away(void)
{
    switch_to_new(&away_back, &away_ctx, away_body);
    forever();  /* never resumed */
}

static void act_return(void) {}

static void coroutine(void)
{
    g_hold();
}

static int enter_raise(void)
{
    g_entered = 900;
    g_action();
    return 0;
}

static void install_altstack(void *base, size_t size)
{
    stack_t ss = { .ss_sp = base, .ss_size = size, .ss_flags = 0 };
    if (sigaltstack(&ss, NULL) != 0) {
        perror("sigaltstack");
        exit(2);
    }
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = on_hold_signal;
    sa.sa_flags = SA_ONSTACK;
    sigaction(SIGUSR2, &sa, NULL);
}

static void wait_go(void)
{
    while (!g_go)
        corpus_sleep_us(1000);
}

static void *hold_thread(void *arg)
{
    (void)arg;
    wait_go();
    g_hold();
    forever();
    return NULL;
}

/* At exit glibc gives back (MADV_DONTNEED) all but the top 16 KiB of the
 * stack; 4 KiB deep, below what the exit path itself overwrites, the return
 * address into hold_fn survives in the cache, as in a real server's threads. */
static void *exiting_thread(void *arg)
{
    (void)arg;
    volatile char pad[4 << 10];
    pad[0] = 1;
    g_hold();
    pad[sizeof pad - 1] = 1;
    return NULL;
}

static void *altlocal_thread(void *arg)
{
    (void)arg;
    char altstack[64 << 10];
    install_altstack(altstack, sizeof altstack);
    wait_go();
    g_hold();
    forever();
    return NULL;
}

static void *born_spawner(void *arg)
{
    (void)arg;
    wait_go();
    corpus_spawn(1, hold_thread);
    while (g_go < 2)
        corpus_sleep_us(1000);
    corpus_spawn(1, hold_thread);
    corpus_sleep_us(100000);
    g_release_a = 1;
    forever();
    return NULL;
}

static int sibling(void *arg)
{
    (void)arg;
    prctl(PR_SET_PDEATHSIG, SIGKILL);
    g_hold();
    return 0;
}

static void spawn_sized(void *(*fn)(void *), size_t size)
{
    pthread_attr_t a;
    pthread_t t;
    pthread_attr_init(&a);
    pthread_attr_setstacksize(&a, size);
    if (pthread_create(&t, &a, fn, NULL) != 0) {
        perror("pthread_create");
        exit(2);
    }
    pthread_detach(t);
}

/* Thousands of one-page mappings that cannot merge (alternating access). */
static void many_mappings(void)
{
    size_t n = 4000, page = 4096;
    char *base = mmap((void *)0x100000000UL, n * page, PROT_READ | PROT_WRITE,
                      MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    if (base == MAP_FAILED) {
        perror("mmap");
        exit(2);
    }
    for (size_t i = 0; i < n; i += 2)
        mprotect(base + i * page, page, PROT_READ);
}

/* Run once by the ticking thread after SIGUSR1. */
static void (*g_on_go)(void);

static void start_coroutine(void)
{
    switch_to_new(&main_ctx, &co_ctx, coroutine);
}

static void start_sibling(void)
{
    size_t size = 1 << 20;
    char *stack = malloc(size);
    if (!stack || clone(sibling, stack + size, CLONE_VM | SIGCHLD, NULL) < 0) {
        perror("clone");
        exit(2);
    }
}

static double g_deadline;

/* Threads made so far in mode exited; -1 in every other mode. */
static int g_exiting = -1;

/* One thread per SIGUSR1 not yet answered, each joined before the tick. */
static void run_exiting(void)
{
    for (; g_exiting < g_go; g_exiting++) {
        pthread_t t;
        if (pthread_create(&t, NULL, exiting_thread, NULL) != 0 || pthread_join(t, NULL) != 0) {
            perror("pthread");
            exit(2);
        }
    }
}

static void tick_loop(void)
{
    for (long n = 0; corpus_running(g_deadline); n++) {
        if (g_exiting >= 0)
            run_exiting();
        if (g_go >= 1 && g_on_go) {
            void (*hook)(void) = g_on_go;
            g_on_go = NULL;
            hook();
        }
        printf("tick %ld work_fn=%d hold_fn=%d\n", n, g_work((int)n), g_entered);
        corpus_tick_sleep();
    }
}

static void *ticker(void *arg)
{
    (void)arg;
    tick_loop();
    exit(0);
}

int main(int argc, char **argv)
{
    g_deadline = corpus_start(argc, argv);
    const char *mode = argc > 2 ? argv[2] : "maps";
    signal(SIGUSR1, on_go);
    g_work = work_fn;
    g_hold = hold_fn;
    g_action = act_sleep;
    int main_holds = !strcmp(mode, "maps") || !strcmp(mode, "altmap") || !strcmp(mode, "callit");
    if (!strcmp(mode, "maps")) {
        many_mappings();
    } else if (!strcmp(mode, "altmap") || !strcmp(mode, "callit")) {
        size_t size = 256 << 10;
        void *alt = mmap(NULL, size, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
        install_altstack(alt, size);
        g_action = act_raise;
    } else if (!strcmp(mode, "born")) {
        g_action = act_born;
        corpus_spawn(1, born_spawner);
    } else if (!strcmp(mode, "altlocal")) {
        g_action = act_raise;
        corpus_spawn(1, altlocal_thread);
    } else if (!strcmp(mode, "coro")) {
        g_action = act_yield;
        g_on_go = start_coroutine;
    } else if (!strcmp(mode, "away")) {
        g_action = act_away;
        corpus_spawn(1, hold_thread);
    } else if (!strcmp(mode, "exited")) {
        g_action = act_return;
        g_exiting = 0;
    } else if (!strcmp(mode, "deep")) {
        g_action = act_deep;
        spawn_sized(hold_thread, (size_t)256 << 20);
    } else if (!strcmp(mode, "clonevm")) {
        g_on_go = start_sibling;
    } else {
        fprintf(stderr, "unknown mode %s\n", mode);
        return 2;
    }
    if (!main_holds) {
        tick_loop();
        return 0;
    }
    corpus_spawn(1, ticker);
    wait_go();
    if (!strcmp(mode, "callit"))
        call_it(enter_raise);
    else
        g_hold();
    forever();
    return 0;
}
