# Operating on a live process safely (issue 10): fork, seccomp, signals.
# Built the way distributions build programs.
SAFEOPS_CF := -fstack-protector-strong -fcf-protection -D_FORTIFY_SOURCE=2 -fPIE
PROGRAMS2 += prefork seccomped sigq orphaned

prefork_SRCS      := main.c
prefork_CFLAGS    := $(SAFEOPS_CF)
prefork_LDFLAGS   := -pie
prefork_VARIANTS  := fixA fixB
prefork_WRONG     := -DWRONG_BUILD

seccomped_SRCS     := main.c
seccomped_CFLAGS   := $(SAFEOPS_CF)
seccomped_LDFLAGS  := -pie
seccomped_VARIANTS := fixA

sigq_SRCS          := main.c
sigq_CFLAGS        := $(SAFEOPS_CF)
sigq_LDFLAGS       := -pie
sigq_VARIANTS      := fixA

orphaned_SRCS      := main.c
orphaned_CFLAGS    := $(SAFEOPS_CF)
orphaned_LDFLAGS   := -pie
orphaned_VARIANTS  := fixA
