#ifndef TLS_H
#define TLS_H
extern __thread int lib_tls;
extern __thread int t_shared;
int tls_step(void);
#endif
