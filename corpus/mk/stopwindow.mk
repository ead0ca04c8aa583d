# Stop-window programs: code held where only a complete consistency check
# sees it (alternate signal stacks, coroutines, deep frames, threads born
# while xsplice retries, tasks sharing the memory, a long /proc/PID/maps).
# Built the way distributions build programs; stopclang is the same source
# built with clang (whose `push %rax; call *%rdi` puts a return address
# inside a function's first five bytes).

SW_FLAGS := -fstack-protector-strong -fcf-protection -D_FORTIFY_SOURCE=2

PROGRAMS2 += stopwin stopclang

stopwin_SRCS       := main.c
stopwin_CFLAGS     := $(SW_FLAGS)
stopwin_VARIANTS   := fixHold fixWork
stopwin_WRONG      := -DWRONG_BUILD

stopclang_SRCS     := main.c
stopclang_CFLAGS   := $(SW_FLAGS)
stopclang_VARIANTS := fixHold fixWork fixCall

$(B)/stopclang/%: CC := clang
$(B)/stopclang/obj/main.o $(B)/stopclang/wobj/main.o: stopwin/main.c
