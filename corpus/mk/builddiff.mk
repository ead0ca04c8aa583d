# fixdiff: `xsplice build --before ORIG.o --after FIXED.o` on code as
# distributions build it (issue 12). Not a generic-rule program: the program
# is linked from objects built with distribution flags alone, while the
# before/after objects add -ffunction-sections -fdata-sections -fno-lto.
#
#   build/fixdiff/fixdiff               the program
#   build/fixdiff/orig/<unit>.o         each unit as running (the "before")
#   build/fixdiff/fixed/<case>/<unit>.o each fix (the "after"): <unit>.c with -DFIX_<CASE>
#   build/fixdiff/expect/<case>         the program rebuilt with the fix: what a patched one must print
#   build/fixdiff/o1/clone.o            clone.c at -O1: not the running build
#   build/fixdiff/lto/clone.o           clone.c with -flto: GIMPLE only
#   build/fixdiff/fixdiff.lto           the program built with -flto (the proof must say so)
#   build/fixdiff/fixdiff.stripped      strip --strip-all of the program
#   build/fixdiff/fixdiff.debug         objcopy --only-keep-debug of it

FD        := $(B)/fixdiff
FD_DIST   := -O2 -g -fstack-protector-strong -fcf-protection -D_FORTIFY_SOURCE=2 -fPIE -Icommon -Ifixdiff
FD_SPLIT  := -ffunction-sections -fdata-sections -fno-lto
FD_UNITS  := main inl clone split sig grow str a b
# <case>:<unit> — each fix changes one unit
FD_CASES  := inline:inl clone:clone split:split sig:sig grow:grow initval:grow str:str static:b
FD_FIXES  := $(subst :,/,$(FD_CASES))
FD_DEPS   := fixdiff/fixdiff.h $(DEPS) mk/builddiff.mk

ALL += $(FD)/fixdiff $(FD)/fixdiff.lto $(FD)/fixdiff.stripped $(FD)/fixdiff.debug $(FD)/o1/clone.o $(FD)/lto/clone.o \
       $(patsubst %,$(FD)/orig/%.o,$(FD_UNITS)) $(patsubst %,$(FD)/fixed/%.o,$(FD_FIXES)) \
       $(patsubst %,$(FD)/expect/%,$(foreach c,$(FD_CASES),$(firstword $(subst :, ,$(c)))))

$(FD)/prog/%.o: fixdiff/%.c $(FD_DEPS)
	@mkdir -p $(@D)
	$(CC) $(FD_DIST) -c $< -o $@

$(FD)/orig/%.o: fixdiff/%.c $(FD_DEPS)
	@mkdir -p $(@D)
	$(CC) $(FD_DIST) $(FD_SPLIT) -c $< -o $@

# $(1) = case, $(2) = unit
define FD_CASE_RULES
$(FD)/fixed/$(1)/$(2).o: fixdiff/$(2).c $(FD_DEPS)
	@mkdir -p $$(@D)
	$(CC) $(FD_DIST) $(FD_SPLIT) -DFIX_$(shell echo $(1) | tr a-z A-Z) -c $$< -o $$@

$(FD)/expect/obj/$(1)/$(2).o: fixdiff/$(2).c $(FD_DEPS)
	@mkdir -p $$(@D)
	$(CC) $(FD_DIST) -DFIX_$(shell echo $(1) | tr a-z A-Z) -c $$< -o $$@

$(FD)/expect/$(1): $(patsubst %,$(FD)/prog/%.o,$(filter-out $(2),$(FD_UNITS))) $(FD)/expect/obj/$(1)/$(2).o
	$(CC) -pie $$^ -o $$@ $(LDLIBS)
endef
$(foreach c,$(FD_CASES),$(eval $(call FD_CASE_RULES,$(firstword $(subst :, ,$(c))),$(lastword $(subst :, ,$(c))))))

$(FD)/o1/clone.o: fixdiff/clone.c $(FD_DEPS)
	@mkdir -p $(@D)
	$(CC) $(subst -O2,-O1,$(FD_DIST)) $(FD_SPLIT) -c $< -o $@

$(FD)/lto/clone.o: fixdiff/clone.c $(FD_DEPS)
	@mkdir -p $(@D)
	$(CC) $(FD_DIST) -ffunction-sections -fdata-sections -flto -c $< -o $@

$(FD)/ltoprog/%.o: fixdiff/%.c $(FD_DEPS)
	@mkdir -p $(@D)
	$(CC) $(FD_DIST) -flto -c $< -o $@

$(FD)/fixdiff.lto: $(patsubst %,$(FD)/ltoprog/%.o,$(FD_UNITS))
	$(CC) -O2 -flto -pie $^ -o $@ $(LDLIBS)

$(FD)/fixdiff: $(patsubst %,$(FD)/prog/%.o,$(FD_UNITS))
	$(CC) -pie $^ -o $@ $(LDLIBS)

$(FD)/fixdiff.stripped: $(FD)/fixdiff
	strip --strip-all $< -o $@

$(FD)/fixdiff.debug: $(FD)/fixdiff
	objcopy --only-keep-debug $< $@
