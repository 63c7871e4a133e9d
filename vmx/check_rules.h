/*
 * Internal to the VM-entry checker (vmx/check*.c): the architectural bit
 * numbers the rules read, small helpers, and each area's rule table.
 * vmx/check.c walks the tables in the SDM's order.
 */
#ifndef VMX_CHECK_RULES_H
#define VMX_CHECK_RULES_H

#include "vmx/segments.h"
#include "vmx/check.h"
#include "lib/cpu_bits.h"

/* Rule tables, one per area of SDM 27.2-27.3. */
extern const struct vmx_rule vmx_control_rules[];   /* 27.2.1, check_controls.c */
extern const size_t vmx_control_rule_count;
extern const struct vmx_rule vmx_host_rules[];      /* 27.2.2-27.2.4, check_host.c */
extern const size_t vmx_host_rule_count;
extern const struct vmx_rule vmx_guest_register_rules[]; /* 27.3.1.1, check_guest.c */
extern const size_t vmx_guest_register_rule_count;
extern const struct vmx_rule vmx_segment_rules[];   /* 27.3.1.2, check_segments.c */
extern const size_t vmx_segment_rule_count;
extern const struct vmx_rule vmx_guest_other_rules[]; /* 27.3.1.3-27.3.1.5, check_guest.c */
extern const size_t vmx_guest_other_rule_count;

/* Control bits not already in vmx/caps.h (SDM 25.6-25.8). */
#define PROC_NMI_WINDOW_EXITING 22
#define PROC_MONITOR_TRAP_FLAG 27
#define PROC2_VMCS_SHADOWING 14
#define EXIT_HOST_ADDRESS_SPACE_SIZE 9
#define EXIT_LOAD_PAT 19
#define EXIT_LOAD_EFER 21
#define ENTRY_LOAD_DEBUG_CONTROLS 2
#define ENTRY_IA32E_MODE_GUEST 9
#define ENTRY_TO_SMM 10
#define ENTRY_DEACTIVATE_DUAL_MONITOR 11
#define ENTRY_LOAD_PAT 14
#define ENTRY_LOAD_EFER 15
#define ENTRY_LOAD_BNDCFGS 16

/* Control-register, flag and MSR bits: lib/cpu_bits.h. */
#define DEBUGCTL_BTF (1ull << 1)

/* Segment access rights in the VMCS format: vmx/segments.h. */

/* VM-entry interruption-information field (SDM 25.8.3, Table 25-17). */
#define INTR_INFO_VECTOR(info) ((info) & 0xffu)
#define INTR_INFO_TYPE(info) (((info) >> 8) & 7u)
#define INTR_INFO_DELIVER_ERROR_CODE (1u << 11)
#define INTR_INFO_VALID (1u << 31)
#define INTR_TYPE_EXTERNAL_INTERRUPT 0
#define INTR_TYPE_NMI 2
#define INTR_TYPE_HARDWARE_EXCEPTION 3
#define INTR_TYPE_SOFTWARE_INTERRUPT 4
#define INTR_TYPE_PRIVILEGED_SOFTWARE_EXCEPTION 5
#define INTR_TYPE_SOFTWARE_EXCEPTION 6
#define INTR_TYPE_OTHER_EVENT 7

/* Guest activity and interruptibility states (SDM 25.4.2, Table 25-3). */
#define ACTIVITY_ACTIVE 0
#define ACTIVITY_HLT 1
#define ACTIVITY_SHUTDOWN 2
#define ACTIVITY_WAIT_FOR_SIPI 3
#define BLOCKING_BY_STI (1u << 0)
#define BLOCKING_BY_MOV_SS (1u << 1)
#define BLOCKING_BY_SMI (1u << 2)
#define BLOCKING_BY_NMI (1u << 3)

static inline bool bit_set(uint64_t value, unsigned n)
{
	return (value >> n) & 1;
}

/* Bits 63:width-1 all equal (SDM Vol. 1, 3.3.7.1). */
static inline bool canonical(uint64_t address, unsigned width)
{
	uint64_t upper = address >> (width - 1);

	return upper == 0 || upper == (~0ull >> (width - 1));
}

static inline bool within_maxphyaddr(uint64_t address, unsigned maxphyaddr)
{
	return maxphyaddr >= 64 || (address >> maxphyaddr) == 0;
}

static inline bool is_canonical(const struct vmx_state *s, uint64_t address)
{
	return canonical(address, s->caps.linear_address_width);
}

/* The secondary controls count as 0 unless "activate secondary controls"
 * is set (SDM 25.6.2). */
static inline uint32_t procbased2(const struct vmx_state *s)
{
	return bit_set(s->controls.procbased, PROC_SECONDARY_CONTROLS) ? s->controls.procbased2 : 0;
}

static inline bool unrestricted_guest(const struct vmx_state *s)
{
	return bit_set(procbased2(s), PROC2_UNRESTRICTED_GUEST);
}

static inline bool ia32e_mode_guest(const struct vmx_state *s)
{
	return bit_set(s->controls.entry, ENTRY_IA32E_MODE_GUEST);
}

static inline bool virtual_8086_guest(const struct vmx_state *s)
{
	return s->guest.rflags & RFLAGS_VM;
}

static inline bool injecting(const struct vmx_state *s)
{
	return s->controls.entry_interruption_info & INTR_INFO_VALID;
}

static inline bool injecting_type(const struct vmx_state *s, unsigned type)
{
	return injecting(s) && INTR_INFO_TYPE(s->controls.entry_interruption_info) == type;
}

/* Each byte of IA32_PAT is a memory type WRMSR accepts: 0 UC, 1 WC, 4 WT,
 * 5 WP, 6 WB, 7 UC- (SDM Vol. 3A, 13.12.2). */
static inline bool pat_valid(uint64_t pat)
{
	for (unsigned i = 0; i < 8; i++) {
		unsigned type = (unsigned)(pat >> (8 * i)) & 0xff;

		if (type == 2 || type == 3 || type > 7)
			return false;
	}
	return true;
}

/* Intel's IA32_EFER defines SCE, LME, LMA and NXE; the rest is reserved
 * (SDM Vol. 4, Table 2-2, C000_0080H). */
#define EFER_RESERVED (~(EFER_SCE | EFER_LME | EFER_LMA | EFER_NXE))

/* Adds a field to the violation (silently past VMX_VIOLATION_MAX_FIELDS). */
static inline void involve_as(struct vmx_violation *v, const char *name, uint64_t value,
			      bool decimal)
{
	if (v->count < VMX_VIOLATION_MAX_FIELDS) {
		v->field[v->count].name = name;
		v->field[v->count].value = value;
		v->field[v->count].decimal = decimal;
		v->count++;
	}
}

static inline void involve(struct vmx_violation *v, const char *name, uint64_t value)
{
	involve_as(v, name, value, false);
}

/* A count or a width: printed in decimal. */
static inline void involve_number(struct vmx_violation *v, const char *name, uint64_t value)
{
	involve_as(v, name, value, true);
}

#endif
