#ifndef CLASH_H
#define CLASH_H
int alpha(int x);     /* a.c, patchable */
int beta(int x);      /* b.c, patchable */
int a_probe(int x);   /* a.c: returns a.c's static helper(x), not patchable */
int b_probe(int x);   /* b.c: returns b.c's static helper(x), not patchable */
extern volatile int g_sink;
#endif
