# Honest pauses: a main-thread ticker that measures, from inside, how long
# it was held by a tracer (see held/main.c). Built as distributions build.
PROGRAMS2 += held

held_SRCS     := main.c
held_CFLAGS   := -fstack-protector-strong -fcf-protection -D_FORTIFY_SOURCE=2
held_VARIANTS := fixHeld
