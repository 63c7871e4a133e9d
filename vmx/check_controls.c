/* VM-entry checks on the VMX controls: SDM Vol. 3C, 27.2.1. */
#include "vmx/check_rules.h"

static bool true_controls(const struct vmx_state *s)
{
	return bit_set(s->caps.msr.basic, 55); /* IA32_VMX_BASIC bit 55 (A.1) */
}

/* A control field against its capability MSR: the low half lists the bits
 * that must be 1, the high half the bits that may be 1 (SDM A.3-A.5). */
static bool controls_allowed(struct vmx_violation *v, const char *field, uint32_t value,
			     const char *msr_name, uint64_t msr)
{
	uint32_t must_be_1 = (uint32_t)msr;
	uint32_t may_be_1 = (uint32_t)(msr >> 32);

	involve(v, field, value);
	involve(v, msr_name, msr);
	involve(v, "missing (must be 1)", must_be_1 & ~value);
	involve(v, "forbidden (must be 0)", value & ~may_be_1);
	return (value & must_be_1) == must_be_1 && (value & ~may_be_1) == 0;
}

static bool pinbased_reserved(const struct vmx_state *s, struct vmx_violation *v)
{
	if (true_controls(s))
		return controls_allowed(v, "PIN_BASED_CONTROLS", s->controls.pinbased,
					"IA32_VMX_TRUE_PINBASED_CTLS", s->caps.msr.true_pinbased);
	return controls_allowed(v, "PIN_BASED_CONTROLS", s->controls.pinbased,
				"IA32_VMX_PINBASED_CTLS", s->caps.msr.pinbased);
}

static bool procbased_reserved(const struct vmx_state *s, struct vmx_violation *v)
{
	if (true_controls(s))
		return controls_allowed(v, "PRIMARY_PROCESSOR_BASED_CONTROLS", s->controls.procbased,
					"IA32_VMX_TRUE_PROCBASED_CTLS", s->caps.msr.true_procbased);
	return controls_allowed(v, "PRIMARY_PROCESSOR_BASED_CONTROLS", s->controls.procbased,
				"IA32_VMX_PROCBASED_CTLS", s->caps.msr.procbased);
}

static bool procbased2_reserved(const struct vmx_state *s, struct vmx_violation *v)
{
	if (!bit_set(s->controls.procbased, PROC_SECONDARY_CONTROLS))
		return true;
	return controls_allowed(v, "SECONDARY_PROCESSOR_BASED_CONTROLS", s->controls.procbased2,
				"IA32_VMX_PROCBASED_CTLS2", s->caps.msr.procbased2);
}

static bool exit_reserved(const struct vmx_state *s, struct vmx_violation *v)
{
	if (true_controls(s))
		return controls_allowed(v, "VM_EXIT_CONTROLS", s->controls.exit,
					"IA32_VMX_TRUE_EXIT_CTLS", s->caps.msr.true_exit);
	return controls_allowed(v, "VM_EXIT_CONTROLS", s->controls.exit,
				"IA32_VMX_EXIT_CTLS", s->caps.msr.exit);
}

static bool entry_reserved(const struct vmx_state *s, struct vmx_violation *v)
{
	if (true_controls(s))
		return controls_allowed(v, "VM_ENTRY_CONTROLS", s->controls.entry,
					"IA32_VMX_TRUE_ENTRY_CTLS", s->caps.msr.true_entry);
	return controls_allowed(v, "VM_ENTRY_CONTROLS", s->controls.entry,
				"IA32_VMX_ENTRY_CTLS", s->caps.msr.entry);
}

static bool cr3_target_count(const struct vmx_state *s, struct vmx_violation *v)
{
	uint32_t supported = (uint32_t)(s->caps.msr.misc >> 16) & 0x1ff; /* A.6 */

	involve_number(v, "CR3_TARGET_COUNT", s->controls.cr3_target_count);
	involve(v, "IA32_VMX_MISC", s->caps.msr.misc);
	return s->controls.cr3_target_count <= supported;
}

static bool page_address_ok(const struct vmx_state *s, uint64_t address)
{
	return (address & 0xfff) == 0 && within_maxphyaddr(address, s->caps.maxphyaddr);
}

static bool io_bitmaps(const struct vmx_state *s, struct vmx_violation *v)
{
	involve(v, "IO_BITMAP_A", s->controls.io_bitmap_a);
	involve(v, "IO_BITMAP_B", s->controls.io_bitmap_b);
	involve_number(v, "MAXPHYADDR", s->caps.maxphyaddr);
	return !bit_set(s->controls.procbased, PROC_USE_IO_BITMAPS) ||
	       (page_address_ok(s, s->controls.io_bitmap_a) &&
		page_address_ok(s, s->controls.io_bitmap_b));
}

static bool msr_bitmap(const struct vmx_state *s, struct vmx_violation *v)
{
	involve(v, "MSR_BITMAP", s->controls.msr_bitmap);
	involve_number(v, "MAXPHYADDR", s->caps.maxphyaddr);
	return !bit_set(s->controls.procbased, PROC_USE_MSR_BITMAPS) ||
	       page_address_ok(s, s->controls.msr_bitmap);
}

static bool virtual_nmis(const struct vmx_state *s, struct vmx_violation *v)
{
	involve(v, "PIN_BASED_CONTROLS", s->controls.pinbased);
	return !bit_set(s->controls.pinbased, PIN_VIRTUAL_NMIS) ||
	       bit_set(s->controls.pinbased, PIN_NMI_EXITING);
}

static bool nmi_window(const struct vmx_state *s, struct vmx_violation *v)
{
	involve(v, "PIN_BASED_CONTROLS", s->controls.pinbased);
	involve(v, "PRIMARY_PROCESSOR_BASED_CONTROLS", s->controls.procbased);
	return !bit_set(s->controls.procbased, PROC_NMI_WINDOW_EXITING) ||
	       bit_set(s->controls.pinbased, PIN_VIRTUAL_NMIS);
}

static bool vpid(const struct vmx_state *s, struct vmx_violation *v)
{
	involve(v, "SECONDARY_PROCESSOR_BASED_CONTROLS", s->controls.procbased2);
	involve(v, "VIRTUAL_PROCESSOR_ID", s->controls.vpid);
	return !bit_set(procbased2(s), PROC2_ENABLE_VPID) || s->controls.vpid != 0;
}

static bool ept_enabled(const struct vmx_state *s)
{
	return bit_set(procbased2(s), PROC2_ENABLE_EPT);
}

/* EPTP layout: SDM 25.6.11, Table 25-9; capability bits: A.10. */
static bool ept_memory_type(const struct vmx_state *s, struct vmx_violation *v)
{
	unsigned type = (unsigned)(s->controls.ept_pointer & 7);
	uint64_t cap = s->caps.msr.ept_vpid_cap;

	involve(v, "EPT_POINTER", s->controls.ept_pointer);
	involve(v, "IA32_VMX_EPT_VPID_CAP", cap);
	return !ept_enabled(s) || (type == 0 && bit_set(cap, 8)) || (type == 6 && bit_set(cap, 14));
}

static bool ept_walk_length(const struct vmx_state *s, struct vmx_violation *v)
{
	unsigned length_minus_1 = (unsigned)(s->controls.ept_pointer >> 3) & 7;
	uint64_t cap = s->caps.msr.ept_vpid_cap;

	involve(v, "EPT_POINTER", s->controls.ept_pointer);
	involve(v, "IA32_VMX_EPT_VPID_CAP", cap);
	return !ept_enabled(s) || (length_minus_1 == 3 && bit_set(cap, 6)) ||
	       (length_minus_1 == 4 && bit_set(cap, 7));
}

static bool ept_accessed_dirty(const struct vmx_state *s, struct vmx_violation *v)
{
	involve(v, "EPT_POINTER", s->controls.ept_pointer);
	involve(v, "IA32_VMX_EPT_VPID_CAP", s->caps.msr.ept_vpid_cap);
	return !ept_enabled(s) || !bit_set(s->controls.ept_pointer, 6) ||
	       bit_set(s->caps.msr.ept_vpid_cap, 21);
}

static bool ept_reserved(const struct vmx_state *s, struct vmx_violation *v)
{
	involve(v, "EPT_POINTER", s->controls.ept_pointer);
	involve_number(v, "MAXPHYADDR", s->caps.maxphyaddr);
	return !ept_enabled(s) || ((s->controls.ept_pointer & 0xf80) == 0 &&
				   within_maxphyaddr(s->controls.ept_pointer, s->caps.maxphyaddr));
}

static bool unrestricted_needs_ept(const struct vmx_state *s, struct vmx_violation *v)
{
	involve(v, "SECONDARY_PROCESSOR_BASED_CONTROLS", s->controls.procbased2);
	return !unrestricted_guest(s) || ept_enabled(s);
}

static bool preemption_timer(const struct vmx_state *s, struct vmx_violation *v)
{
	involve(v, "PIN_BASED_CONTROLS", s->controls.pinbased);
	involve(v, "VM_EXIT_CONTROLS", s->controls.exit);
	return !bit_set(s->controls.exit, EXIT_SAVE_PREEMPTION_TIMER) ||
	       bit_set(s->controls.pinbased, PIN_PREEMPTION_TIMER);
}

/* An MSR list: 16 bytes an entry, 16-byte aligned, its last byte within
 * MAXPHYADDR (SDM 27.2.1.2 and 27.2.1.3). */
static bool msr_list(const struct vmx_state *s, struct vmx_violation *v, const char *count_name,
		     uint32_t count, const char *address_name, uint64_t address)
{
	uint64_t last = address + (uint64_t)count * 16 - 1;

	involve_number(v, count_name, count);
	involve(v, address_name, address);
	involve_number(v, "MAXPHYADDR", s->caps.maxphyaddr);
	return count == 0 || ((address & 0xf) == 0 && within_maxphyaddr(address, s->caps.maxphyaddr) &&
			      within_maxphyaddr(last, s->caps.maxphyaddr));
}

static bool exit_msr_store(const struct vmx_state *s, struct vmx_violation *v)
{
	return msr_list(s, v, "VM_EXIT_MSR_STORE_COUNT", s->controls.exit_msr_store_count,
			"VM_EXIT_MSR_STORE_ADDRESS", s->controls.exit_msr_store_address);
}

static bool exit_msr_load(const struct vmx_state *s, struct vmx_violation *v)
{
	return msr_list(s, v, "VM_EXIT_MSR_LOAD_COUNT", s->controls.exit_msr_load_count,
			"VM_EXIT_MSR_LOAD_ADDRESS", s->controls.exit_msr_load_address);
}

static bool entry_msr_load(const struct vmx_state *s, struct vmx_violation *v)
{
	return msr_list(s, v, "VM_ENTRY_MSR_LOAD_COUNT", s->controls.entry_msr_load_count,
			"VM_ENTRY_MSR_LOAD_ADDRESS", s->controls.entry_msr_load_address);
}

static bool entry_smm(const struct vmx_state *s, struct vmx_violation *v)
{
	involve(v, "VM_ENTRY_CONTROLS", s->controls.entry);
	return !bit_set(s->controls.entry, ENTRY_TO_SMM) &&
	       !bit_set(s->controls.entry, ENTRY_DEACTIVATE_DUAL_MONITOR);
}

/* Event injection (SDM 27.2.1.3, "fields relating to event injection"). */

static unsigned injected_type(const struct vmx_state *s)
{
	return INTR_INFO_TYPE(s->controls.entry_interruption_info);
}

static unsigned injected_vector(const struct vmx_state *s)
{
	return INTR_INFO_VECTOR(s->controls.entry_interruption_info);
}

static bool injection_type(const struct vmx_state *s, struct vmx_violation *v)
{
	/* "Other event" (7) exists only with the monitor trap flag control. */
	uint64_t proc_cap = true_controls(s) ? s->caps.msr.true_procbased : s->caps.msr.procbased;
	bool mtf = bit_set(proc_cap, 32 + PROC_MONITOR_TRAP_FLAG);
	unsigned type = injected_type(s);

	involve(v, "VM_ENTRY_INTERRUPTION_INFO", s->controls.entry_interruption_info);
	return !injecting(s) || (type != 1 && (type != INTR_TYPE_OTHER_EVENT || mtf));
}

static bool injection_vector(const struct vmx_state *s, struct vmx_violation *v)
{
	unsigned vector = injected_vector(s);

	involve(v, "VM_ENTRY_INTERRUPTION_INFO", s->controls.entry_interruption_info);
	if (!injecting(s))
		return true;
	switch (injected_type(s)) {
	case INTR_TYPE_NMI: return vector == 2;
	case INTR_TYPE_HARDWARE_EXCEPTION: return vector <= 31;
	case INTR_TYPE_OTHER_EVENT: return vector == 0;
	default: return true;
	}
}

/* #DF, #TS, #NP, #SS, #GP, #PF and #AC push an error code. */
static bool exception_has_error_code(unsigned vector)
{
	static const uint32_t with_error_code =
		1u << 8 | 1u << 10 | 1u << 11 | 1u << 12 | 1u << 13 | 1u << 14 | 1u << 17;

	return vector < 32 && bit_set(with_error_code, vector);
}

static bool injection_error_code(const struct vmx_state *s, struct vmx_violation *v)
{
	bool protected_mode = !unrestricted_guest(s) || (s->guest.cr0 & CR0_PE);
	bool exception = protected_mode && injected_type(s) == INTR_TYPE_HARDWARE_EXCEPTION;
	bool delivered = s->controls.entry_interruption_info & INTR_INFO_DELIVER_ERROR_CODE;
	/* IA32_VMX_BASIC bit 56 (A.1, CET-era parts): a hardware exception
	 * may come with or without an error code, whatever its vector. */
	bool any_vector = bit_set(s->caps.msr.basic, 56);

	involve(v, "VM_ENTRY_INTERRUPTION_INFO", s->controls.entry_interruption_info);
	involve(v, "GUEST_CR0", s->guest.cr0);
	involve(v, "SECONDARY_PROCESSOR_BASED_CONTROLS", s->controls.procbased2);
	involve(v, "IA32_VMX_BASIC", s->caps.msr.basic);
	if (!injecting(s))
		return true;
	if (!exception)
		return !delivered;
	return any_vector || delivered == exception_has_error_code(injected_vector(s));
}

static bool injection_reserved(const struct vmx_state *s, struct vmx_violation *v)
{
	involve(v, "VM_ENTRY_INTERRUPTION_INFO", s->controls.entry_interruption_info);
	return !injecting(s) || (s->controls.entry_interruption_info & 0x7ffff000u) == 0;
}

static bool injection_error_code_reserved(const struct vmx_state *s, struct vmx_violation *v)
{
	involve(v, "VM_ENTRY_INTERRUPTION_INFO", s->controls.entry_interruption_info);
	involve(v, "VM_ENTRY_EXCEPTION_ERROR_CODE", s->controls.entry_exception_error_code);
	return !injecting(s) || !(s->controls.entry_interruption_info & INTR_INFO_DELIVER_ERROR_CODE) ||
	       (s->controls.entry_exception_error_code >> 16) == 0;
}

static bool injection_instruction_length(const struct vmx_state *s, struct vmx_violation *v)
{
	unsigned type = injected_type(s);
	uint32_t length = s->controls.entry_instruction_length;
	bool zero_allowed = bit_set(s->caps.msr.misc, 30); /* A.6 */

	involve(v, "VM_ENTRY_INTERRUPTION_INFO", s->controls.entry_interruption_info);
	involve_number(v, "VM_ENTRY_INSTRUCTION_LENGTH", length);
	involve(v, "IA32_VMX_MISC", s->caps.msr.misc);
	if (!injecting(s) || type < INTR_TYPE_SOFTWARE_INTERRUPT || type > INTR_TYPE_SOFTWARE_EXCEPTION)
		return true;
	return (length >= 1 && length <= 15) || (length == 0 && zero_allowed);
}

const struct vmx_rule vmx_control_rules[] = {
	{ "controls.pinbased.reserved", "27.2.1.1",
	  "pin-based controls must set every bit IA32_VMX_(TRUE_)PINBASED_CTLS requires and no bit "
	  "it forbids",
	  pinbased_reserved },
	{ "controls.procbased.reserved", "27.2.1.1",
	  "primary processor-based controls must set every bit IA32_VMX_(TRUE_)PROCBASED_CTLS "
	  "requires and no bit it forbids",
	  procbased_reserved },
	{ "controls.procbased2.reserved", "27.2.1.1",
	  "with \"activate secondary controls\", the secondary controls must set only bits "
	  "IA32_VMX_PROCBASED_CTLS2 allows",
	  procbased2_reserved },
	{ "controls.cr3_target_count", "27.2.1.1",
	  "the CR3-target count must not exceed what IA32_VMX_MISC bits 24:16 report",
	  cr3_target_count },
	{ "controls.io_bitmaps", "27.2.1.1",
	  "with \"use I/O bitmaps\", both I/O-bitmap addresses must be 4-KByte aligned and below "
	  "MAXPHYADDR",
	  io_bitmaps },
	{ "controls.msr_bitmap", "27.2.1.1",
	  "with \"use MSR bitmaps\", the MSR-bitmap address must be 4-KByte aligned and below "
	  "MAXPHYADDR",
	  msr_bitmap },
	{ "controls.virtual_nmis", "27.2.1.1",
	  "\"virtual NMIs\" requires \"NMI exiting\"",
	  virtual_nmis },
	{ "controls.nmi_window", "27.2.1.1",
	  "\"NMI-window exiting\" requires \"virtual NMIs\"",
	  nmi_window },
	{ "controls.vpid", "27.2.1.1",
	  "with \"enable VPID\", the VPID must not be 0000H",
	  vpid },
	{ "controls.ept_pointer.memory_type", "27.2.1.1",
	  "EPT pointer bits 2:0 must be a memory type IA32_VMX_EPT_VPID_CAP offers (0 UC: bit 8, 6 "
	  "WB: bit 14)",
	  ept_memory_type },
	{ "controls.ept_pointer.walk_length", "27.2.1.1",
	  "EPT pointer bits 5:3 must be a supported walk length minus 1 (3: 4-level, bit 6; 4: "
	  "5-level, bit 7)",
	  ept_walk_length },
	{ "controls.ept_pointer.accessed_dirty", "27.2.1.1",
	  "EPT pointer bit 6 (accessed and dirty flags) requires IA32_VMX_EPT_VPID_CAP bit 21",
	  ept_accessed_dirty },
	{ "controls.ept_pointer.reserved", "27.2.1.1",
	  "EPT pointer bits 11:7 and bits from MAXPHYADDR up must be 0",
	  ept_reserved },
	{ "controls.unrestricted_guest", "27.2.1.1",
	  "\"unrestricted guest\" requires \"enable EPT\"",
	  unrestricted_needs_ept },
	{ "controls.exit.reserved", "27.2.1.2",
	  "VM-exit controls must set every bit IA32_VMX_(TRUE_)EXIT_CTLS requires and no bit it "
	  "forbids",
	  exit_reserved },
	{ "controls.preemption_timer", "27.2.1.2",
	  "\"save VMX-preemption timer value\" requires \"activate VMX-preemption timer\"",
	  preemption_timer },
	{ "controls.exit_msr_store", "27.2.1.2",
	  "a nonzero VM-exit MSR-store count needs a 16-byte aligned list that ends below "
	  "MAXPHYADDR",
	  exit_msr_store },
	{ "controls.exit_msr_load", "27.2.1.2",
	  "a nonzero VM-exit MSR-load count needs a 16-byte aligned list that ends below "
	  "MAXPHYADDR",
	  exit_msr_load },
	{ "controls.entry.reserved", "27.2.1.3",
	  "VM-entry controls must set every bit IA32_VMX_(TRUE_)ENTRY_CTLS requires and no bit it "
	  "forbids",
	  entry_reserved },
	{ "controls.entry_msr_load", "27.2.1.3",
	  "a nonzero VM-entry MSR-load count needs a 16-byte aligned list that ends below "
	  "MAXPHYADDR",
	  entry_msr_load },
	{ "controls.entry_smm", "27.2.1.3",
	  "outside SMM, \"entry to SMM\" and \"deactivate dual-monitor treatment\" must be 0",
	  entry_smm },
	{ "controls.injection.type", "27.2.1.3",
	  "an injected event's type must not be 1 (reserved), nor 7 (other event) without the "
	  "monitor trap flag",
	  injection_type },
	{ "controls.injection.vector", "27.2.1.3",
	  "an injected NMI must be vector 2, a hardware exception vector 0-31, an other event "
	  "vector 0",
	  injection_vector },
	{ "controls.injection.error_code", "27.2.1.3",
	  "deliver-error-code must be set exactly for hardware exceptions 8, 10-14 and 17 in "
	  "protected mode (for any hardware exception there if IA32_VMX_BASIC bit 56 is set)",
	  injection_error_code },
	{ "controls.injection.reserved", "27.2.1.3",
	  "bits 30:12 of the VM-entry interruption information must be 0",
	  injection_reserved },
	{ "controls.injection.error_code_reserved", "27.2.1.3",
	  "with deliver-error-code, bits 31:16 of the VM-entry exception error code must be 0",
	  injection_error_code_reserved },
	{ "controls.injection.instruction_length", "27.2.1.3",
	  "an injected software interrupt or exception needs an instruction length of 1-15 (0 if "
	  "IA32_VMX_MISC bit 30)",
	  injection_instruction_length },
};

const size_t vmx_control_rule_count = sizeof(vmx_control_rules) / sizeof(vmx_control_rules[0]);
