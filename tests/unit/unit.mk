# Host-compiled unit tests (cmocka), run with address and undefined-
# behaviour sanitizers.  Each test_NAME.c links the pure sources listed
# for it below.  Prints TAP; tools/check counts the results.

BUILD    := build/unit
CC       := gcc
CFLAGS   := -std=gnu11 -O1 -g -Wall -Wextra -Werror -Wno-unused-parameter -I. \
            -DPMUVISOR_VERSION=\"$(shell sed -n "s/^VERSION *:= *//p" Makefile)\" \
            -fsanitize=address,undefined -fno-sanitize-recover=all -fno-omit-frame-pointer
LDLIBS   := -lcmocka -lpthread

ifeq ($(V),1)
Q :=
else
Q := @
endif

# test name -> the project sources it exercises
SRC_string  := lib/string.c
SRC_format  := lib/format.c lib/string.c
SRC_number  := lib/number.c lib/string.c
SRC_ucs2    := lib/ucs2.c
SRC_config  := boot/config.c lib/format.c lib/number.c lib/string.c
SRC_image   := boot/image.c lib/string.c
SRC_vmx_caps := vmx/caps.c vmx/caps_report.c lib/format.c lib/string.c
SRC_pmu_caps := pmu/caps.c lib/format.c lib/string.c
SRC_panic   := lib/panic.c lib/format.c lib/string.c
SRC_vmx_controls := vmx/controls.c vmx/caps.c lib/format.c lib/string.c
SRC_mtrr    := vmx/mtrr.c lib/string.c
SRC_ept     := vmx/ept.c vmx/mtrr.c lib/string.c
SRC_vmx_policy := vmx/cr_policy.c vmx/hypercall.c
SRC_cpu_rules := vmx/cpu_rules.c
SRC_io_split := vmx/io_split.c
SRC_string_io := vmx/string_io.c
SRC_spinlock :=
SRC_task_switch := vmx/task_switch.c vmx/guest_state.c vmx/cr_policy.c lib/string.c
SRC_vmx_host := vmx/guest_state.c vmx/cr_policy.c vmx/host_paging.c lib/page_pool.c lib/string.c
SRC_guest_memory := guest/memory.c lib/string.c
SRC_sample_ring := pmu/sample_ring.c lib/string.c
SRC_kallsyms := guest/kallsyms.c lib/string.c
SRC_sysmap := guest/sysmap.c lib/symtab.c lib/string.c
SRC_pmu_hw := pmu/hw_sampler.c pmu/events.c pmu/vpmu_regs.c tests/unit/pmu_model.c lib/string.c
SRC_vpmu := pmu/vpmu_regs.c pmu/vpmu_policy.c lib/string.c
SRC_vpmu_hw := pmu/vpmu_hw.c pmu/vpmu_policy.c pmu/vpmu_regs.c tests/unit/pmu_model.c lib/string.c
SRC_callchain_symtab := guest/callchain.c lib/symtab.c lib/string.c
SRC_prof := pmu/prof_clock.c pmu/prof_request.c pmu/prof_report.c pmu/prof_dump.c pmu/events.c lib/format.c lib/number.c lib/string.c
SRC_vmx_check := vmx/check.c vmx/check_controls.c vmx/check_host.c vmx/check_guest.c vmx/check_segments.c lib/format.c lib/string.c
SRC_line_editor := console/line_editor.c lib/format.c lib/string.c
SRC_shell := console/shell.c lib/format.c lib/number.c lib/string.c
SRC_device := vmx/device.c lib/format.c lib/string.c

TESTS := $(patsubst tests/unit/test_%.c,%,$(wildcard tests/unit/test_*.c))
BINS  := $(addprefix $(BUILD)/test_,$(TESTS))

.PHONY: all run
.SECONDARY:
all: $(BINS)

$(BUILD)/obj/lib/string.o: lib/string.c tests/unit/host_rename.h
	@mkdir -p $(@D)
	$(Q)$(CC) $(CFLAGS) -include tests/unit/host_rename.h -c $< -o $@

$(BUILD)/obj/%.o: %.c
	@mkdir -p $(@D)
	$(Q)$(CC) $(CFLAGS) -MMD -MP -c $< -o $@

.SECONDEXPANSION:
objects_for = $(patsubst %.c,$(BUILD)/obj/%.o,$(SRC_$(1)))
$(BUILD)/test_%: $(BUILD)/obj/tests/unit/test_%.o $$(call objects_for,$$*) tests/unit/unit.mk
	@printf '  %-6s %s\n' HOSTLD $@
	$(Q)$(CC) $(CFLAGS) $(filter %.o,$^) -o $@ $(LDLIBS)

run: all
	@for t in $(BINS); do echo "# $$t"; CMOCKA_MESSAGE_OUTPUT=TAP $$t; done

-include $(shell find $(BUILD)/obj -name '*.d' 2>/dev/null)
