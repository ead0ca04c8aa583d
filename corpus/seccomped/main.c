/*
 * seccomped: a counter that confines itself with a seccomp filter once it
 * runs, as systemd's SystemCallFilter= and MemoryDenyWriteExecute= do.
 *
 *   sc_a  orig 4300  (fixA 4301)
 *
 * usage: seccomped SECONDS MODE, MODE one of
 *   killmmap   mmap kills the process (SECCOMP_RET_KILL_PROCESS)
 *   epermmmap  mmap fails with EPERM
 *   wx         mmap/mprotect asking for PROT_WRITE|PROT_EXEC together kill it
 */
#include "corpus.h"
#include <errno.h>
#include <linux/audit.h>
#include <linux/filter.h>
#include <linux/seccomp.h>
#include <stddef.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <unistd.h>

volatile int g_base = 4000;
volatile int g_sink;

__attribute__((noinline)) int sc_a(int x)
{
    g_sink = x * 7;
    return g_base + 300;
}

#define NR offsetof(struct seccomp_data, nr)
#define ARCH offsetof(struct seccomp_data, arch)
#define ARG2 offsetof(struct seccomp_data, args[2])

static void confine(const char *mode)
{
    struct sock_filter kill_or_eperm[] = {
        BPF_STMT(BPF_LD | BPF_W | BPF_ABS, ARCH),
        BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, AUDIT_ARCH_X86_64, 1, 0),
        BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_KILL_PROCESS),
        BPF_STMT(BPF_LD | BPF_W | BPF_ABS, NR),
        BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, __NR_mmap, 0, 1),
        BPF_STMT(BPF_RET | BPF_K, strcmp(mode, "killmmap") == 0 ? SECCOMP_RET_KILL_PROCESS
                                                                 : SECCOMP_RET_ERRNO | EPERM),
        BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ALLOW),
    };
    struct sock_filter wx[] = {
        BPF_STMT(BPF_LD | BPF_W | BPF_ABS, ARCH),
        BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, AUDIT_ARCH_X86_64, 1, 0),
        BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_KILL_PROCESS),
        BPF_STMT(BPF_LD | BPF_W | BPF_ABS, NR),
        BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, __NR_mmap, 1, 0),
        BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, __NR_mprotect, 0, 4),
        BPF_STMT(BPF_LD | BPF_W | BPF_ABS, ARG2),
        BPF_STMT(BPF_ALU | BPF_AND | BPF_K, 0x6),
        BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, 0x6, 0, 1),
        BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_KILL_PROCESS),
        BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ALLOW),
    };
    int is_wx = strcmp(mode, "wx") == 0;
    struct sock_fprog prog = {
        .len = is_wx ? sizeof wx / sizeof wx[0] : sizeof kill_or_eperm / sizeof kill_or_eperm[0],
        .filter = is_wx ? wx : kill_or_eperm,
    };
    if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) != 0 || syscall(__NR_seccomp, SECCOMP_SET_MODE_FILTER, 0, &prog) != 0) {
        perror("seccomp");
        exit(2);
    }
}

int main(int argc, char **argv)
{
    double deadline = corpus_start(argc, argv);
    printf("starting\n");   /* stdio allocates its buffer before the filter */
    if (argc > 2)
        confine(argv[2]);
    for (long n = 0; corpus_running(deadline); n++) {
        printf("tick %ld sc_a=%d\n", n, sc_a((int)n));
        corpus_tick_sleep();
    }
    return 0;
}
