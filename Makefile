# pmuvisor — top-level build.
#
#   make            build/pmuvisor.efi (and the test payloads)
#   make deps       install the Debian packages the project needs (if missing)
#   make guest      prepare the Linux test guest (kernel + initramfs) in build/guest
#   make run        boot the demo in Bochs: pmuvisor.efi -> Linux userspace
#   make check      unit + integration tests, one summary line at the end
#   make unit       unit tests only (host-compiled, cmocka)
#   make bench      exact instruction counts, native vs pmuvisor (Bochs)
#   make fuzz       libFuzzer: the console, and the code that reads guest-controlled values
#   make soak       Linux under pmuvisor for SOAK_MINUTES (30) with profiling, perf and
#                   hostile pokes; not part of make check
#   make V=1        show the commands
#   make DEBUG=1    also check every VM entry against the SDM rules (slow)

VERSION   := 0.1.0
BUILD     := build
ifeq ($(DEBUG),1)
BUILD     := build/debug
endif
BUILD_ID  := $(shell git describe --always --dirty --tags 2>/dev/null || echo unknown)

ifeq ($(V),1)
Q :=
say = @true
else
Q := @
say = @printf '  %-6s %s\n' $(1) $(2)
endif

EFI_INC   := /usr/include/efi
EFI_LIB   := /usr/lib
EFI_CRT0  := $(EFI_LIB)/crt0-efi-x86_64.o

CC        := gcc
LD        := ld
NASM      := nasm
OBJCOPY   := objcopy

WARNINGS  := -Wall -Wextra -Werror -Wshadow -Wstrict-prototypes \
             -Wmissing-prototypes -Wpointer-arith -Wcast-align=strict \
             -Wwrite-strings -Wundef -Wvla -Wformat=2 -Wimplicit-fallthrough \
             -Wno-unused-parameter

# Freestanding x86-64 code for the firmware and, later, for VMX root mode:
# no red zone (interrupts and NMIs push onto the same stack), no stack
# protector (no TLS canary there), no SSE/x87 (root mode does not save the
# guest's vector state), MS ABI for calls into firmware (GNU_EFI_USE_MS_ABI).
EFI_CFLAGS := -std=gnu11 -O2 -g $(WARNINGS) -ffreestanding -fno-builtin \
              -fpic -fshort-wchar -fno-stack-protector -fno-strict-aliasing \
              -mno-red-zone -mgeneral-regs-only -mno-sse -mno-mmx \
              -maccumulate-outgoing-args -fno-asynchronous-unwind-tables \
              -DGNU_EFI_USE_MS_ABI -DPMUVISOR_EFI \
              -DPMUVISOR_VERSION='"$(VERSION)"' \
              -I. -isystem $(EFI_INC) -isystem $(EFI_INC)/x86_64 -isystem $(EFI_INC)/protocol \
              -MMD -MP
ifeq ($(DEBUG),1)
EFI_CFLAGS += -DPMUVISOR_DEBUG
endif
EFI_LDFLAGS := -nostdlib -znocombreloc -zmax-page-size=4096 -T linker.ld \
               -shared -Bsymbolic --no-undefined -L$(EFI_LIB)
EFI_LIBS    := -lefi -lgnuefi
NASMFLAGS   := -f elf64 -Werror -g

# Sources of pmuvisor.efi, by folder (the folders are the architecture).
PMUVISOR_C := \
	boot/main.c boot/config.c boot/config_file.c boot/efi.c boot/image.c \
	boot/payload.c boot/initrd.c boot/hypervisor.c guest/sysmap.c \
	console/serial.c console/log.c \
	lib/string.c lib/format.c lib/panic.c lib/panic_halt.c lib/ucs2.c lib/number.c \
	lib/cpu_safe.c lib/page_pool.c \
	vmx/caps.c vmx/caps_report.c vmx/caps_read.c vmx/host_paging.c \
	pmu/caps.c pmu/probe.c
PMUVISOR_ASM := lib/msr_safe.asm pmu/probe_loop.asm boot/launch.asm boot/core_blob.asm

# The resident core: root-mode code linked at a fixed address in the top
# 2 GiB (vmx/core.ld), carried inside pmuvisor.efi as a flat image.
CORE_C := \
	vmx/core.c vmx/exit.c vmx/exit_table.c vmx/exit_handlers.c vmx/exit_io.c vmx/exit_ept.c vmx/guest_access.c vmx/io_split.c vmx/string_io.c vmx/exit_task.c vmx/task_switch.c vmx/device.c vmx/guest_state.c \
	vmx/host.c vmx/hypercall.c vmx/cr_policy.c vmx/cpu_rules.c \
	vmx/ept.c vmx/mtrr.c vmx/mtrr_read.c vmx/controls.c vmx/caps.c vmx/caps_read.c \
	vmx/caps_report.c vmx/check.c vmx/check_controls.c vmx/check_host.c vmx/check_guest.c vmx/check_segments.c \
	vmx/check_read.c \
	console/serial.c console/log.c console/console.c console/commands.c \
	console/line_editor.c console/shell.c console/prof_commands.c \
	guest/memory.c guest/kallsyms.c guest/callchain.c \
	pmu/prof.c pmu/prof_clock.c pmu/prof_request.c pmu/prof_report.c pmu/prof_dump.c \
	pmu/events.c pmu/sample_ring.c pmu/hw_sampler.c pmu/prof_hw.c pmu/caps.c \
	pmu/vpmu_regs.c pmu/vpmu_policy.c pmu/vpmu_hw.c pmu/vpmu_guest.c \
	lib/string.c lib/format.c lib/panic.c lib/panic_halt.c lib/page_pool.c lib/cpu_safe.c \
	lib/number.c lib/symtab.c
CORE_ASM := vmx/core_head.asm vmx/vmx_entry.asm vmx/host_stubs.asm lib/msr_safe.asm
CORE_OBJ := $(addprefix $(BUILD)/core/obj/,$(CORE_C:.c=.o) $(CORE_ASM:.asm=.o))
CORE_CFLAGS := $(filter-out -fpic -DPMUVISOR_EFI -isystem $(EFI_INC) $(EFI_INC)/x86_64 \
                 $(EFI_INC)/protocol,$(EFI_CFLAGS)) \
               -fno-pic -mcmodel=kernel -DPMUVISOR_CORE -I$(BUILD)

PAYLOADS := hello faultguard vmtest hostile

PMUVISOR_OBJ := $(addprefix $(BUILD)/obj/,$(PMUVISOR_C:.c=.o) $(PMUVISOR_ASM:.asm=.o))
PAYLOAD_EFI  := $(addprefix $(BUILD)/payloads/,$(addsuffix .efi,$(PAYLOADS)))

.PHONY: all deps guest run check unit integration bench fuzz soak clean
.DELETE_ON_ERROR:

all: $(BUILD)/pmuvisor.efi $(PAYLOAD_EFI)

# The build id is baked into one object only; rebuild it when it changes.
$(BUILD)/build-id.h: FORCE
	@mkdir -p $(@D)
	@echo '#define PMUVISOR_BUILD_ID "$(BUILD_ID)"' > $@.tmp
	@cmp -s $@.tmp $@ && rm -f $@.tmp || mv $@.tmp $@
.PHONY: FORCE
$(BUILD)/obj/boot/main.o: $(BUILD)/build-id.h
$(BUILD)/obj/boot/main.o: EXTRA_CFLAGS := -I$(BUILD)
$(BUILD)/core/obj/console/commands.o: $(BUILD)/build-id.h

$(BUILD)/obj/%.o: %.c Makefile
	@mkdir -p $(@D)
	$(call say,CC,$<)
	$(Q)$(CC) $(EFI_CFLAGS) $(EXTRA_CFLAGS) -c $< -o $@

$(BUILD)/obj/%.o: %.asm Makefile
	@mkdir -p $(@D)
	$(call say,NASM,$<)
	$(Q)$(NASM) $(NASMFLAGS) -MD $(@:.o=.d) -MP $< -o $@

$(BUILD)/core/obj/%.o: %.c Makefile
	@mkdir -p $(@D)
	$(call say,CC,$< [core])
	$(Q)$(CC) $(CORE_CFLAGS) -c $< -o $@

$(BUILD)/core/obj/%.o: %.asm Makefile
	@mkdir -p $(@D)
	$(call say,NASM,$< [core])
	$(Q)$(NASM) $(NASMFLAGS) -MD $(@:.o=.d) -MP $< -o $@

# Two links: the first finds where every function is, tools/mksyms turns
# that into a table, the second embeds it after the code (and checks that
# nothing moved).
CORE_LD = $(LD) -nostdlib -static -zmax-page-size=4096 -T vmx/core.ld
$(BUILD)/core-nosyms.elf: $(CORE_OBJ) vmx/core.ld
	$(call say,LD,$@)
	$(Q)$(CORE_LD) $(CORE_OBJ) -o $@

$(BUILD)/core/symbols.bin: $(BUILD)/core-nosyms.elf tools/mksyms
	$(call say,SYMS,$@)
	$(Q)tools/mksyms $< $@

$(BUILD)/core/obj/vmx/core_symbols.o: $(BUILD)/core/symbols.bin
$(BUILD)/core/obj/vmx/core_symbols.o: NASMFLAGS += -DCORE_SYMBOLS='"$(BUILD)/core/symbols.bin"'

$(BUILD)/core.elf: $(CORE_OBJ) $(BUILD)/core/obj/vmx/core_symbols.o vmx/core.ld $(BUILD)/core-nosyms.elf
	$(call say,LD,$@)
	$(Q)$(CORE_LD) $(CORE_OBJ) $(BUILD)/core/obj/vmx/core_symbols.o -o $@
	$(Q)tools/mksyms --same $(BUILD)/core-nosyms.elf $@

$(BUILD)/core.bin: $(BUILD)/core.elf
	$(call say,BIN,$@)
	$(Q)$(OBJCOPY) -O binary $< $@

$(BUILD)/obj/boot/core_blob.o: $(BUILD)/core.bin
$(BUILD)/obj/boot/core_blob.o: NASMFLAGS += -DCORE_IMAGE='"$(BUILD)/core.bin"'

define link_efi
	@mkdir -p $(@D)
	$(call say,LD,$@)
	$(Q)$(LD) $(EFI_LDFLAGS) $(EFI_CRT0) $(filter %.o,$^) -o $@ $(EFI_LIBS)
endef

$(BUILD)/%.efi: $(BUILD)/%.so
	$(call say,EFI,$@)
	$(Q)$(OBJCOPY) -j .text -j .sdata -j .data -j .dynamic -j .dynsym \
		-j .rel -j .rela -j .reloc --target=efi-app-x86_64 \
		--subsystem=10 $< $@

$(BUILD)/pmuvisor.so: $(PMUVISOR_OBJ) linker.ld
	$(link_efi)

# Test payloads: small EFI applications sharing a few lib/ objects.
PAYLOAD_LIB_OBJ := $(addprefix $(BUILD)/obj/,lib/string.o lib/format.o lib/ucs2.o \
                   lib/cpu_safe.o lib/msr_safe.o console/serial.o)
$(PAYLOAD_EFI:.efi=.so): $(BUILD)/payloads/%.so: $(BUILD)/obj/tests/payloads/%.o $(PAYLOAD_LIB_OBJ) linker.ld
	$(link_efi)

# The hostile-guest payload has its interrupt and task-switch classes in files of their own.
$(BUILD)/payloads/hostile.so: $(BUILD)/obj/tests/payloads/hostile_interrupts.o \
	$(BUILD)/obj/tests/payloads/hostile_task.o $(BUILD)/obj/tests/payloads/task_switch.o

# The ELF images are kept beside the PE files (debug symbols for gdb).
.SECONDARY: $(BUILD)/pmuvisor.so $(PAYLOAD_EFI:.efi=.so)

-include $(shell find $(BUILD)/obj $(BUILD)/core/obj -name '*.d' 2>/dev/null)

deps:
	$(Q)tools/deps

guest: deps
	$(Q)tools/mkguest $(BUILD)/guest

run: deps all guest
	$(Q)python3 tests/integration/run_demo.py

unit: deps
	$(Q)$(MAKE) --no-print-directory -f tests/unit/unit.mk V=$(V)

fuzz: deps
	$(Q)$(MAKE) --no-print-directory -f tests/fuzz/fuzz.mk run

integration: deps all guest
	$(Q)python3 tests/integration/runner.py

bench: deps all guest
	$(Q)python3 tools/bench.py

SOAK_MINUTES ?= 30
soak: deps all guest
	$(Q)python3 tests/integration/soak.py $(SOAK_MINUTES)

check: deps
	$(Q)$(MAKE) --no-print-directory all
	$(Q)$(MAKE) --no-print-directory guest
	$(Q)tools/check

clean:
	rm -rf $(BUILD)/obj $(BUILD)/core $(BUILD)/core.elf $(BUILD)/core-nosyms.elf $(BUILD)/core.bin $(BUILD)/*.so $(BUILD)/*.efi $(BUILD)/payloads $(BUILD)/unit $(BUILD)/fuzz $(BUILD)/test-logs $(BUILD)/build-id.h
