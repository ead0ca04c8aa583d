# New variables in the new code (issue 11): a fix adds a .data counter and a
# .bss flag; a payload stacked on top refers to the counter; fixPointer keeps
# the address of its own new code in a new variable (.data.rel.local).
PROGRAMS2 += newvars

newvars_SRCS     := main.c

newvars_CFLAGS   := -fstack-protector-strong -fcf-protection -D_FORTIFY_SOURCE=2
newvars_VARIANTS := fixCount fixStacked fixPointer
