#ifndef EXC_H
#define EXC_H
extern const char *volatile g_last_dtor;
extern volatile int g_fail;

/* Records its tag when it is destroyed, also while an exception unwinds. */
struct Trace {
    const char *tag;
    ~Trace() { g_last_dtor = tag; }
};

int thrower(int v);
int relay(int v);
int check(int v);
#endif
