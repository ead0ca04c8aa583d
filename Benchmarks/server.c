/*
 * server: a corpus-like tiny TCP server for the restart benchmark.
 *
 *   server PORT [MAX_SECONDS]
 *
 * Listens on 127.0.0.1:PORT only (PORT 0 picks an ephemeral port), prints
 * "port N" on stdout once it accepts connections, then answers each line
 * received with "ok N\n" (N counts requests since start: the state a restart
 * loses).  Single-threaded, SO_REUSEADDR so a restart can bind the same port
 * at once.  Ends by itself after MAX_SECONDS (default 600), a safety net.
 */
#define _GNU_SOURCE 1
#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

static long served;

/* The request handler; a live patch would replace this. */
__attribute__((noinline, noipa)) int handle(char *out, size_t cap)
{
    served++;
    return snprintf(out, cap, "ok %ld\n", served);
}

int main(int argc, char **argv)
{
    if (argc < 2) {
        fprintf(stderr, "usage: %s PORT [MAX_SECONDS]\n", argv[0]);
        return 2;
    }
    int port = atoi(argv[1]);
    unsigned max_seconds = argc > 2 ? (unsigned)atoi(argv[2]) : 600;
    alarm(max_seconds);
    int s = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (s < 0) { perror("socket"); return 1; }
    int one = 1;
    setsockopt(s, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
    struct sockaddr_in a;
    memset(&a, 0, sizeof a);
    a.sin_family = AF_INET;
    a.sin_port = htons((unsigned short)port);
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    if (bind(s, (struct sockaddr *)&a, sizeof a) != 0) { perror("bind"); return 1; }
    if (listen(s, 64) != 0) { perror("listen"); return 1; }
    socklen_t len = sizeof a;
    getsockname(s, (struct sockaddr *)&a, &len);
    printf("port %d\n", ntohs(a.sin_port));
    fflush(stdout);
    for (;;) {
        int c = accept4(s, NULL, NULL, SOCK_CLOEXEC);
        if (c < 0)
            continue;
        char buf[256];
        ssize_t n;
        while ((n = read(c, buf, sizeof buf)) > 0) {
            if (!memchr(buf, '\n', (size_t)n))
                continue;
            char out[64];
            int m = handle(out, sizeof out);
            if (write(c, out, (size_t)m) != m)
                break;
        }
        close(c);
    }
}
