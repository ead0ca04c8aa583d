# rwfix: defects the real-world suite found in `xsplice build --before/--after`
# (issues 11 and 12), reproduced on a program built with distribution flags.
# Same layout as fixdiff (builddiff.mk):
#
#   build/rwfix/rwfix                   the program
#   build/rwfix/orig/<unit>.o           each unit as running (the "before")
#   build/rwfix/fixed/<case>/<unit>.o   each fix: <unit>.c with -DFIX_<CASE>
#   build/rwfix/expect/<case>           the program rebuilt with the fix

RW        := $(B)/rwfix
RW_DIST   := -O2 -g -fstack-protector-strong -fcf-protection -D_FORTIFY_SOURCE=2 -fPIE -Icommon -Irwfix
RW_SPLIT  := -ffunction-sections -fdata-sections -fno-lto
RW_UNITS  := main ident layout alias
# <case>:<unit>
RW_CASES  := ident:ident identinit:ident layout:layout alias:alias
RW_FIXES  := $(subst :,/,$(RW_CASES))
RW_DEPS   := rwfix/rwfix.h $(DEPS) mk/rwfix.mk

ALL += $(RW)/rwfix $(patsubst %,$(RW)/orig/%.o,$(RW_UNITS)) $(patsubst %,$(RW)/fixed/%.o,$(RW_FIXES)) \
       $(patsubst %,$(RW)/expect/%,$(foreach c,$(RW_CASES),$(firstword $(subst :, ,$(c)))))

$(RW)/prog/%.o: rwfix/%.c $(RW_DEPS)
	@mkdir -p $(@D)
	$(CC) $(RW_DIST) -c $< -o $@

$(RW)/orig/%.o: rwfix/%.c $(RW_DEPS)
	@mkdir -p $(@D)
	$(CC) $(RW_DIST) $(RW_SPLIT) -c $< -o $@

# $(1) = case, $(2) = unit
define RW_CASE_RULES
$(RW)/fixed/$(1)/$(2).o: rwfix/$(2).c $(RW_DEPS)
	@mkdir -p $$(@D)
	$(CC) $(RW_DIST) $(RW_SPLIT) -DFIX_$(shell echo $(1) | tr a-z A-Z) -c $$< -o $$@

$(RW)/expect/obj/$(1)/$(2).o: rwfix/$(2).c $(RW_DEPS)
	@mkdir -p $$(@D)
	$(CC) $(RW_DIST) -DFIX_$(shell echo $(1) | tr a-z A-Z) -c $$< -o $$@

$(RW)/expect/$(1): $(patsubst %,$(RW)/prog/%.o,$(filter-out $(2),$(RW_UNITS))) $(RW)/expect/obj/$(1)/$(2).o
	$(CC) -pie $$^ -o $$@ $(LDLIBS)
endef
$(foreach c,$(RW_CASES),$(eval $(call RW_CASE_RULES,$(firstword $(subst :, ,$(c))),$(lastword $(subst :, ,$(c))))))

$(RW)/rwfix: $(patsubst %,$(RW)/prog/%.o,$(RW_UNITS))
	$(CC) -pie $^ -o $@ $(LDLIBS)

# A shared library whose exported function calls another through the PLT.
RW_PIC := $(subst -fPIE,-fPIC,$(RW_DIST))
ALL += $(RW)/libselfcall.so $(RW)/orig/selfcall.o $(RW)/fixed/selfcall/selfcall.o

$(RW)/so/selfcall.o: rwfix/selfcall.c $(RW_DEPS)
	@mkdir -p $(@D)
	$(CC) $(RW_PIC) -c $< -o $@

$(RW)/libselfcall.so: $(RW)/so/selfcall.o
	$(CC) -shared -Wl,-soname,libselfcall.so $^ -o $@ $(LDLIBS)

$(RW)/orig/selfcall.o: rwfix/selfcall.c $(RW_DEPS)
	@mkdir -p $(@D)
	$(CC) $(RW_PIC) $(RW_SPLIT) -c $< -o $@

$(RW)/fixed/selfcall/selfcall.o: rwfix/selfcall.c $(RW_DEPS)
	@mkdir -p $(@D)
	$(CC) $(RW_PIC) $(RW_SPLIT) -DFIX_SELFCALL -c $< -o $@
