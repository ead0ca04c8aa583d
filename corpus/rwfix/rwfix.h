/* Entry points of rwfix's translation units; main.c prints what they return. */
#ifndef RWFIX_H
#define RWFIX_H
int ident_value(int x);
int layout_value(int x);
int alias_impl(int x);
int alias_name(int x);
#endif
