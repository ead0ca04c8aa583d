#define _GNU_SOURCE
#include "CShims.h"
#include <sys/ptrace.h>
#include <sys/wait.h>
#include <sys/syscall.h>
#include <unistd.h>
#include <sys/prctl.h>
#include <linux/ptrace.h>

long xs_ptrace(int request, pid_t tid, uintptr_t addr, uintptr_t data) {
    return ptrace((enum __ptrace_request)request, tid, (void *)addr, (void *)data);
}
int xs_seize(pid_t tid, unsigned long options) {
    return (int)ptrace(PTRACE_SEIZE, tid, 0, (void *)options);
}
int xs_interrupt(pid_t tid) { return (int)ptrace(PTRACE_INTERRUPT, tid, 0, 0); }
int xs_cont(pid_t tid, int sig) { return (int)ptrace(PTRACE_CONT, tid, 0, (void *)(long)sig); }
int xs_detach(pid_t tid, int sig) { return (int)ptrace(PTRACE_DETACH, tid, 0, (void *)(long)sig); }
int xs_getregs(pid_t tid, struct user_regs_struct *regs) {
    return (int)ptrace(PTRACE_GETREGS, tid, 0, regs);
}
int xs_setregs(pid_t tid, const struct user_regs_struct *regs) {
    return (int)ptrace(PTRACE_SETREGS, tid, 0, (void *)regs);
}
int xs_geteventmsg(pid_t tid, unsigned long *msg) {
    return (int)ptrace(PTRACE_GETEVENTMSG, tid, 0, msg);
}
pid_t xs_waitpid_all(pid_t tid, int *status, int nohang) {
    return waitpid(tid, status, __WALL | (nohang ? WNOHANG : 0));
}
int xs_wifexited(int s) { return WIFEXITED(s); }
int xs_wifsignaled(int s) { return WIFSIGNALED(s); }
int xs_wifstopped(int s) { return WIFSTOPPED(s); }
int xs_wexitstatus(int s) { return WEXITSTATUS(s); }
int xs_wtermsig(int s) { return WTERMSIG(s); }
int xs_wstopsig(int s) { return WSTOPSIG(s); }
int xs_ptrace_event(int s) { return (s >> 16) & 0xff; }

const int XS_PTRACE_O_TRACECLONE = PTRACE_O_TRACECLONE;
const int XS_PTRACE_EVENT_CLONE = PTRACE_EVENT_CLONE;
const int XS_PTRACE_EVENT_STOP = PTRACE_EVENT_STOP;
const int XS_PTRACE_EVENT_EXIT = PTRACE_EVENT_EXIT;
const int XS_PTRACE_O_TRACEEXIT = PTRACE_O_TRACEEXIT;

ssize_t xs_vm_read(pid_t pid, void *local, size_t len, uintptr_t remote) {
    struct iovec l = { local, len }, r = { (void *)remote, len };
    return process_vm_readv(pid, &l, 1, &r, 1, 0);
}
ssize_t xs_vm_write(pid_t pid, const void *local, size_t len, uintptr_t remote) {
    struct iovec l = { (void *)local, len }, r = { (void *)remote, len };
    return process_vm_writev(pid, &l, 1, &r, 1, 0);
}
ssize_t xs_vm_read_many(pid_t pid, void *local, const uint64_t *addrs, const uint64_t *lens, int n) {
    enum { BATCH = 512 };
    struct iovec l[BATCH], r[BATCH];
    char *out = local;
    ssize_t total = 0;
    for (int i = 0; i < n; i += BATCH) {
        int k = n - i < BATCH ? n - i : BATCH;
        size_t want = 0;
        for (int j = 0; j < k; j++) {
            l[j].iov_base = out;
            l[j].iov_len = lens[i + j];
            r[j].iov_base = (void *)(uintptr_t)addrs[i + j];
            r[j].iov_len = lens[i + j];
            out += lens[i + j];
            want += lens[i + j];
        }
        ssize_t got = process_vm_readv(pid, l, k, r, k, 0);
        if (got < 0 || (size_t)got != want) return -1;
        total += got;
    }
    return total;
}

long xs_tgkill(pid_t pid, pid_t tid, int sig) { return syscall(SYS_tgkill, pid, tid, sig); }
long xs_rt_tgsigqueueinfo(pid_t pid, pid_t tid, int sig, void *info)
{
    return syscall(SYS_rt_tgsigqueueinfo, pid, tid, sig, info);
}

long xs_kcmp_vm(pid_t a, pid_t b) { return syscall(SYS_kcmp, a, b, 1 /* KCMP_VM */, 0, 0); }

int xs_set_timer_slack(unsigned long ns) { return prctl(PR_SET_TIMERSLACK, ns, 0, 0, 0); }

int xs_pidfd_open(pid_t pid) { return (int)syscall(434 /* SYS_pidfd_open */, pid, 0); }
