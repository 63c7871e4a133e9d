/*
 * VM-entry checks on the guest-state area other than the segment
 * registers: SDM Vol. 3C, 27.3.1.1 and 27.3.1.3-27.3.1.5.
 */
#include "vmx/check_rules.h"

/* IA32_DEBUGCTL bits that exist: LBR, BTF, bus-lock detection (2), and
 * 15:6 (SDM Vol. 4, Table 2-2, 1D9H). Bits 5:3 and 63:16 are reserved. */
#define DEBUGCTL_RESERVED (~0xffc7ull)

/* RFLAGS bits 63:22, 15, 5 and 3 are reserved as 0 (SDM Vol. 1, 3.4.3). */
#define RFLAGS_RESERVED 0xffffffffffc08028ull

/* Pending debug exceptions (SDM 25.4.2, Table 25-4): B3-B0, enabled
 * breakpoint (12), BS (14), RTM (16); the rest is reserved. */
#define PENDING_DEBUG_RESERVED 0xfffffffffffeaff0ull
#define PENDING_DEBUG_BS (1ull << 14)

/* Interruptibility state bits 31:5 are reserved (Table 25-3). */
#define INTERRUPTIBILITY_RESERVED 0xffffffe0u

static bool load_debug_controls(const struct vmx_state *s)
{
	return bit_set(s->controls.entry, ENTRY_LOAD_DEBUG_CONTROLS);
}

static bool load_efer(const struct vmx_state *s)
{
	return bit_set(s->controls.entry, ENTRY_LOAD_EFER);
}

/* 27.3.1.1: guest control registers, debug registers and MSRs. */

static bool cr0_fixed(const struct vmx_state *s, struct vmx_violation *v)
{
	uint64_t fixed0 = s->caps.cr0_fixed0;

	/* An unrestricted guest may run unpaged or in real mode. */
	if (unrestricted_guest(s))
		fixed0 &= ~(CR0_PE | CR0_PG);
	involve(v, "GUEST_CR0", s->guest.cr0);
	involve(v, "IA32_VMX_CR0_FIXED0", s->caps.cr0_fixed0);
	involve(v, "IA32_VMX_CR0_FIXED1", s->caps.cr0_fixed1);
	return (s->guest.cr0 & fixed0) == fixed0 && (s->guest.cr0 & ~s->caps.cr0_fixed1) == 0;
}

static bool cr0_pg_pe(const struct vmx_state *s, struct vmx_violation *v)
{
	involve(v, "GUEST_CR0", s->guest.cr0);
	return !(s->guest.cr0 & CR0_PG) || (s->guest.cr0 & CR0_PE);
}

static bool cr4_fixed(const struct vmx_state *s, struct vmx_violation *v)
{
	involve(v, "GUEST_CR4", s->guest.cr4);
	involve(v, "IA32_VMX_CR4_FIXED0", s->caps.cr4_fixed0);
	involve(v, "IA32_VMX_CR4_FIXED1", s->caps.cr4_fixed1);
	return (s->guest.cr4 & s->caps.cr4_fixed0) == s->caps.cr4_fixed0 &&
	       (s->guest.cr4 & ~s->caps.cr4_fixed1) == 0;
}

static bool cr4_cet(const struct vmx_state *s, struct vmx_violation *v)
{
	involve(v, "GUEST_CR0", s->guest.cr0);
	involve(v, "GUEST_CR4", s->guest.cr4);
	return !(s->guest.cr4 & CR4_CET) || (s->guest.cr0 & CR0_WP);
}

static bool debugctl(const struct vmx_state *s, struct vmx_violation *v)
{
	involve(v, "GUEST_IA32_DEBUGCTL", s->guest.debugctl);
	return !load_debug_controls(s) || (s->guest.debugctl & DEBUGCTL_RESERVED) == 0;
}

static bool ia32e_paging(const struct vmx_state *s, struct vmx_violation *v)
{
	involve(v, "GUEST_CR0", s->guest.cr0);
	involve(v, "GUEST_CR4", s->guest.cr4);
	return !ia32e_mode_guest(s) || ((s->guest.cr0 & CR0_PG) && (s->guest.cr4 & CR4_PAE));
}

static bool cr4_pcide(const struct vmx_state *s, struct vmx_violation *v)
{
	involve(v, "GUEST_CR4", s->guest.cr4);
	involve(v, "VM_ENTRY_CONTROLS", s->controls.entry);
	return ia32e_mode_guest(s) || !(s->guest.cr4 & CR4_PCIDE);
}

static bool cr3(const struct vmx_state *s, struct vmx_violation *v)
{
	involve(v, "GUEST_CR3", s->guest.cr3);
	involve_number(v, "MAXPHYADDR", s->caps.maxphyaddr);
	return within_maxphyaddr(s->guest.cr3, s->caps.maxphyaddr);
}

static bool dr7(const struct vmx_state *s, struct vmx_violation *v)
{
	involve(v, "GUEST_DR7", s->guest.dr7);
	return !load_debug_controls(s) || (s->guest.dr7 >> 32) == 0;
}

static bool sysenter(const struct vmx_state *s, struct vmx_violation *v)
{
	involve(v, "GUEST_IA32_SYSENTER_ESP", s->guest.sysenter_esp);
	involve(v, "GUEST_IA32_SYSENTER_EIP", s->guest.sysenter_eip);
	return is_canonical(s, s->guest.sysenter_esp) && is_canonical(s, s->guest.sysenter_eip);
}

static bool perf_global_ctrl(const struct vmx_state *s, struct vmx_violation *v)
{
	involve(v, "GUEST_IA32_PERF_GLOBAL_CTRL", s->guest.perf_global_ctrl);
	involve(v, "implemented bits", s->caps.perf_global_ctrl_valid);
	return !bit_set(s->controls.entry, ENTRY_LOAD_PERF_GLOBAL_CTRL) ||
	       (s->guest.perf_global_ctrl & ~s->caps.perf_global_ctrl_valid) == 0;
}

static bool pat(const struct vmx_state *s, struct vmx_violation *v)
{
	involve(v, "GUEST_IA32_PAT", s->guest.pat);
	return !bit_set(s->controls.entry, ENTRY_LOAD_PAT) || pat_valid(s->guest.pat);
}

static bool efer_reserved(const struct vmx_state *s, struct vmx_violation *v)
{
	involve(v, "GUEST_IA32_EFER", s->guest.efer);
	return !load_efer(s) || (s->guest.efer & EFER_RESERVED) == 0;
}

static bool efer_lma(const struct vmx_state *s, struct vmx_violation *v)
{
	involve(v, "GUEST_IA32_EFER", s->guest.efer);
	involve(v, "VM_ENTRY_CONTROLS", s->controls.entry);
	return !load_efer(s) || ((s->guest.efer & EFER_LMA) != 0) == ia32e_mode_guest(s);
}

static bool efer_lme(const struct vmx_state *s, struct vmx_violation *v)
{
	involve(v, "GUEST_IA32_EFER", s->guest.efer);
	involve(v, "GUEST_CR0", s->guest.cr0);
	return !load_efer(s) || !(s->guest.cr0 & CR0_PG) ||
	       ((s->guest.efer & EFER_LMA) != 0) == ((s->guest.efer & EFER_LME) != 0);
}

/* IA32_BNDCFGS: bits 11:2 reserved, bits 63:12 a linear address (SDM Vol. 1, 17.3.3). */
static bool bndcfgs(const struct vmx_state *s, struct vmx_violation *v)
{
	involve(v, "GUEST_IA32_BNDCFGS", s->guest.bndcfgs);
	return !bit_set(s->controls.entry, ENTRY_LOAD_BNDCFGS) ||
	       ((s->guest.bndcfgs & 0xffc) == 0 && is_canonical(s, s->guest.bndcfgs & ~0xfffull));
}

const struct vmx_rule vmx_guest_register_rules[] = {
	{ "guest.cr0.fixed", "27.3.1.1",
	  "guest CR0 must have every bit of IA32_VMX_CR0_FIXED0 set and no bit outside "
	  "IA32_VMX_CR0_FIXED1 (unrestricted guest exempts PE and PG)",
	  cr0_fixed },
	{ "guest.cr0.pg_pe", "27.3.1.1",
	  "guest CR0.PG requires CR0.PE",
	  cr0_pg_pe },
	{ "guest.cr4.fixed", "27.3.1.1",
	  "guest CR4 must have every bit of IA32_VMX_CR4_FIXED0 set and no bit outside "
	  "IA32_VMX_CR4_FIXED1",
	  cr4_fixed },
	{ "guest.cr4.cet", "27.3.1.1",
	  "guest CR4.CET requires CR0.WP",
	  cr4_cet },
	{ "guest.debugctl", "27.3.1.1",
	  "with \"load debug controls\", guest IA32_DEBUGCTL bits 63:16 and 5:3 must be 0",
	  debugctl },
	{ "guest.ia32e.paging", "27.3.1.1",
	  "an IA-32e mode guest needs CR0.PG and CR4.PAE",
	  ia32e_paging },
	{ "guest.cr4.pcide", "27.3.1.1",
	  "guest CR4.PCIDE requires an IA-32e mode guest",
	  cr4_pcide },
	{ "guest.cr3", "27.3.1.1",
	  "guest CR3 bits from MAXPHYADDR up must be 0",
	  cr3 },
	{ "guest.dr7", "27.3.1.1",
	  "with \"load debug controls\", guest DR7 bits 63:32 must be 0",
	  dr7 },
	{ "guest.sysenter", "27.3.1.1",
	  "guest IA32_SYSENTER_ESP and IA32_SYSENTER_EIP must be canonical",
	  sysenter },
	{ "guest.perf_global_ctrl", "27.3.1.1",
	  "with \"load IA32_PERF_GLOBAL_CTRL\" on entry, the guest value must set only bits the "
	  "PMU implements",
	  perf_global_ctrl },
	{ "guest.pat", "27.3.1.1",
	  "with \"load IA32_PAT\" on entry, each byte of the guest IA32_PAT must be 0, 1, 4, 5, 6 "
	  "or 7",
	  pat },
	{ "guest.efer.reserved", "27.3.1.1",
	  "with \"load IA32_EFER\" on entry, the guest IA32_EFER may set only SCE, LME, LMA and "
	  "NXE",
	  efer_reserved },
	{ "guest.efer.lma", "27.3.1.1",
	  "with \"load IA32_EFER\" on entry, guest EFER.LMA must equal \"IA-32e mode guest\"",
	  efer_lma },
	{ "guest.efer.lme", "27.3.1.1",
	  "with \"load IA32_EFER\" on entry and guest CR0.PG set, EFER.LME must equal EFER.LMA",
	  efer_lme },
	{ "guest.bndcfgs", "27.3.1.1",
	  "with \"load IA32_BNDCFGS\", guest IA32_BNDCFGS bits 11:2 must be 0 and its base "
	  "canonical",
	  bndcfgs },
};

const size_t vmx_guest_register_rule_count =
	sizeof(vmx_guest_register_rules) / sizeof(vmx_guest_register_rules[0]);

/* 27.3.1.3: descriptor-table registers. */

static bool descriptor_table_base(const struct vmx_state *s, struct vmx_violation *v)
{
	involve(v, "GUEST_GDTR_BASE", s->guest.gdtr_base);
	involve(v, "GUEST_IDTR_BASE", s->guest.idtr_base);
	return is_canonical(s, s->guest.gdtr_base) && is_canonical(s, s->guest.idtr_base);
}

static bool descriptor_table_limit(const struct vmx_state *s, struct vmx_violation *v)
{
	involve(v, "GUEST_GDTR_LIMIT", s->guest.gdtr_limit);
	involve(v, "GUEST_IDTR_LIMIT", s->guest.idtr_limit);
	return (s->guest.gdtr_limit >> 16) == 0 && (s->guest.idtr_limit >> 16) == 0;
}

/* 27.3.1.4: RIP and RFLAGS. */

static bool in_64bit_code(const struct vmx_state *s)
{
	return ia32e_mode_guest(s) && (s->guest.cs.access_rights & AR_L);
}

static bool rip_upper(const struct vmx_state *s, struct vmx_violation *v)
{
	involve(v, "GUEST_RIP", s->guest.rip);
	involve(v, "GUEST_CS_ACCESS_RIGHTS", s->guest.cs.access_rights);
	involve(v, "VM_ENTRY_CONTROLS", s->controls.entry);
	return in_64bit_code(s) || (s->guest.rip >> 32) == 0;
}

static bool rip_canonical(const struct vmx_state *s, struct vmx_violation *v)
{
	involve(v, "GUEST_RIP", s->guest.rip);
	return !in_64bit_code(s) || is_canonical(s, s->guest.rip);
}

static bool rflags_reserved(const struct vmx_state *s, struct vmx_violation *v)
{
	involve(v, "GUEST_RFLAGS", s->guest.rflags);
	return (s->guest.rflags & RFLAGS_RESERVED) == 0 && (s->guest.rflags & RFLAGS_FIXED1);
}

static bool rflags_vm(const struct vmx_state *s, struct vmx_violation *v)
{
	involve(v, "GUEST_RFLAGS", s->guest.rflags);
	involve(v, "GUEST_CR0", s->guest.cr0);
	involve(v, "VM_ENTRY_CONTROLS", s->controls.entry);
	return !virtual_8086_guest(s) || (!ia32e_mode_guest(s) && (s->guest.cr0 & CR0_PE));
}

static bool rflags_if(const struct vmx_state *s, struct vmx_violation *v)
{
	involve(v, "GUEST_RFLAGS", s->guest.rflags);
	involve(v, "VM_ENTRY_INTERRUPTION_INFO", s->controls.entry_interruption_info);
	return !injecting_type(s, INTR_TYPE_EXTERNAL_INTERRUPT) || (s->guest.rflags & RFLAGS_IF);
}

/* 27.3.1.5: non-register state. */

static bool activity_supported(const struct vmx_state *s, struct vmx_violation *v)
{
	uint32_t state = s->guest.activity_state;

	involve_number(v, "GUEST_ACTIVITY_STATE", state);
	involve(v, "IA32_VMX_MISC", s->caps.msr.misc);
	/* IA32_VMX_MISC bits 6, 7, 8: HLT, shutdown, wait-for-SIPI (A.6). */
	return state == ACTIVITY_ACTIVE ||
	       (state <= ACTIVITY_WAIT_FOR_SIPI && bit_set(s->caps.msr.misc, 5 + state));
}

static bool activity_hlt_dpl(const struct vmx_state *s, struct vmx_violation *v)
{
	involve_number(v, "GUEST_ACTIVITY_STATE", s->guest.activity_state);
	involve(v, "GUEST_SS_ACCESS_RIGHTS", s->guest.ss.access_rights);
	return s->guest.activity_state != ACTIVITY_HLT || AR_DPL(s->guest.ss.access_rights) == 0;
}

static bool activity_blocking(const struct vmx_state *s, struct vmx_violation *v)
{
	involve_number(v, "GUEST_ACTIVITY_STATE", s->guest.activity_state);
	involve(v, "GUEST_INTERRUPTIBILITY_STATE", s->guest.interruptibility_state);
	return s->guest.activity_state == ACTIVITY_ACTIVE ||
	       !(s->guest.interruptibility_state & (BLOCKING_BY_STI | BLOCKING_BY_MOV_SS));
}

/* The events each activity state lets through: any vector of the listed
 * interruption types, and hardware exceptions with the listed vectors. */
static const struct {
	uint8_t types;
	uint32_t exception_vectors;
} injectable[] = {
	[ACTIVITY_ACTIVE] = { 0xff, 0xffffffff },
	[ACTIVITY_HLT] = { 1u << INTR_TYPE_EXTERNAL_INTERRUPT | 1u << INTR_TYPE_NMI |
			   1u << INTR_TYPE_OTHER_EVENT, 1u << 1 | 1u << 18 },  /* #DB, #MC, MTF */
	[ACTIVITY_SHUTDOWN] = { 1u << INTR_TYPE_NMI, 1u << 18 },          /* NMI, #MC */
	[ACTIVITY_WAIT_FOR_SIPI] = { 0, 0 },
};

static bool activity_injection(const struct vmx_state *s, struct vmx_violation *v)
{
	uint32_t info = s->controls.entry_interruption_info;
	uint32_t state = s->guest.activity_state;
	unsigned type = INTR_INFO_TYPE(info);

	involve_number(v, "GUEST_ACTIVITY_STATE", state);
	involve(v, "VM_ENTRY_INTERRUPTION_INFO", info);
	if (!injecting(s) || state > ACTIVITY_WAIT_FOR_SIPI)
		return true;
	return bit_set(injectable[state].types, type) ||
	       (type == INTR_TYPE_HARDWARE_EXCEPTION && INTR_INFO_VECTOR(info) < 32 &&
		bit_set(injectable[state].exception_vectors, INTR_INFO_VECTOR(info)));
}

static bool interruptibility_reserved(const struct vmx_state *s, struct vmx_violation *v)
{
	involve(v, "GUEST_INTERRUPTIBILITY_STATE", s->guest.interruptibility_state);
	return (s->guest.interruptibility_state & INTERRUPTIBILITY_RESERVED) == 0;
}

static bool interruptibility_sti_mov_ss(const struct vmx_state *s, struct vmx_violation *v)
{
	uint32_t both = BLOCKING_BY_STI | BLOCKING_BY_MOV_SS;

	involve(v, "GUEST_INTERRUPTIBILITY_STATE", s->guest.interruptibility_state);
	return (s->guest.interruptibility_state & both) != both;
}

static bool interruptibility_sti_if(const struct vmx_state *s, struct vmx_violation *v)
{
	involve(v, "GUEST_INTERRUPTIBILITY_STATE", s->guest.interruptibility_state);
	involve(v, "GUEST_RFLAGS", s->guest.rflags);
	return !(s->guest.interruptibility_state & BLOCKING_BY_STI) || (s->guest.rflags & RFLAGS_IF);
}

static bool interruptibility_external(const struct vmx_state *s, struct vmx_violation *v)
{
	involve(v, "GUEST_INTERRUPTIBILITY_STATE", s->guest.interruptibility_state);
	involve(v, "VM_ENTRY_INTERRUPTION_INFO", s->controls.entry_interruption_info);
	return !injecting_type(s, INTR_TYPE_EXTERNAL_INTERRUPT) ||
	       !(s->guest.interruptibility_state & (BLOCKING_BY_STI | BLOCKING_BY_MOV_SS));
}

/* The SDM requires no blocking by MOV SS; with blocking by STI, entry may
 * fail or not depending on the model (Bochs fails it), so both count. */
static bool interruptibility_nmi(const struct vmx_state *s, struct vmx_violation *v)
{
	involve(v, "GUEST_INTERRUPTIBILITY_STATE", s->guest.interruptibility_state);
	involve(v, "VM_ENTRY_INTERRUPTION_INFO", s->controls.entry_interruption_info);
	return !injecting_type(s, INTR_TYPE_NMI) ||
	       !(s->guest.interruptibility_state & (BLOCKING_BY_STI | BLOCKING_BY_MOV_SS));
}

static bool interruptibility_smi(const struct vmx_state *s, struct vmx_violation *v)
{
	involve(v, "GUEST_INTERRUPTIBILITY_STATE", s->guest.interruptibility_state);
	return !(s->guest.interruptibility_state & BLOCKING_BY_SMI);
}

static bool interruptibility_virtual_nmi(const struct vmx_state *s, struct vmx_violation *v)
{
	involve(v, "GUEST_INTERRUPTIBILITY_STATE", s->guest.interruptibility_state);
	involve(v, "VM_ENTRY_INTERRUPTION_INFO", s->controls.entry_interruption_info);
	involve(v, "PIN_BASED_CONTROLS", s->controls.pinbased);
	return !bit_set(s->controls.pinbased, PIN_VIRTUAL_NMIS) || !injecting_type(s, INTR_TYPE_NMI) ||
	       !(s->guest.interruptibility_state & BLOCKING_BY_NMI);
}

static bool pending_debug_reserved(const struct vmx_state *s, struct vmx_violation *v)
{
	involve(v, "GUEST_PENDING_DEBUG_EXCEPTIONS", s->guest.pending_debug_exceptions);
	return (s->guest.pending_debug_exceptions & PENDING_DEBUG_RESERVED) == 0;
}

/* While STI/MOV SS blocking or HLT holds a single-step trap back, BS says
 * whether one is pending: exactly when RFLAGS.TF = 1 and DEBUGCTL.BTF = 0. */
static bool pending_debug_bs(const struct vmx_state *s, struct vmx_violation *v)
{
	bool held = (s->guest.interruptibility_state & (BLOCKING_BY_STI | BLOCKING_BY_MOV_SS)) ||
		    s->guest.activity_state == ACTIVITY_HLT;
	bool single_step = (s->guest.rflags & RFLAGS_TF) && !(s->guest.debugctl & DEBUGCTL_BTF);
	bool bs = s->guest.pending_debug_exceptions & PENDING_DEBUG_BS;

	involve(v, "GUEST_PENDING_DEBUG_EXCEPTIONS", s->guest.pending_debug_exceptions);
	involve(v, "GUEST_RFLAGS", s->guest.rflags);
	involve(v, "GUEST_IA32_DEBUGCTL", s->guest.debugctl);
	involve(v, "GUEST_INTERRUPTIBILITY_STATE", s->guest.interruptibility_state);
	involve_number(v, "GUEST_ACTIVITY_STATE", s->guest.activity_state);
	return !held || bs == single_step;
}

static bool link_pointer_address(const struct vmx_state *s, struct vmx_violation *v)
{
	uint64_t link = s->guest.vmcs_link_pointer;

	involve(v, "VMCS_LINK_POINTER", link);
	involve_number(v, "MAXPHYADDR", s->caps.maxphyaddr);
	return link == ~0ull || ((link & 0xfff) == 0 && within_maxphyaddr(link, s->caps.maxphyaddr));
}

static bool link_pointer_unused(const struct vmx_state *s, struct vmx_violation *v)
{
	involve(v, "VMCS_LINK_POINTER", s->guest.vmcs_link_pointer);
	involve(v, "SECONDARY_PROCESSOR_BASED_CONTROLS", s->controls.procbased2);
	return s->guest.vmcs_link_pointer == ~0ull || bit_set(procbased2(s), PROC2_VMCS_SHADOWING);
}

const struct vmx_rule vmx_guest_other_rules[] = {
	{ "guest.descriptor_table.base", "27.3.1.3",
	  "guest GDTR and IDTR bases must be canonical",
	  descriptor_table_base },
	{ "guest.descriptor_table.limit", "27.3.1.3",
	  "guest GDTR and IDTR limit bits 31:16 must be 0",
	  descriptor_table_limit },
	{ "guest.rip.upper", "27.3.1.4",
	  "guest RIP bits 63:32 must be 0 unless the guest is IA-32e mode with CS.L = 1",
	  rip_upper },
	{ "guest.rip.canonical", "27.3.1.4",
	  "in an IA-32e mode guest with CS.L = 1, RIP must be canonical",
	  rip_canonical },
	{ "guest.rflags.reserved", "27.3.1.4",
	  "guest RFLAGS bit 1 must be 1 and bits 63:22, 15, 5 and 3 must be 0",
	  rflags_reserved },
	{ "guest.rflags.vm", "27.3.1.4",
	  "guest RFLAGS.VM must be 0 in an IA-32e mode guest or with CR0.PE = 0",
	  rflags_vm },
	{ "guest.rflags.if", "27.3.1.4",
	  "injecting an external interrupt requires guest RFLAGS.IF = 1",
	  rflags_if },
	{ "guest.activity.supported", "27.3.1.5",
	  "the activity state must be active, or HLT, shutdown or wait-for-SIPI where "
	  "IA32_VMX_MISC bits 6-8 offer it",
	  activity_supported },
	{ "guest.activity.hlt_dpl", "27.3.1.5",
	  "the HLT activity state requires SS.DPL = 0",
	  activity_hlt_dpl },
	{ "guest.activity.blocking", "27.3.1.5",
	  "blocking by STI or by MOV SS requires the active state",
	  activity_blocking },
	{ "guest.activity.injection", "27.3.1.5",
	  "an injected event must be one the activity state lets through (HLT: external, NMI, #DB, "
	  "#MC, MTF; "
	  "shutdown: NMI, #MC; wait-for-SIPI: none)",
	  activity_injection },
	{ "guest.interruptibility.reserved", "27.3.1.5",
	  "interruptibility-state bits 31:5 must be 0",
	  interruptibility_reserved },
	{ "guest.interruptibility.sti_mov_ss", "27.3.1.5",
	  "blocking by STI and blocking by MOV SS must not both be set",
	  interruptibility_sti_mov_ss },
	{ "guest.interruptibility.sti_if", "27.3.1.5",
	  "blocking by STI requires guest RFLAGS.IF = 1",
	  interruptibility_sti_if },
	{ "guest.interruptibility.external", "27.3.1.5",
	  "injecting an external interrupt requires no blocking by STI or MOV SS",
	  interruptibility_external },
	{ "guest.interruptibility.nmi", "27.3.1.5",
	  "injecting an NMI requires no blocking by MOV SS, nor by STI (which fails on some models)",
	  interruptibility_nmi },
	{ "guest.interruptibility.smi", "27.3.1.5",
	  "outside SMM, blocking by SMI must be 0",
	  interruptibility_smi },
	{ "guest.interruptibility.virtual_nmi", "27.3.1.5",
	  "with \"virtual NMIs\", injecting an NMI requires no blocking by NMI",
	  interruptibility_virtual_nmi },
	{ "guest.pending_debug.reserved", "27.3.1.5",
	  "pending debug exceptions bits 63:17, 15, 13 and 11:4 must be 0",
	  pending_debug_reserved },
	{ "guest.pending_debug.bs", "27.3.1.5",
	  "with blocking by STI or MOV SS, or in HLT, pending BS must be 1 exactly when RFLAGS.TF "
	  "= 1 and DEBUGCTL.BTF = 0",
	  pending_debug_bs },
	{ "guest.vmcs_link_pointer.address", "27.3.1.5",
	  "a VMCS link pointer other than FFFFFFFF_FFFFFFFFH must be 4-KByte aligned and below "
	  "MAXPHYADDR",
	  link_pointer_address },
	{ "guest.vmcs_link_pointer.unused", "27.3.1.5",
	  "without VMCS shadowing the link pointer must be FFFFFFFF_FFFFFFFFH "
	  "(anything else names a VMCS whose revision this checker cannot read)",
	  link_pointer_unused },
};

const size_t vmx_guest_other_rule_count =
	sizeof(vmx_guest_other_rules) / sizeof(vmx_guest_other_rules[0]);
