#ifndef XSPLICE_PROC_EVENTS_H
#define XSPLICE_PROC_EVENTS_H
#include <stdint.h>

/* The kernel's process-events connector (NETLINK_CONNECTOR, CN_IDX_PROC).
   The structures are declared in <linux/cn_proc.h>; C reads them so that
   their layout comes from the kernel headers, not from hand-counted offsets. */

enum { XS_PROC_EXEC = 1, XS_PROC_EXIT = 2, XS_PROC_FORK = 3 };

typedef struct {
    uint32_t kind;  /* XS_PROC_EXEC, XS_PROC_EXIT or XS_PROC_FORK */
    int32_t pid;    /* the thread (process_pid; for a fork, child_pid) */
    int32_t tgid;   /* the process (process_tgid; for a fork, child_tgid) */
} xs_proc_event;

/* Opens a socket subscribed to process events (needs CAP_NET_ADMIN in the
   initial network namespace); -1 with errno set on failure. */
int xs_proc_events_open(void);

/* Reads one datagram and decodes its exec, exit and fork events into out (at most
   max); returns how many, or -1 with errno (ENOBUFS: events were lost, EAGAIN:
   none waiting). Messages not from the kernel are ignored. */
int xs_proc_events_read(int fd, xs_proc_event *out, int max);

/* Installs handlers for the given signals that write the signal number to a
   non-blocking pipe; returns the pipe's read end, or -1 with errno. */
int xs_signal_pipe(const int *signals, int count);
#endif
