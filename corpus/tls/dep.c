/* A library with static TLS: initial-exec users find it at a fixed offset. */
__thread int lib_tls;
int lib_tls_get(void) { return lib_tls; }
