/* Entry points of fixdiff's translation units; main.c prints what they return. */
#ifndef FIXDIFF_H
#define FIXDIFF_H
int inl_one(int x);
int inl_two(int x);
int clone_left(int x, int k);
int clone_right(int x, int k);
int clone_mid(int x, int k);
int split_run(int x);
int sig_first(int x, int k);
int sig_third(int x, int k);
int sig_second(int x, int k);
int grow_value(int x);
const char *str_word(int x);
int stat_a(int x);
int stat_b(int x);
#endif
