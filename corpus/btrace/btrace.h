#ifndef BTRACE_H
#define BTRACE_H
const char *where(void);
void report_tick(long n);
#endif
