# Remote calls that survive a killed xsplice (issue 10): keepsake.
# Built the way distributions build programs; libgcc_s is linked in so that
# applying a payload makes a remote function call (__register_frame_info).
PROGRAMS2 += keepsake

keepsake_SRCS     := main.c
keepsake_CFLAGS   := -fstack-protector-strong -fcf-protection -D_FORTIFY_SOURCE=2 -fPIE
keepsake_LDFLAGS  := -pie -Wl,--no-as-needed -lgcc_s -Wl,--as-needed
keepsake_VARIANTS := fixA
