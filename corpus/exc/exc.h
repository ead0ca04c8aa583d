#ifndef EXC_H
#define EXC_H
/* Which destructor ran last: 0 none, 1 the new relay's (an index, not a
   string: a pointer into new code would outlive its revert). */
extern volatile int g_last_dtor;
extern volatile int g_fail;

/* Records its tag when it is destroyed, also while an exception unwinds. */
struct Trace {
    int tag;
    ~Trace() { g_last_dtor = tag; }
};

int thrower(int v);
int relay(int v);
int check(int v);
#endif
