/*
 * A software re-check of the VM-entry rules: SDM Vol. 3C, 27.2 "Checks on
 * VMX Controls and Host-State Area" and 27.3.1 "Checks on the Guest State
 * Area".
 *
 * Pure: the caller copies the VMCS fields and the capability MSRs into a
 * struct vmx_state (boot code with VMREAD/RDMSR, or a unit test by hand),
 * and vmx_check() names the first rule the state breaks, in the SDM's
 * order, with the fields involved. It never touches hardware.
 *
 * What it assumes of the processor running VMLAUNCH, as pmuvisor always
 * is: in IA-32e mode (a 64-bit UEFI application) and not in SMM.
 * What it cannot see: memory (the VMCS behind the link pointer, PAE
 * PDPTEs, MSR-list entries), so 27.3.1.6 and 27.4 are not re-checked.
 */
#ifndef VMX_CHECK_H
#define VMX_CHECK_H

#include "lib/format.h"
#include "vmx/caps.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* One segment register as the guest-state area holds it (SDM 25.4.1).
 * access_rights is the VMCS format (Table 25-2): descriptor bits 47:40 in
 * bits 7:0 (type, S, DPL, P), bits 55:52 in bits 15:12 (AVL, L, D/B, G),
 * bit 16 "segment unusable", everything else reserved. */
struct vmx_segment {
	uint16_t selector;
	uint64_t base;
	uint32_t limit;
	uint32_t access_rights;
};

/* Index into vmx_guest_state.segment[]: the order of the VMCS field
 * encodings (SDM Appendix B.1.2). */
enum vmx_segment_register {
	VMX_ES, VMX_CS, VMX_SS, VMX_DS, VMX_FS, VMX_GS, VMX_LDTR, VMX_TR,
	VMX_SEGMENT_COUNT
};

/* VM-execution, VM-exit and VM-entry control fields (SDM 25.6-25.8). */
struct vmx_control_state {
	uint32_t pinbased;   /* pin-based VM-execution controls */
	uint32_t procbased;  /* primary processor-based VM-execution controls */
	uint32_t procbased2; /* secondary; ignored unless procbased bit 31 is set */
	uint32_t exit;       /* VM-exit controls */
	uint32_t entry;      /* VM-entry controls */
	uint32_t cr3_target_count;
	uint64_t io_bitmap_a, io_bitmap_b, msr_bitmap;
	uint64_t ept_pointer;
	uint16_t vpid;
	uint32_t exit_msr_store_count, exit_msr_load_count, entry_msr_load_count;
	uint64_t exit_msr_store_address, exit_msr_load_address, entry_msr_load_address;
	uint32_t entry_interruption_info;
	uint32_t entry_exception_error_code;
	uint32_t entry_instruction_length;
};

/* Host-state area (SDM 25.5). */
struct vmx_host_state {
	uint64_t cr0, cr3, cr4;
	uint16_t es_selector, cs_selector, ss_selector, ds_selector;
	uint16_t fs_selector, gs_selector, tr_selector;
	uint64_t fs_base, gs_base, tr_base, gdtr_base, idtr_base;
	uint64_t sysenter_esp, sysenter_eip;
	uint64_t efer, pat, perf_global_ctrl;
	uint64_t rip;
};

/* Guest-state area (SDM 25.4). */
struct vmx_guest_state {
	uint64_t cr0, cr3, cr4, dr7;
	uint64_t rsp, rip, rflags;
	union {
		struct vmx_segment segment[VMX_SEGMENT_COUNT];
		struct {
			struct vmx_segment es, cs, ss, ds, fs, gs, ldtr, tr;
		};
	};
	uint64_t gdtr_base, idtr_base;
	uint32_t gdtr_limit, idtr_limit;
	uint64_t debugctl, sysenter_esp, sysenter_eip;
	uint64_t efer, pat, perf_global_ctrl, bndcfgs;
	uint32_t activity_state;
	uint32_t interruptibility_state;
	uint64_t pending_debug_exceptions;
	uint64_t vmcs_link_pointer;
};

/* What the processor allows: the rules read these, never CPUID or MSRs. */
struct vmx_check_caps {
	struct vmx_raw msr; /* basic, the control MSRs (TRUE_* if basic bit 55), misc, EPT/VPID */
	uint64_t cr0_fixed0, cr0_fixed1; /* IA32_VMX_CR0_FIXED0/1 */
	uint64_t cr4_fixed0, cr4_fixed1; /* IA32_VMX_CR4_FIXED0/1 */
	unsigned maxphyaddr;             /* CPUID.80000008H:EAX[7:0] */
	unsigned linear_address_width;   /* CPUID.80000008H:EAX[15:8]: 48, or 57 with 5-level paging */
	uint64_t perf_global_ctrl_valid; /* IA32_PERF_GLOBAL_CTRL bits that exist (from CPUID.0AH) */
};

struct vmx_state {
	struct vmx_control_state controls;
	struct vmx_host_state host;
	struct vmx_guest_state guest;
	struct vmx_check_caps caps;
};

/* The fields a broken rule involves, by VMCS field or MSR name. */
#define VMX_VIOLATION_MAX_FIELDS 8

struct vmx_violation {
	unsigned count;
	struct {
		const char *name;
		uint64_t value;
		bool decimal; /* a count or a width, printed in decimal */
	} field[VMX_VIOLATION_MAX_FIELDS];
};

struct vmx_rule {
	const char *id;          /* stable, e.g. "guest.cr0.fixed" */
	const char *section;     /* SDM Vol. 3C section, e.g. "27.3.1.1" */
	const char *description; /* the rule in plain English */
	/* False if the state breaks the rule. May add fields to v either way;
	 * vmx_check() empties v before each rule. */
	bool (*ok)(const struct vmx_state *s, struct vmx_violation *v);
};

/* The first rule the state breaks, in SDM order, with v describing it;
 * NULL (and v empty) if the state passes every rule. */
const struct vmx_rule *vmx_check(const struct vmx_state *s, struct vmx_violation *v);

/* Rule i in checking order, NULL past the last: for listing the rules. */
const struct vmx_rule *vmx_rule_at(size_t i);

/* For a rule vmx_check() returned (never NULL):
 *   VM entry would fail: ID (SDM SECTION): DESCRIPTION
 * then one aligned "  NAME = 0x..." line per involved field (counts and
 * widths in decimal). */
void vmx_check_report(const struct out *o, const struct vmx_rule *r, const struct vmx_violation *v);

#endif
