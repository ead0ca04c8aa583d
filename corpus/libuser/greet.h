#ifndef GREET_H
#define GREET_H
/* Public API of libgreet.so.1 (both functions are patchable). */
int greet_id(int x);
int greet_level(int x);
#endif
