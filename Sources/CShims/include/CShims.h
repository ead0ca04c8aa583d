#ifndef XSPLICE_CSHIMS_H
#define XSPLICE_CSHIMS_H
#include <stdint.h>
#include <sys/types.h>
#include <sys/user.h>
#include <sys/uio.h>

/* Swift cannot call the variadic glibc ptrace(); these fix its arguments. */
long xs_ptrace(int request, pid_t tid, uintptr_t addr, uintptr_t data);
int xs_seize(pid_t tid, unsigned long options);
int xs_interrupt(pid_t tid);
int xs_cont(pid_t tid, int sig);
int xs_detach(pid_t tid, int sig);
int xs_getregs(pid_t tid, struct user_regs_struct *regs);
int xs_setregs(pid_t tid, const struct user_regs_struct *regs);
int xs_geteventmsg(pid_t tid, unsigned long *msg);

/* waitpid with __WALL, which Swift's Glibc module does not export. */
pid_t xs_waitpid_all(pid_t tid, int *status, int nohang);

/* Decoders for the wait status macros, which are not importable. */
int xs_wifexited(int status);
int xs_wifsignaled(int status);
int xs_wifstopped(int status);
int xs_wexitstatus(int status);
int xs_wtermsig(int status);
int xs_wstopsig(int status);
int xs_ptrace_event(int status);

/* Constants Swift does not see as plain integers. */
extern const int XS_PTRACE_O_TRACECLONE;
extern const int XS_PTRACE_EVENT_CLONE;
extern const int XS_PTRACE_EVENT_STOP;
extern const int XS_PTRACE_EVENT_EXIT;
extern const int XS_PTRACE_O_TRACEEXIT;

/* Batched remote memory access (process_vm_readv/writev). */
ssize_t xs_vm_read(pid_t pid, void *local, size_t len, uintptr_t remote);
ssize_t xs_vm_write(pid_t pid, const void *local, size_t len, uintptr_t remote);

/* Reads n remote ranges into one local buffer with as few
   process_vm_readv calls as IOV_MAX allows; returns bytes read or -1. */
ssize_t xs_vm_read_many(pid_t pid, void *local, const uint64_t *addrs, const uint64_t *lens, int n);

long xs_tgkill(pid_t pid, pid_t tid, int sig);
long xs_rt_tgsigqueueinfo(pid_t pid, pid_t tid, int sig, void *info);

/* kcmp(2) on the address spaces of two tasks (KCMP_VM): 0 when they share
   one, 1 or 2 when not, -1 with errno on failure. */
long xs_kcmp_vm(pid_t a, pid_t b);
/* prctl(PR_SET_TIMERSLACK): how late the kernel may end this thread's sleeps. */
int xs_set_timer_slack(unsigned long ns);
/* pidfd_open(2): a descriptor that stays bound to this one process and
   polls readable once it has exited. */
int xs_pidfd_open(pid_t pid);

/* The process-events connector and the signal pipe, for `xsplice watch`. */
#include "ProcEvents.h"
#endif
