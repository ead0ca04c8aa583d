/*
 * prefork: a pre-fork server in miniature. The master prints ticks; on
 * SIGUSR1 it forks a worker, on SIGUSR2 a worker that drops to uid/gid 65534
 * and then (an attacker) copies the file DIR/crafted over its own inherited
 * xsplice registry. Each worker writes its ticks to DIR/worker-PID.
 *
 *   pf_a  orig 4100  (fixA 4101)
 *   pf_b  orig 4200  (fixB 4201)
 *
 * usage: prefork SECONDS DIR
 */
#include "corpus.h"
#include <signal.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

volatile int g_base = 4000;
volatile int g_sink;
static volatile sig_atomic_t g_fork_plain, g_fork_evil;

__attribute__((noinline)) int pf_a(int x)
{
    g_sink = x * 3;
    return g_base + 100;
}

__attribute__((noinline)) int pf_b(int x)
{
    g_sink = x * 5;
    return g_base + 200;
}

static void on_usr1(int s) { (void)s; g_fork_plain = 1; }
static void on_usr2(int s) { (void)s; g_fork_evil = 1; }

/* The attacker: overwrite the registry mapping this process inherited. */
static void tamper(const char *dir)
{
    char path[512];
    snprintf(path, sizeof path, "%s/crafted", dir);
    FILE *f = NULL;
    while (!(f = fopen(path, "rb")))
        corpus_sleep_us(10000);
    static unsigned char buf[1 << 20];
    size_t n = fread(buf, 1, sizeof buf, f);
    fclose(f);
    FILE *m = fopen("/proc/self/maps", "r");
    char line[1024];
    unsigned long start = 0, end = 0;
    while (m && fgets(line, sizeof line, m))
        if (strstr(line, "xsplice-registry") && sscanf(line, "%lx-%lx", &start, &end) == 2)
            break;
    if (m)
        fclose(m);
    if (!start || n > end - start || mprotect((void *)start, end - start, PROT_READ | PROT_WRITE) != 0) {
        printf("tamper failed\n");
        return;
    }
    memcpy((void *)start, buf, n);
    printf("crafted %zu bytes at %lx\n", n, start);
}

static void worker(const char *dir, int evil, double deadline)
{
    char path[512];
    snprintf(path, sizeof path, "%s/worker-%d", dir, (int)getpid());
    if (!freopen(path, "w", stdout))
        _exit(3);
    setvbuf(stdout, NULL, _IOLBF, 0);
    if (evil) {
        if (setgid(65534) != 0 || setuid(65534) != 0) {
            printf("setuid failed\n");
            _exit(3);
        }
        tamper(dir);
    }
    for (long n = 0; corpus_running(deadline); n++) {
        printf("tick %ld pf_a=%d pf_b=%d uid=%d\n", n, pf_a((int)n), pf_b((int)n), (int)getuid());
        corpus_tick_sleep();
    }
    _exit(0);
}

int main(int argc, char **argv)
{
    double deadline = corpus_start(argc, argv);
    const char *dir = argc > 2 ? argv[2] : "/tmp";
    signal(SIGUSR1, on_usr1);
    signal(SIGUSR2, on_usr2);
    signal(SIGCHLD, SIG_IGN);
    for (long n = 0; corpus_running(deadline); n++) {
        if (g_fork_plain || g_fork_evil) {
            int evil = g_fork_evil;
            g_fork_plain = g_fork_evil = 0;
            if (fork() == 0)
                worker(dir, evil, deadline);
        }
        printf("tick %ld pf_a=%d pf_b=%d\n", n, pf_a((int)n), pf_b((int)n));
        corpus_tick_sleep();
    }
    return 0;
}
