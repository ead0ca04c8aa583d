# Run-until-return (--wait-return): functions that are on a stack almost all
# the time but do return. Built as distributions build programs.
WR_CFLAGS := -fstack-protector-strong -fcf-protection -D_FORTIFY_SOURCE=2

PROGRAMS2 += sleeper sleepers

sleeper_SRCS      := main.c
sleeper_CFLAGS    := $(WR_CFLAGS)
sleeper_VARIANTS  := fixSlow fixNested

sleepers_SRCS     := main.c
sleepers_CFLAGS   := $(WR_CFLAGS)
sleepers_VARIANTS := fixMany fixMany2
