#include "serve.h"
#include <arpa/inet.h>
#include <netinet/in.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#define MAX_LINE (8u << 20)

static rw_handler handler_fn;

static int hexval(int c)
{
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    if (c >= 'A' && c <= 'F') return c - 'A' + 10;
    return -1;
}

/* Decodes the hex line in place; the result is NUL-terminated for parsers
 * that take C strings (a NUL inside the input ends it there, as for them). */
static size_t unhex(char *line, size_t n)
{
    size_t out = 0;
    for (size_t i = 0; i + 1 < n; i += 2) {
        int hi = hexval(line[i]), lo = hexval(line[i + 1]);
        if (hi < 0 || lo < 0) break;
        line[out++] = (char)(hi * 16 + lo);
    }
    line[out] = 0;
    return out;
}

static void *client(void *arg)
{
    int fd = (int)(long)arg;
    FILE *in = fdopen(fd, "r");
    FILE *out = fdopen(dup(fd), "w");
    char *line = NULL, reply[4096];
    size_t cap = 0;
    ssize_t n;
    if (!in || !out) return NULL;
    while ((n = getline(&line, &cap, in)) > 0) {
        if ((size_t)n > MAX_LINE) break;
        size_t len = unhex(line, (size_t)n);
        reply[0] = 0;
        handler_fn((const unsigned char *)line, len, reply, sizeof reply);
        fprintf(out, "%s\n", reply);
        fflush(out);
    }
    free(line);
    fclose(in);
    fclose(out);
    return NULL;
}

int rw_serve(int port, rw_handler handler)
{
    struct sockaddr_in sa;
    socklen_t salen = sizeof sa;
    int one = 1, s = socket(AF_INET, SOCK_STREAM, 0);
    handler_fn = handler;
    memset(&sa, 0, sizeof sa);
    sa.sin_family = AF_INET;
    sa.sin_port = htons((unsigned short)port);
    sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    setsockopt(s, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
    if (s < 0 || bind(s, (struct sockaddr *)&sa, sizeof sa) || listen(s, 64) ||
        getsockname(s, (struct sockaddr *)&sa, &salen)) {
        perror("rw_serve");
        return 1;
    }
    printf("port %d\n", ntohs(sa.sin_port));
    fflush(stdout);
    for (;;) {
        int c = accept(s, NULL, NULL);
        pthread_t t;
        if (c < 0) continue;
        if (pthread_create(&t, NULL, client, (void *)(long)c) == 0) pthread_detach(t);
        else close(c);
    }
}
