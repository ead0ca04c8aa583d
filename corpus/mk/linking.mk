# Linking the new code (issue 11): programs built as distributions build them.
LINK_CF := -fstack-protector-strong -fcf-protection -D_FORTIFY_SOURCE=2

PROGRAMS2 += ifuncs interpose linkage

ifuncs_SRCS     := main.c
ifuncs_CFLAGS   := $(LINK_CF)
ifuncs_VARIANTS := fixIfunc fixStrstr

interpose_SRCS     := main.c
interpose_CFLAGS   := $(LINK_CF)
interpose_VARIANTS := fixGreet

linkage_SRCS     := main.c a.c b.c
linkage_CFLAGS   := $(LINK_CF)
linkage_VARIANTS := fixStep fixCountA

# The interposer preloaded into interpose (it finds it next to itself).
ALL += $(B)/interpose/libshout.so
$(B)/interpose/libshout.so: interpose/shout.c $(DEPS)
	@mkdir -p $(@D)
	$(CC) $(BASE) -O2 $(LINK_CF) -fPIC -shared $< -o $@
