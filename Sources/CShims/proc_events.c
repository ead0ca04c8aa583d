#define _GNU_SOURCE
#include "ProcEvents.h"

#include <errno.h>
#include <fcntl.h>
#include <linux/cn_proc.h>
#include <linux/connector.h>
#include <linux/netlink.h>
#include <signal.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

static int subscribe(int fd, enum proc_cn_mcast_op op)
{
    /* Aligned for nlmsghdr; the connector message and its operation follow. */
    union {
        struct nlmsghdr header;
        char bytes[NLMSG_SPACE(sizeof(struct cn_msg) + sizeof(enum proc_cn_mcast_op))];
    } m;
    memset(&m, 0, sizeof m);
    struct cn_msg *c = NLMSG_DATA(&m.header);
    m.header.nlmsg_len = NLMSG_LENGTH(sizeof(struct cn_msg) + sizeof(enum proc_cn_mcast_op));
    m.header.nlmsg_type = NLMSG_DONE;
    m.header.nlmsg_pid = (uint32_t)getpid();
    c->id.idx = CN_IDX_PROC;
    c->id.val = CN_VAL_PROC;
    c->len = sizeof(enum proc_cn_mcast_op);
    memcpy(c->data, &op, sizeof op);
    return send(fd, &m, m.header.nlmsg_len, 0) < 0 ? -1 : 0;
}

int xs_proc_events_open(void)
{
    int fd = socket(AF_NETLINK, SOCK_DGRAM | SOCK_CLOEXEC | SOCK_NONBLOCK, NETLINK_CONNECTOR);
    if (fd < 0)
        return -1;
    struct sockaddr_nl a;
    memset(&a, 0, sizeof a);
    a.nl_family = AF_NETLINK;
    a.nl_groups = CN_IDX_PROC;
    /* A larger buffer makes a burst of execs less likely to overflow it;
       an overflow is still detected (ENOBUFS) and answered with a sweep. */
    int size = 4 << 20;
    setsockopt(fd, SOL_SOCKET, SO_RCVBUFFORCE, &size, sizeof size);
    if (bind(fd, (struct sockaddr *)&a, sizeof a) < 0 || subscribe(fd, PROC_CN_MCAST_LISTEN) < 0) {
        int saved = errno;
        close(fd);
        errno = saved;
        return -1;
    }
    return fd;
}

int xs_proc_events_read(int fd, xs_proc_event *out, int max)
{
    union {
        struct nlmsghdr header;
        char bytes[8192];
    } buf;
    struct sockaddr_nl from;
    socklen_t fromlen = sizeof from;
    ssize_t n = recvfrom(fd, &buf, sizeof buf, 0, (struct sockaddr *)&from, &fromlen);
    if (n < 0)
        return -1;
    /* Only the kernel (port 0) speaks for the connector. */
    if (fromlen != sizeof from || from.nl_pid != 0)
        return 0;
    int count = 0;
    int left = (int)n;
    for (struct nlmsghdr *h = &buf.header; NLMSG_OK(h, left) && count < max; h = NLMSG_NEXT(h, left)) {
        if (h->nlmsg_type == NLMSG_ERROR || h->nlmsg_type == NLMSG_NOOP)
            continue;
        if (h->nlmsg_len < NLMSG_LENGTH(sizeof(struct cn_msg)))
            continue;
        struct cn_msg *c = NLMSG_DATA(h);
        if (c->id.idx != CN_IDX_PROC || c->id.val != CN_VAL_PROC)
            continue;
        if (h->nlmsg_len < NLMSG_LENGTH(sizeof(struct cn_msg)) + (size_t)c->len ||
            c->len < sizeof(struct proc_event))
            continue;
        struct proc_event e;
        memcpy(&e, c->data, sizeof e);
        if (e.what == PROC_EVENT_EXEC) {
            out[count++] = (xs_proc_event){XS_PROC_EXEC, e.event_data.exec.process_pid,
                                           e.event_data.exec.process_tgid};
        } else if (e.what == PROC_EVENT_FORK) {
            out[count++] = (xs_proc_event){XS_PROC_FORK, e.event_data.fork.child_pid,
                                           e.event_data.fork.child_tgid};
        } else if (e.what == PROC_EVENT_EXIT) {
            out[count++] = (xs_proc_event){XS_PROC_EXIT, e.event_data.exit.process_pid,
                                           e.event_data.exit.process_tgid};
        }
    }
    return count;
}

static volatile int signal_pipe_write = -1;

static void on_signal(int sig)
{
    int saved = errno;
    unsigned char b = (unsigned char)sig;
    if (signal_pipe_write >= 0)
        (void)!write(signal_pipe_write, &b, 1);
    errno = saved;
}

int xs_signal_pipe(const int *signals, int count)
{
    int p[2];
    if (pipe2(p, O_CLOEXEC | O_NONBLOCK) < 0)
        return -1;
    signal_pipe_write = p[1];
    for (int i = 0; i < count; i++) {
        struct sigaction sa;
        memset(&sa, 0, sizeof sa);
        sa.sa_handler = on_signal;
        sa.sa_flags = SA_RESTART;
        sigemptyset(&sa.sa_mask);
        if (sigaction(signals[i], &sa, NULL) < 0)
            return -1;
    }
    return p[0];
}
