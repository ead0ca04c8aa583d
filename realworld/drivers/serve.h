/* A tiny line server on 127.0.0.1 for the real-world drivers: each request is
 * one line of hex (the input bytes), each reply one line of text. One thread
 * per connection, so a live patch lands while several threads are busy. */
#ifndef RW_SERVE_H
#define RW_SERVE_H
#include <stddef.h>
#ifdef __cplusplus
extern "C" {
#endif
typedef void (*rw_handler)(const unsigned char *in, size_t len, char *out, size_t outsz);
/* Listens on 127.0.0.1:port (0: any free port), prints "port N" on stdout,
 * then serves until killed. */
int rw_serve(int port, rw_handler handler);
#ifdef __cplusplus
}
#endif
#endif
