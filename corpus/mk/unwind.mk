# Unwind information (issue 11): C++ exceptions from and through new code,
# backtrace() from new code.  Built as a distribution builds: PIE, -O2,
# -fstack-protector-strong -fcf-protection -D_FORTIFY_SOURCE=2, -g, and
# -ffunction-sections so that variants can travel function by function.

UW_FLAGS := -O2 -g -fPIE -fstack-protector-strong -fcf-protection -D_FORTIFY_SOURCE=2 -ffunction-sections -Wall -Wextra
UW_CXX   := g++

# ---- exc (C++) ----
EXC := $(B)/exc
ALL += $(EXC)/exc $(EXC)/exc.wrongbuild $(EXC)/fixThrow.o $(EXC)/fixRelay.o

$(EXC)/obj/%.o: exc/%.cc exc/exc.h mk/unwind.mk
	@mkdir -p $(@D)
	$(UW_CXX) $(UW_FLAGS) -c $< -o $@

$(EXC)/wobj/%.o: exc/%.cc exc/exc.h mk/unwind.mk
	@mkdir -p $(@D)
	$(UW_CXX) $(UW_FLAGS) -DWRONG_BUILD -c $< -o $@

# -fPIC: a new throw takes the address of libstdc++'s type_info, which PIE
# code reaches without the GOT only through a copy the program may not have
# (xsplice refuses that and asks for -fPIC).
$(EXC)/%.o: exc/patches/%.cc exc/exc.h mk/unwind.mk
	@mkdir -p $(@D)
	$(UW_CXX) $(UW_FLAGS) -fPIC -c $< -o $@

$(EXC)/exc: $(EXC)/obj/main.o $(EXC)/obj/work.o
	$(UW_CXX) -pie $^ -o $@

$(EXC)/exc.wrongbuild: $(EXC)/obj/main.o $(EXC)/wobj/work.o
	$(UW_CXX) -pie $^ -o $@

# ---- btrace (C) ----
BT := $(B)/btrace
ALL += $(BT)/btrace $(BT)/btrace.wrongbuild $(BT)/fixWhere.o

$(BT)/obj/%.o: btrace/%.c btrace/btrace.h mk/unwind.mk
	@mkdir -p $(@D)
	$(CC) $(UW_FLAGS) -c $< -o $@

$(BT)/wobj/%.o: btrace/%.c btrace/btrace.h mk/unwind.mk
	@mkdir -p $(@D)
	$(CC) $(UW_FLAGS) -DWRONG_BUILD -c $< -o $@

$(BT)/%.o: btrace/patches/%.c btrace/btrace.h mk/unwind.mk
	@mkdir -p $(@D)
	$(CC) $(UW_FLAGS) -c $< -o $@

$(BT)/btrace: $(BT)/obj/main.o $(BT)/obj/work.o
	$(CC) -pie -rdynamic $^ -o $@

$(BT)/btrace.wrongbuild: $(BT)/obj/main.o $(BT)/wobj/work.o
	$(CC) -pie -rdynamic $^ -o $@

# ---- tls (C): the program's TLS and a library's static TLS ----
TLS := $(B)/tls
ALL += $(TLS)/tls $(TLS)/libtlsdep.so.1 $(TLS)/fixStep.o

$(TLS)/libtlsdep.so.1: tls/dep.c mk/unwind.mk
	@mkdir -p $(@D)
	$(CC) $(UW_FLAGS) -fPIC -shared -Wl,-soname,libtlsdep.so.1 $< -o $@

$(TLS)/obj/main.o: tls/main.c tls/tls.h mk/unwind.mk
	@mkdir -p $(@D)
	$(CC) $(UW_FLAGS) -c $< -o $@

$(TLS)/fixStep.o: tls/patches/fixStep.c tls/tls.h mk/unwind.mk
	@mkdir -p $(@D)
	$(CC) $(UW_FLAGS) -c $< -o $@

$(TLS)/tls: $(TLS)/obj/main.o $(TLS)/libtlsdep.so.1
	$(CC) -pie $< $(TLS)/libtlsdep.so.1 -Wl,-rpath,'$$ORIGIN' -o $@ -pthread
