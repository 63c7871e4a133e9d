# libFuzzer runs, with the address and undefined-behaviour sanitizers, of
#   fuzz_shell         the console (line editor + shell), from a seed corpus;
#   fuzz_guest_values  what reads guest-controlled values: the I/O splitter,
#                      the CR/XCR0/APIC-base rules, the log hypercall's text
#                      filter, the guest page-table walker, the hypercall
#                      dispatcher;
#   fuzz_guest_symbols what reads a guest kernel's memory: the kallsyms
#                      finder and decoder, the call-chain walker;
#   fuzz_vpmu          the virtual PMU's register file (RDMSR, WRMSR,
#                      RDPMC, counting) against the SDM's rules.
# `make fuzz` runs FUZZ_RUNS inputs of each and prints one line each:
# "fuzz NAME: N inputs, 0 crashes".  A crashing input is saved as
# build/fuzz/NAME-crash-*; replay it with build/fuzz/NAME build/fuzz/NAME-crash-...

BUILD     := build/fuzz
CC        := clang
CFLAGS    := -std=gnu11 -g -O1 -Wall -Wextra -Werror -Wno-unused-parameter -I. \
             -DPMUVISOR_VERSION=\"$(shell sed -n "s/^VERSION *:= *//p" Makefile)\" \
             -fsanitize=address,undefined -fno-sanitize-recover=all \
             -fno-omit-frame-pointer
# libFuzzer's coverage guidance for the code under test only: the
# harness's own checks would double the time per input for nothing.
COVERAGE  := -fsanitize=fuzzer-no-link
FUZZ_RUNS ?= 1000000
# Room for several lines and an overlong one.
FUZZ_MAX_LEN ?= 2048

FUZZERS := fuzz_shell fuzz_guest_values fuzz_guest_symbols fuzz_vpmu
SOURCES_fuzz_shell := tests/fuzz/fuzz_shell.c console/line_editor.c console/shell.c \
                      lib/format.c lib/number.c lib/string.c
SOURCES_fuzz_guest_values := tests/fuzz/fuzz_guest_values.c vmx/io_split.c vmx/cpu_rules.c \
                             vmx/hypercall.c guest/memory.c lib/string.c
SOURCES_fuzz_guest_symbols := tests/fuzz/fuzz_guest_symbols.c guest/kallsyms.c guest/callchain.c \
                              lib/string.c
SOURCES_fuzz_vpmu := tests/fuzz/fuzz_vpmu.c pmu/vpmu_regs.c lib/string.c
CORPUS  := $(BUILD)/corpus

ifeq ($(V),1)
Q :=
else
Q := @
endif

.PHONY: all run seeds $(addprefix run-,$(FUZZERS))
all: $(addprefix $(BUILD)/,$(FUZZERS))

# The host C library has its own mem*/str*: lib/string.c's become lib_*.
$(BUILD)/obj/lib/string.o: lib/string.c tests/unit/host_rename.h tests/fuzz/fuzz.mk
	@mkdir -p $(@D)
	$(Q)$(CC) $(CFLAGS) $(COVERAGE) -include tests/unit/host_rename.h -c $< -o $@

$(BUILD)/obj/tests/fuzz/%.o: tests/fuzz/%.c tests/fuzz/fuzz.h tests/fuzz/fuzz.mk
	@mkdir -p $(@D)
	$(Q)$(CC) $(CFLAGS) -MMD -MP -c $< -o $@

$(BUILD)/obj/%.o: %.c tests/fuzz/fuzz.mk
	@mkdir -p $(@D)
	$(Q)$(CC) $(CFLAGS) $(COVERAGE) -MMD -MP -c $< -o $@

$(BUILD)/fuzz_shell: $(patsubst %.c,$(BUILD)/obj/%.o,$(SOURCES_fuzz_shell))
$(BUILD)/fuzz_guest_values: $(patsubst %.c,$(BUILD)/obj/%.o,$(SOURCES_fuzz_guest_values))
$(BUILD)/fuzz_guest_symbols: $(patsubst %.c,$(BUILD)/obj/%.o,$(SOURCES_fuzz_guest_symbols))
$(BUILD)/fuzz_vpmu: $(patsubst %.c,$(BUILD)/obj/%.o,$(SOURCES_fuzz_vpmu))
$(addprefix $(BUILD)/,$(FUZZERS)):
	@printf '  %-6s %s\n' HOSTLD $@
	$(Q)$(CC) $(CFLAGS) -fsanitize=fuzzer $^ -o $@

# Seeds: what a user types, including the awkward parts.
seeds:
	@mkdir -p $(addprefix $(CORPUS)/,$(FUZZERS))
	@printf 'help\r' >$(CORPUS)/seed-help
	@printf 'help cpuid\r\nHELP FROB\r\n' >$(CORPUS)/seed-help-one
	@printf 'cpuid 0x7 0\r\ncpuid 4294967296\rcpuid 12x\r' >$(CORPUS)/seed-cpuid
	@printf 'wrmsr 0x38f 0xffffffffffffffff\nwrmsr 1\n' >$(CORPUS)/seed-wrmsr
	@printf 'repeat 3 "a b"\recho "x y" z"w\r' >$(CORPUS)/seed-quotes
	@printf 'echo 1 2 3 4 5 6 7 8 9 10 11 12 13 14 15 16\r' >$(CORPUS)/seed-words
	@printf 'one\rtwo\r\033[A\033[A\033OB\033[3~\033[1;5C\r' >$(CORPUS)/seed-history
	@printf 'abc\b\177\025de\003f\t\000\200\377\r' >$(CORPUS)/seed-editing
	@printf 'echo %0300d\r' 0 >$(CORPUS)/seed-overlong
	@printf '\001\377\100\001\001\000' >$(CORPUS)/fuzz_guest_symbols/seed-tables
	@printf '\000\377\000\040' >$(CORPUS)/fuzz_guest_symbols/seed-raw
	@printf '\002\377\010\010\000\000\000\002\000\002\000\002\000\002\000\002\000\002\000\002\000\002\000\000\000' \
		>$(CORPUS)/fuzz_guest_symbols/seed-frames
	@printf '\002\377\004\010\000\000\000\000\007\377\007\377\007\377\007\000\000' \
		>$(CORPUS)/fuzz_guest_symbols/seed-frames-far
	@# version 4, 4 counters of 48 bits, 3 fixed; event select 2 counts
	@# instructions everywhere with its PMI; PMC2 6 below its top; 10 counted.
	@printf '\004\004\060\003\060\000\001\001\027\300\000\113\000\000\000\000\000' \
		>$(CORPUS)/fuzz_vpmu/seed-wrap
	@printf '\001\015\372\377\377\377\377\377\000\000\003\000\300\000\000\012\000\000\000\000' \
		>>$(CORPUS)/fuzz_vpmu/seed-wrap

run: $(addprefix run-,$(FUZZERS))

# The console's seeds sit at the top of the corpus folder; each fuzzer
# also keeps what it finds in a folder of its own.
CORPUS_fuzz_shell := $(CORPUS)/fuzz_shell $(CORPUS)
CORPUS_fuzz_guest_values := $(CORPUS)/fuzz_guest_values
CORPUS_fuzz_guest_symbols := $(CORPUS)/fuzz_guest_symbols
CORPUS_fuzz_vpmu := $(CORPUS)/fuzz_vpmu

$(addprefix run-,$(FUZZERS)): run-%: $(BUILD)/% seeds
	$(Q)log=$(BUILD)/$*.log; \
	$(BUILD)/$* -runs=$(FUZZ_RUNS) -max_len=$(FUZZ_MAX_LEN) \
		-artifact_prefix=$(BUILD)/$*- $(CORPUS_$*) >$$log 2>&1; status=$$?; \
	runs=$$(sed -n 's/^Done \([0-9]*\) runs.*/\1/p' $$log); \
	if [ $$status -eq 0 ] && [ -n "$$runs" ]; then \
		echo "fuzz $*: $$runs inputs, 0 crashes"; \
	else \
		grep -v '^#' $$log | tail -30; \
		runs=$$(grep -oE '^#[0-9]+' $$log | tail -1 | tr -d '#'); \
		echo "fuzz $*: $${runs:-0} inputs, 1 crash (log: $$log)"; \
		exit 1; \
	fi

-include $(shell find $(BUILD)/obj -name '*.d' 2>/dev/null)
