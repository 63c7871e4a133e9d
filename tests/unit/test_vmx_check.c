/*
 * vmx/check*.c: the software re-check of the VM-entry rules, SDM Vol. 3C
 * 27.2 and 27.3.1.
 *
 * One valid state (a 64-bit guest as UEFI firmware leaves it, controls
 * computed by hand from the Bochs Skylake-X capability MSRs) must pass.
 * Every case below changes one thing in it: a FAILS case must trip
 * exactly its rule first; a PASSES case is an exemption or a boundary the
 * rule allows, and the whole state must still pass.
 */
#include "unit.h"

#include "vmx/check.h"
#include "vmx/check_rules.h"
#include "cpu_fixtures.h"

#define BIT(n) (1ull << (n))
#define NONCANONICAL 0x0000800000000000ull /* first address past 47:0 */

/* Descriptor access rights in the VMCS format, as UEFI firmware uses them. */
#define AR_CODE64 0xa09b    /* G, L, P, S, type 11 (execute/read, accessed) */
#define AR_DATA 0xc093      /* G, D/B, P, S, type 3 (read/write, accessed) */
#define AR_BUSY_TSS 0x008b  /* P, type 11 (busy 32/64-bit TSS) */
#define AR_LDT 0x0082       /* P, type 2 */
#define PAT_DEFAULT 0x0007040600070406ull

static void valid_state(struct vmx_state *s)
{
	memset(s, 0, sizeof(*s));

	/* What the CPU allows. The FIXED MSRs are not in cpu_fixtures.h:
	 * CR0 must keep PE, NE and PG, CR4 must keep VMXE (typical values). */
	s->caps.msr = bochs_skylake_x;
	s->caps.cr0_fixed0 = 0x80000021;
	s->caps.cr0_fixed1 = 0xffffffff;
	s->caps.cr4_fixed0 = 0x2000;
	s->caps.cr4_fixed1 = 0x3727ff;
	s->caps.maxphyaddr = 39;
	s->caps.linear_address_width = 48;
	s->caps.perf_global_ctrl_valid = 0x70000000full; /* 4 general, 3 fixed counters */

	/* Controls: the must-be-1 halves of the Bochs MSRs plus what pmuvisor uses. */
	s->controls.pinbased = 0x16 | BIT(PIN_NMI_EXITING) | BIT(PIN_VIRTUAL_NMIS);
	s->controls.procbased = 0x0401e172 | BIT(PROC_USE_MSR_BITMAPS) | BIT(PROC_SECONDARY_CONTROLS);
	s->controls.procbased2 = BIT(PROC2_ENABLE_EPT) | BIT(3) /* RDTSCP */ | BIT(PROC2_ENABLE_VPID) |
				 BIT(PROC2_UNRESTRICTED_GUEST) | BIT(12) /* INVPCID */;
	s->controls.exit = 0x36dff | BIT(EXIT_HOST_ADDRESS_SPACE_SIZE) | BIT(EXIT_LOAD_PERF_GLOBAL_CTRL) |
			   BIT(18) /* save PAT */ | BIT(EXIT_LOAD_PAT) | BIT(20) /* save EFER */ |
			   BIT(EXIT_LOAD_EFER);
	s->controls.entry = 0x11ff | BIT(ENTRY_IA32E_MODE_GUEST) | BIT(ENTRY_LOAD_PERF_GLOBAL_CTRL) |
			    BIT(ENTRY_LOAD_PAT) | BIT(ENTRY_LOAD_EFER);
	s->controls.msr_bitmap = 0x7f002000;
	s->controls.ept_pointer = 0x7f003000 | 6 /* WB */ | 3 << 3 /* 4-level */ | BIT(6) /* A/D */;
	s->controls.vpid = 1;
	s->controls.exit_msr_store_count = 1; /* IA32_PERF_GLOBAL_CTRL: no "save" control */
	s->controls.exit_msr_store_address = 0x7f004000;

	s->host.cr0 = 0x80010033;
	s->host.cr3 = 0x7f005000;
	s->host.cr4 = 0x2668;
	s->host.cs_selector = 0x38;
	s->host.es_selector = s->host.ss_selector = s->host.ds_selector = 0x30;
	s->host.fs_selector = s->host.gs_selector = 0x30;
	s->host.tr_selector = 0x40;
	s->host.tr_base = 0x7f006000;
	s->host.gdtr_base = 0x7f007000;
	s->host.idtr_base = 0x7f008000;
	s->host.efer = EFER_LME | EFER_LMA | EFER_NXE;
	s->host.pat = PAT_DEFAULT;
	s->host.rip = 0x7f010000;

	s->guest.cr0 = 0x80010033; /* PG WP NE ET MP PE */
	s->guest.cr3 = 0x7f001000;
	s->guest.cr4 = 0x2668;     /* VMXE OSXMMEXCPT OSFXSR MCE PAE DE */
	s->guest.dr7 = 0x400;
	s->guest.rsp = 0x7fe00000;
	s->guest.rip = 0x7f800000;
	s->guest.rflags = 0x2;
	s->guest.cs = (struct vmx_segment){ 0x38, 0, 0xffffffff, AR_CODE64 };
	s->guest.es = s->guest.ss = s->guest.ds = (struct vmx_segment){ 0x30, 0, 0xffffffff, AR_DATA };
	s->guest.fs = s->guest.gs = (struct vmx_segment){ 0x30, 0, 0xffffffff, AR_DATA };
	s->guest.tr = (struct vmx_segment){ 0, 0, 0x67, AR_BUSY_TSS };
	s->guest.ldtr = (struct vmx_segment){ 0, 0, 0, AR_UNUSABLE };
	s->guest.gdtr_base = 0x7f900000;
	s->guest.gdtr_limit = 0x47;
	s->guest.idtr_base = 0x7f901000;
	s->guest.idtr_limit = 0xfff;
	s->guest.efer = EFER_LME | EFER_LMA | EFER_NXE;
	s->guest.pat = PAT_DEFAULT;
	s->guest.activity_state = ACTIVITY_ACTIVE;
	s->guest.vmcs_link_pointer = ~0ull;
}

/* Other valid starting points, each built from the baseline. */

static void without_unrestricted_guest(struct vmx_state *s)
{
	s->controls.procbased2 &= ~BIT(PROC2_UNRESTRICTED_GUEST);
}

/* Real mode, as only an unrestricted guest may run it. */
static void real_mode(struct vmx_state *s)
{
	s->controls.entry &= ~BIT(ENTRY_IA32E_MODE_GUEST);
	s->guest.cr0 &= ~(CR0_PE | CR0_PG);
	s->guest.efer = 0;
	s->guest.cs = (struct vmx_segment){ 0xf000, 0xf0000, 0xffff, 0x93 };
	s->guest.es = s->guest.ss = s->guest.ds = (struct vmx_segment){ 0, 0, 0xffff, 0x93 };
	s->guest.fs = s->guest.gs = (struct vmx_segment){ 0, 0, 0xffff, 0x93 };
	s->guest.rip = 0xfff0;
}

/* 32-bit protected mode with PAE paging. */
static void protected_mode_32bit(struct vmx_state *s)
{
	s->controls.entry &= ~BIT(ENTRY_IA32E_MODE_GUEST);
	s->guest.efer = 0;
	s->guest.cs.access_rights = 0xc09b; /* D/B = 1, L = 0 */
}

static void virtual_8086_mode(struct vmx_state *s)
{
	static const enum vmx_segment_register regs[] = { VMX_ES, VMX_CS, VMX_SS, VMX_DS, VMX_FS, VMX_GS };

	protected_mode_32bit(s);
	s->guest.rflags |= RFLAGS_VM;
	for (size_t i = 0; i < sizeof(regs) / sizeof(regs[0]); i++)
		s->guest.segment[regs[i]] = (struct vmx_segment){ 0x1000, 0x10000, 0xffff, 0xf3 };
	s->guest.cs.selector = 0xf000;
	s->guest.cs.base = 0xf0000;
}

/* A 64-bit guest stopped at CPL 3. */
static void ring3(struct vmx_state *s)
{
	s->guest.cs.selector = 0x3b;
	s->guest.cs.access_rights = AR_CODE64 | 3 << 5;
	s->guest.ss.selector = 0x33;
	s->guest.ss.access_rights = AR_DATA | 3 << 5;
}

static void usable_ldtr(struct vmx_state *s)
{
	s->guest.ldtr = (struct vmx_segment){ 0x50, 0x7f00d000, 0xffff, AR_LDT };
}

static void inject(struct vmx_state *s, unsigned type, unsigned vector)
{
	s->controls.entry_interruption_info = INTR_INFO_VALID | type << 8 | vector;
}

static void inject_with_error_code(struct vmx_state *s, unsigned type, unsigned vector,
				   uint32_t code)
{
	inject(s, type, vector);
	s->controls.entry_interruption_info |= INTR_INFO_DELIVER_ERROR_CODE;
	s->controls.entry_exception_error_code = code;
}

static void inject_external_interrupt(struct vmx_state *s)
{
	inject(s, INTR_TYPE_EXTERNAL_INTERRUPT, 0x20);
	s->guest.rflags |= RFLAGS_IF;
}

static void allow_monitor_trap_flag(struct vmx_state *s)
{
	s->caps.msr.true_procbased |= BIT(32 + PROC_MONITOR_TRAP_FLAG);
}

static void load_bndcfgs(struct vmx_state *s)
{
	s->caps.msr.true_entry |= BIT(32 + ENTRY_LOAD_BNDCFGS);
	s->controls.entry |= BIT(ENTRY_LOAD_BNDCFGS);
}

/* The real Skylake lets TRUE controls clear default-1 bits Bochs keeps. */
static void on_core_i7_6700k(struct vmx_state *s)
{
	s->caps.msr = core_i7_6700k;
}

#define FAILS true
#define PASSES false

/* X(name, rule, FAILS or PASSES, change to the valid state...) */
#define CASES(X)                                                                                   \
	/* 27.2.1.1 VM-execution control fields */                                                 \
	X(pin_default1_clear, "controls.pinbased.reserved", FAILS, s->controls.pinbased &= ~BIT(1))  \
	X(pin_unsupported_bit, "controls.pinbased.reserved", FAILS, s->controls.pinbased |= BIT(7))  \
	X(proc_default1_clear, "controls.procbased.reserved", FAILS, s->controls.procbased &= ~BIT(1)) \
	X(proc_monitor_trap_flag_unsupported, "controls.procbased.reserved", FAILS,                  \
	  s->controls.procbased |= BIT(PROC_MONITOR_TRAP_FLAG))                                       \
	X(proc_true_msr_lets_cr3_exiting_go, "controls.procbased.reserved", PASSES,                  \
	  on_core_i7_6700k(s); s->controls.procbased &= ~(BIT(15) | BIT(16)))                        \
	X(proc_plain_msr_keeps_cr3_exiting, "controls.procbased.reserved", FAILS,                    \
	  on_core_i7_6700k(s); s->caps.msr.basic &= ~BIT(55);                                        \
	  s->controls.procbased &= ~(BIT(15) | BIT(16)))                                             \
	X(proc2_unsupported_bit, "controls.procbased2.reserved", FAILS,                              \
	  s->controls.procbased2 |= BIT(15))                                                         \
	X(proc2_ignored_without_activate_secondary, "controls.procbased2.reserved", PASSES,          \
	  s->controls.procbased &= ~BIT(PROC_SECONDARY_CONTROLS); s->controls.procbased2 = ~0u)       \
	X(cr3_target_count_5, "controls.cr3_target_count", FAILS, s->controls.cr3_target_count = 5)  \
	X(cr3_target_count_4, "controls.cr3_target_count", PASSES, s->controls.cr3_target_count = 4) \
	X(io_bitmap_b_unaligned, "controls.io_bitmaps", FAILS,                                       \
	  s->controls.procbased |= BIT(PROC_USE_IO_BITMAPS); s->controls.io_bitmap_a = 0x7f009000;   \
	  s->controls.io_bitmap_b = 0x7f00a800)                                                      \
	X(io_bitmap_a_beyond_maxphyaddr, "controls.io_bitmaps", FAILS,                               \
	  s->controls.procbased |= BIT(PROC_USE_IO_BITMAPS); s->controls.io_bitmap_a = BIT(39);      \
	  s->controls.io_bitmap_b = 0x7f00a000)                                                      \
	X(io_bitmaps_unused, "controls.io_bitmaps", PASSES, s->controls.io_bitmap_a = 0x123)         \
	X(msr_bitmap_unaligned, "controls.msr_bitmap", FAILS, s->controls.msr_bitmap |= 0x10)        \
	X(msr_bitmap_beyond_maxphyaddr, "controls.msr_bitmap", FAILS, s->controls.msr_bitmap = BIT(39)) \
	X(msr_bitmap_unused, "controls.msr_bitmap", PASSES,                                          \
	  s->controls.procbased &= ~BIT(PROC_USE_MSR_BITMAPS); s->controls.msr_bitmap = 0x123)       \
	X(virtual_nmis_without_nmi_exiting, "controls.virtual_nmis", FAILS,                          \
	  s->controls.pinbased &= ~BIT(PIN_NMI_EXITING))                                             \
	X(nmi_window_without_virtual_nmis, "controls.nmi_window", FAILS,                             \
	  s->controls.pinbased &= ~(BIT(PIN_NMI_EXITING) | BIT(PIN_VIRTUAL_NMIS));                   \
	  s->controls.procbased |= BIT(PROC_NMI_WINDOW_EXITING))                                     \
	X(nmi_window_with_virtual_nmis, "controls.nmi_window", PASSES,                               \
	  s->controls.procbased |= BIT(PROC_NMI_WINDOW_EXITING))                                     \
	X(vpid_zero, "controls.vpid", FAILS, s->controls.vpid = 0)                                   \
	X(vpid_zero_when_disabled, "controls.vpid", PASSES,                                          \
	  s->controls.procbased2 &= ~BIT(PROC2_ENABLE_VPID); s->controls.vpid = 0)                   \
	X(ept_write_combining, "controls.ept_pointer.memory_type", FAILS,                            \
	  s->controls.ept_pointer = (s->controls.ept_pointer & ~7ull) | 1)                           \
	X(ept_write_back_unsupported, "controls.ept_pointer.memory_type", FAILS,                     \
	  s->caps.msr.ept_vpid_cap &= ~BIT(14))                                                      \
	X(ept_uncacheable, "controls.ept_pointer.memory_type", PASSES,                               \
	  s->controls.ept_pointer &= ~7ull)                                                          \
	X(ept_3_level_walk, "controls.ept_pointer.walk_length", FAILS,                               \
	  s->controls.ept_pointer = (s->controls.ept_pointer & ~0x38ull) | 2 << 3)                   \
	X(ept_5_level_walk_unsupported, "controls.ept_pointer.walk_length", FAILS,                   \
	  s->controls.ept_pointer = (s->controls.ept_pointer & ~0x38ull) | 4 << 3)                   \
	X(ept_5_level_walk_supported, "controls.ept_pointer.walk_length", PASSES,                    \
	  s->caps.msr.ept_vpid_cap |= BIT(7);                                                        \
	  s->controls.ept_pointer = (s->controls.ept_pointer & ~0x38ull) | 4 << 3)                   \
	X(ept_accessed_dirty_unsupported, "controls.ept_pointer.accessed_dirty", FAILS,              \
	  s->caps.msr.ept_vpid_cap &= ~BIT(21))                                                      \
	X(ept_accessed_dirty_off, "controls.ept_pointer.accessed_dirty", PASSES,                     \
	  s->caps.msr.ept_vpid_cap &= ~BIT(21); s->controls.ept_pointer &= ~BIT(6))                  \
	X(ept_bit_7, "controls.ept_pointer.reserved", FAILS, s->controls.ept_pointer |= BIT(7))      \
	X(ept_beyond_maxphyaddr, "controls.ept_pointer.reserved", FAILS,                             \
	  s->controls.ept_pointer |= BIT(39))                                                        \
	X(unrestricted_guest_without_ept, "controls.unrestricted_guest", FAILS,                      \
	  s->controls.procbased2 &= ~BIT(PROC2_ENABLE_EPT))                                          \
	X(neither_ept_nor_unrestricted_guest, "controls.unrestricted_guest", PASSES,                 \
	  s->controls.procbased2 &= ~(BIT(PROC2_ENABLE_EPT) | BIT(PROC2_UNRESTRICTED_GUEST)))       \
	/* 27.2.1.2 VM-exit control fields */                                                      \
	X(exit_default1_clear, "controls.exit.reserved", FAILS, s->controls.exit &= ~BIT(0))         \
	X(exit_unsupported_bit, "controls.exit.reserved", FAILS, s->controls.exit |= BIT(23))        \
	X(save_timer_without_timer, "controls.preemption_timer", FAILS,                              \
	  s->controls.exit |= BIT(EXIT_SAVE_PREEMPTION_TIMER))                                       \
	X(save_timer_with_timer, "controls.preemption_timer", PASSES,                                \
	  s->controls.pinbased |= BIT(PIN_PREEMPTION_TIMER);                                         \
	  s->controls.exit |= BIT(EXIT_SAVE_PREEMPTION_TIMER))                                       \
	X(exit_msr_store_unaligned, "controls.exit_msr_store", FAILS,                                \
	  s->controls.exit_msr_store_address = 0x7f004008)                                           \
	X(exit_msr_store_ends_beyond_maxphyaddr, "controls.exit_msr_store", FAILS,                   \
	  s->controls.exit_msr_store_address = BIT(39) - 16; s->controls.exit_msr_store_count = 2)   \
	X(exit_msr_store_ends_at_maxphyaddr, "controls.exit_msr_store", PASSES,                      \
	  s->controls.exit_msr_store_address = BIT(39) - 16)                                         \
	X(exit_msr_store_empty, "controls.exit_msr_store", PASSES,                                   \
	  s->controls.exit_msr_store_count = 0; s->controls.exit_msr_store_address = 3)              \
	X(exit_msr_load_unaligned, "controls.exit_msr_load", FAILS,                                  \
	  s->controls.exit_msr_load_count = 1; s->controls.exit_msr_load_address = 0x7f00e004)       \
	/* 27.2.1.3 VM-entry control fields */                                                     \
	X(entry_unsupported_bit, "controls.entry.reserved", FAILS,                                   \
	  s->controls.entry |= BIT(ENTRY_LOAD_BNDCFGS))                                              \
	X(entry_msr_load_beyond_maxphyaddr, "controls.entry_msr_load", FAILS,                        \
	  s->controls.entry_msr_load_count = 1; s->controls.entry_msr_load_address = BIT(40))        \
	X(entry_to_smm, "controls.entry_smm", FAILS, s->controls.entry |= BIT(ENTRY_TO_SMM))         \
	X(deactivate_dual_monitor, "controls.entry_smm", FAILS,                                      \
	  s->controls.entry |= BIT(ENTRY_DEACTIVATE_DUAL_MONITOR))                                   \
	X(inject_type_1, "controls.injection.type", FAILS, inject(s, 1, 0x20))                       \
	X(inject_other_event_without_mtf, "controls.injection.type", FAILS,                          \
	  inject(s, INTR_TYPE_OTHER_EVENT, 0))                                                       \
	X(inject_other_event_with_mtf, "controls.injection.type", PASSES,                            \
	  allow_monitor_trap_flag(s); inject(s, INTR_TYPE_OTHER_EVENT, 0))                           \
	X(inject_nmi_vector_3, "controls.injection.vector", FAILS, inject(s, INTR_TYPE_NMI, 3))      \
	X(inject_nmi_vector_2, "controls.injection.vector", PASSES, inject(s, INTR_TYPE_NMI, 2))     \
	X(inject_exception_vector_32, "controls.injection.vector", FAILS,                            \
	  inject(s, INTR_TYPE_HARDWARE_EXCEPTION, 32))                                               \
	X(inject_other_event_vector_1, "controls.injection.vector", FAILS,                           \
	  allow_monitor_trap_flag(s); inject(s, INTR_TYPE_OTHER_EVENT, 1))                           \
	X(inject_gp_without_error_code, "controls.injection.error_code", FAILS,                      \
	  inject(s, INTR_TYPE_HARDWARE_EXCEPTION, 13))                                               \
	X(inject_ud_with_error_code, "controls.injection.error_code", FAILS,                         \
	  inject_with_error_code(s, INTR_TYPE_HARDWARE_EXCEPTION, 6, 0))                             \
	X(inject_gp_with_error_code, "controls.injection.error_code", PASSES,                        \
	  inject_with_error_code(s, INTR_TYPE_HARDWARE_EXCEPTION, 13, 0))                            \
	X(inject_gp_in_real_mode_without_error_code, "controls.injection.error_code", PASSES,        \
	  real_mode(s); inject(s, INTR_TYPE_HARDWARE_EXCEPTION, 13))                                 \
	X(inject_ud_with_error_code_basic_bit_56, "controls.injection.error_code", PASSES,           \
	  s->caps.msr.basic |= BIT(56);                                                              \
	  inject_with_error_code(s, INTR_TYPE_HARDWARE_EXCEPTION, 6, 0))                             \
	X(inject_interrupt_with_error_code_basic_bit_56, "controls.injection.error_code", FAILS,     \
	  s->caps.msr.basic |= BIT(56); inject_external_interrupt(s);                                \
	  s->controls.entry_interruption_info |= INTR_INFO_DELIVER_ERROR_CODE)                       \
	X(inject_bit_12, "controls.injection.reserved", FAILS,                                       \
	  inject_external_interrupt(s); s->controls.entry_interruption_info |= BIT(12))              \
	X(inject_error_code_bit_16, "controls.injection.error_code_reserved", FAILS,                 \
	  inject_with_error_code(s, INTR_TYPE_HARDWARE_EXCEPTION, 13, 0x10000))                      \
	X(inject_error_code_ffff, "controls.injection.error_code_reserved", PASSES,                  \
	  inject_with_error_code(s, INTR_TYPE_HARDWARE_EXCEPTION, 13, 0xffff))                       \
	X(inject_int_length_16, "controls.injection.instruction_length", FAILS,                      \
	  inject(s, INTR_TYPE_SOFTWARE_INTERRUPT, 0x80); s->controls.entry_instruction_length = 16)  \
	X(inject_int_length_2, "controls.injection.instruction_length", PASSES,                      \
	  inject(s, INTR_TYPE_SOFTWARE_INTERRUPT, 0x80); s->controls.entry_instruction_length = 2)   \
	X(inject_int3_length_0_allowed_by_misc, "controls.injection.instruction_length", PASSES,     \
	  inject(s, INTR_TYPE_SOFTWARE_EXCEPTION, 3))                                                \
	X(inject_int3_length_0_without_misc_bit_30, "controls.injection.instruction_length", FAILS,  \
	  s->caps.msr.misc &= ~BIT(30); inject(s, INTR_TYPE_SOFTWARE_EXCEPTION, 3))                  \
	/* 27.2.2 host control registers and MSRs */                                               \
	X(host_cr0_ne_clear, "host.cr0.fixed", FAILS, s->host.cr0 &= ~BIT(5))                        \
	X(host_cr0_bit_32, "host.cr0.fixed", FAILS, s->host.cr0 |= BIT(32))                          \
	X(host_cr4_vmxe_clear, "host.cr4.fixed", FAILS, s->host.cr4 &= ~BIT(13))                     \
	X(host_cr4_la57_unsupported, "host.cr4.fixed", FAILS, s->host.cr4 |= BIT(12))                \
	X(host_cr3_beyond_maxphyaddr, "host.cr3", FAILS, s->host.cr3 |= BIT(39))                     \
	X(host_cr3_below_maxphyaddr, "host.cr3", PASSES, s->host.cr3 |= BIT(38))                     \
	X(host_sysenter_esp_noncanonical, "host.sysenter", FAILS, s->host.sysenter_esp = NONCANONICAL) \
	X(host_sysenter_eip_high_half, "host.sysenter", PASSES,                                      \
	  s->host.sysenter_eip = 0xffff800000000000ull)                                              \
	X(host_perf_global_ctrl_pmc4, "host.perf_global_ctrl", FAILS,                                \
	  s->host.perf_global_ctrl = 0x1f)                                                           \
	X(host_perf_global_ctrl_all_counters, "host.perf_global_ctrl", PASSES,                       \
	  s->host.perf_global_ctrl = 0x70000000full)                                                 \
	X(host_perf_global_ctrl_not_loaded, "host.perf_global_ctrl", PASSES,                         \
	  s->controls.exit &= ~BIT(EXIT_LOAD_PERF_GLOBAL_CTRL); s->host.perf_global_ctrl = ~0ull)    \
	X(host_pat_type_2, "host.pat", FAILS, s->host.pat = 0x0007040600070402ull)                   \
	X(host_pat_type_8, "host.pat", FAILS, s->host.pat = 0x0007040600070408ull)                   \
	X(host_pat_write_protect, "host.pat", PASSES, s->host.pat = 0x0007040500070406ull)           \
	X(host_efer_svme, "host.efer.reserved", FAILS, s->host.efer |= BIT(12))                      \
	X(host_efer_not_loaded, "host.efer.reserved", PASSES,                                        \
	  s->controls.exit &= ~BIT(EXIT_LOAD_EFER); s->host.efer |= BIT(12))                         \
	X(host_efer_lma_clear, "host.efer.lma", FAILS, s->host.efer &= ~EFER_LMA)                    \
	X(host_efer_lme_clear, "host.efer.lma", FAILS, s->host.efer &= ~EFER_LME)                    \
	/* 27.2.3 host segment and descriptor-table registers */                                   \
	X(host_cs_rpl_3, "host.selector.rpl_ti", FAILS, s->host.cs_selector = 0x3b)                  \
	X(host_tr_ti, "host.selector.rpl_ti", FAILS, s->host.tr_selector = 0x44)                     \
	X(host_tr_null, "host.selector.cs_tr", FAILS, s->host.tr_selector = 0)                       \
	X(host_cs_null, "host.selector.cs_tr", FAILS, s->host.cs_selector = 0)                       \
	X(host_ss_null_in_64bit_host, "host.selector.ss", PASSES, s->host.ss_selector = 0)           \
	X(host_ss_null_in_32bit_host, "host.selector.ss", FAILS,                                     \
	  s->controls.exit &= ~BIT(EXIT_HOST_ADDRESS_SPACE_SIZE); s->host.efer = 0;                  \
	  s->host.ss_selector = 0)                                                                   \
	X(host_gs_base_noncanonical, "host.base.canonical", FAILS, s->host.gs_base = NONCANONICAL)   \
	X(host_idtr_base_noncanonical, "host.base.canonical", FAILS, s->host.idtr_base = NONCANONICAL) \
	/* 27.2.4 address-space size */                                                            \
	X(host_32bit_from_64bit_mode, "host.address_space_size", FAILS,                              \
	  s->controls.exit &= ~BIT(EXIT_HOST_ADDRESS_SPACE_SIZE); s->host.efer = 0)                  \
	X(host_cr4_pae_clear, "host.cr4.pae", FAILS, s->host.cr4 &= ~CR4_PAE)                        \
	X(host_rip_noncanonical, "host.rip", FAILS, s->host.rip = NONCANONICAL)                      \
	X(host_rip_canonical_with_57_bits, "host.rip", PASSES,                                       \
	  s->caps.linear_address_width = 57; s->host.rip = NONCANONICAL)                             \
	/* 27.3.1.1 guest control registers, debug registers and MSRs */                           \
	X(guest_cr0_ne_clear, "guest.cr0.fixed", FAILS, s->guest.cr0 &= ~BIT(5))                     \
	X(guest_cr0_bit_32, "guest.cr0.fixed", FAILS, s->guest.cr0 |= BIT(32))                       \
	X(guest_cr0_unpaged_without_unrestricted_guest, "guest.cr0.fixed", FAILS,                    \
	  without_unrestricted_guest(s); real_mode(s))                                               \
	X(guest_real_mode_with_unrestricted_guest, "guest.cr0.fixed", PASSES, real_mode(s))          \
	X(guest_cr0_pg_without_pe, "guest.cr0.pg_pe", FAILS, s->guest.cr0 &= ~CR0_PE)                \
	X(guest_cr4_vmxe_clear, "guest.cr4.fixed", FAILS, s->guest.cr4 &= ~BIT(13))                  \
	X(guest_cr4_la57_unsupported, "guest.cr4.fixed", FAILS, s->guest.cr4 |= BIT(12))             \
	X(guest_cet_without_wp, "guest.cr4.cet", FAILS,                                              \
	  s->caps.cr4_fixed1 |= CR4_CET; s->guest.cr4 |= CR4_CET; s->guest.cr0 &= ~CR0_WP)           \
	X(guest_cet_with_wp, "guest.cr4.cet", PASSES,                                                \
	  s->caps.cr4_fixed1 |= CR4_CET; s->guest.cr4 |= CR4_CET)                                    \
	X(guest_debugctl_bit_3, "guest.debugctl", FAILS, s->guest.debugctl = BIT(3))                 \
	X(guest_debugctl_bit_16, "guest.debugctl", FAILS, s->guest.debugctl = BIT(16))               \
	X(guest_debugctl_not_loaded, "guest.debugctl", PASSES,                                       \
	  on_core_i7_6700k(s); s->controls.entry &= ~BIT(ENTRY_LOAD_DEBUG_CONTROLS);                 \
	  s->guest.debugctl = BIT(16))                                                               \
	X(guest_ia32e_without_pae, "guest.ia32e.paging", FAILS, s->guest.cr4 &= ~CR4_PAE)            \
	X(guest_ia32e_without_paging, "guest.ia32e.paging", FAILS, s->guest.cr0 &= ~CR0_PG)          \
	X(guest_pcide_in_32bit_guest, "guest.cr4.pcide", FAILS,                                      \
	  protected_mode_32bit(s); s->guest.cr4 |= CR4_PCIDE)                                        \
	X(guest_pcide_in_64bit_guest, "guest.cr4.pcide", PASSES, s->guest.cr4 |= CR4_PCIDE)          \
	X(guest_cr3_beyond_maxphyaddr, "guest.cr3", FAILS, s->guest.cr3 |= BIT(39))                  \
	X(guest_dr7_bit_32, "guest.dr7", FAILS, s->guest.dr7 |= BIT(32))                             \
	X(guest_sysenter_eip_noncanonical, "guest.sysenter", FAILS,                                  \
	  s->guest.sysenter_eip = NONCANONICAL)                                                      \
	X(guest_perf_global_ctrl_fixed_counter_3, "guest.perf_global_ctrl", FAILS,                   \
	  s->guest.perf_global_ctrl = BIT(35))                                                       \
	X(guest_perf_global_ctrl_all_counters, "guest.perf_global_ctrl", PASSES,                     \
	  s->guest.perf_global_ctrl = 0x70000000full)                                                \
	X(guest_pat_type_3, "guest.pat", FAILS, s->guest.pat = 0x0007040600070403ull)                \
	X(guest_efer_bit_1, "guest.efer.reserved", FAILS, s->guest.efer |= BIT(1))                   \
	X(guest_efer_lma_clear_in_ia32e_guest, "guest.efer.lma", FAILS, s->guest.efer &= ~EFER_LMA)  \
	X(guest_efer_lma_in_32bit_guest, "guest.efer.lma", FAILS,                                    \
	  protected_mode_32bit(s); s->guest.efer = EFER_LMA | EFER_LME)                              \
	X(guest_efer_lme_clear_with_paging, "guest.efer.lme", FAILS, s->guest.efer &= ~EFER_LME)     \
	X(guest_efer_lme_without_paging, "guest.efer.lme", PASSES,                                   \
	  real_mode(s); s->guest.efer = EFER_LME)                                                    \
	X(guest_bndcfgs_bit_2, "guest.bndcfgs", FAILS, load_bndcfgs(s); s->guest.bndcfgs = 0x7f00b005) \
	X(guest_bndcfgs_noncanonical, "guest.bndcfgs", FAILS,                                        \
	  load_bndcfgs(s); s->guest.bndcfgs = NONCANONICAL | 1)                                      \
	X(guest_bndcfgs_enabled, "guest.bndcfgs", PASSES, load_bndcfgs(s); s->guest.bndcfgs = 0x7f00b001) \
	/* 27.3.1.2 guest segment registers */                                                     \
	X(tr_selector_ti, "guest.tr.selector", FAILS, s->guest.tr.selector = 0x4)                    \
	X(ldtr_selector_ti, "guest.ldtr.selector", FAILS, usable_ldtr(s); s->guest.ldtr.selector = 0x54) \
	X(unusable_ldtr_selector_ti, "guest.ldtr.selector", PASSES, s->guest.ldtr.selector = 0x4)    \
	X(ss_rpl_differs, "guest.ss.rpl", FAILS,                                                     \
	  without_unrestricted_guest(s); s->guest.ss.selector = 0x33)                                \
	X(ss_rpl_differs_unrestricted, "guest.ss.rpl", PASSES, s->guest.ss.selector = 0x33)          \
	X(virtual_8086_guest, "guest.segment.virtual_8086", PASSES, virtual_8086_mode(s))            \
	X(virtual_8086_ds_base, "guest.segment.virtual_8086", FAILS,                                 \
	  virtual_8086_mode(s); s->guest.ds.base += 1)                                               \
	X(virtual_8086_cs_rights, "guest.segment.virtual_8086", FAILS,                               \
	  virtual_8086_mode(s); s->guest.cs.access_rights = 0xfb)                                    \
	X(fs_base_noncanonical, "guest.segment.base.canonical", FAILS, s->guest.fs.base = NONCANONICAL) \
	X(ldtr_base_noncanonical, "guest.segment.base.canonical", FAILS,                             \
	  usable_ldtr(s); s->guest.ldtr.base = NONCANONICAL)                                         \
	X(unusable_ldtr_base_noncanonical, "guest.segment.base.canonical", PASSES,                   \
	  s->guest.ldtr.base = NONCANONICAL)                                                         \
	X(cs_base_above_4g, "guest.segment.base.upper", FAILS, s->guest.cs.base = BIT(32))           \
	X(ds_base_above_4g, "guest.segment.base.upper", FAILS, s->guest.ds.base = BIT(32))           \
	X(unusable_es_base_above_4g, "guest.segment.base.upper", PASSES,                             \
	  s->guest.es.access_rights = AR_UNUSABLE; s->guest.es.base = BIT(32))                       \
	X(cs_data_type_restricted, "guest.cs.type", FAILS,                                           \
	  without_unrestricted_guest(s); s->guest.cs.access_rights = (AR_CODE64 & ~0xfu) | 3)        \
	X(cs_code_not_accessed, "guest.cs.type", FAILS, s->guest.cs.access_rights = AR_CODE64 & ~1u) \
	X(cs_data_type_unrestricted, "guest.cs.type", PASSES,                                        \
	  s->guest.cs.access_rights = (AR_CODE64 & ~0xfu) | 3)                                       \
	X(ss_code, "guest.ss.type", FAILS, s->guest.ss.access_rights = 0xc09b)                       \
	X(ss_read_only, "guest.ss.type", FAILS, s->guest.ss.access_rights = 0xc091)                  \
	X(ss_unusable, "guest.ss.type", PASSES, s->guest.ss.access_rights = AR_UNUSABLE)             \
	X(ds_not_accessed, "guest.data_segment.type", FAILS, s->guest.ds.access_rights = 0xc092)     \
	X(gs_execute_only_code, "guest.data_segment.type", FAILS, s->guest.gs.access_rights = 0xc099) \
	X(fs_readable_code, "guest.data_segment.type", PASSES, s->guest.fs.access_rights = 0xc09b)   \
	X(ds_system_descriptor, "guest.segment.s", FAILS, s->guest.ds.access_rights = 0xc083)        \
	X(cs_system_descriptor, "guest.segment.s", FAILS, s->guest.cs.access_rights = AR_CODE64 & ~AR_S) \
	X(tr_code_descriptor, "guest.segment.s", FAILS, s->guest.tr.access_rights = AR_BUSY_TSS | AR_S) \
	X(cs_dpl_3_nonconforming_ss_dpl_0, "guest.cs.dpl", FAILS,                                    \
	  s->guest.cs.access_rights = AR_CODE64 | 3 << 5)                                            \
	X(cs_dpl_3_conforming_ss_dpl_0, "guest.cs.dpl", FAILS,                                       \
	  s->guest.cs.access_rights = (AR_CODE64 | 3 << 5) | 4 /* type 15 */)                        \
	X(cs_dpl_0_conforming_ss_dpl_3, "guest.cs.dpl", PASSES,                                      \
	  s->guest.cs.access_rights = AR_CODE64 | 4; s->guest.ss.access_rights = AR_DATA | 3 << 5)   \
	X(cs_data_type_dpl_3, "guest.cs.dpl", FAILS,                                                 \
	  s->guest.cs.access_rights = (AR_CODE64 & ~0xfu) | 3 | 3 << 5)                              \
	X(ring3_guest, "guest.cs.dpl", PASSES, ring3(s))                                             \
	X(ss_dpl_differs_from_rpl, "guest.ss.dpl", FAILS,                                            \
	  without_unrestricted_guest(s); s->guest.ss.selector = 0x33; s->guest.cs.selector = 0x3b)   \
	X(ss_dpl_3_in_real_mode, "guest.ss.dpl", FAILS,                                              \
	  real_mode(s); s->guest.ss.access_rights = 0xf3)                                            \
	X(ds_dpl_below_rpl, "guest.data_segment.dpl", FAILS,                                         \
	  without_unrestricted_guest(s); s->guest.ds.selector = 0x33)                                \
	X(ds_dpl_below_rpl_unrestricted, "guest.data_segment.dpl", PASSES, s->guest.ds.selector = 0x33) \
	X(es_conforming_code_dpl_below_rpl, "guest.data_segment.dpl", PASSES,                        \
	  without_unrestricted_guest(s); s->guest.es.selector = 0x33;                                \
	  s->guest.es.access_rights = 0xc09f)                                                        \
	X(ds_not_present, "guest.segment.present", FAILS, s->guest.ds.access_rights = AR_DATA & ~AR_P) \
	X(tr_not_present, "guest.segment.present", FAILS,                                            \
	  s->guest.tr.access_rights = AR_BUSY_TSS & ~AR_P)                                           \
	X(unusable_gs_not_present, "guest.segment.present", PASSES,                                  \
	  s->guest.gs.access_rights = AR_UNUSABLE | 0x13)                                            \
	X(cs_rights_bit_8, "guest.segment.reserved", FAILS, s->guest.cs.access_rights |= BIT(8))     \
	X(tr_rights_bit_17, "guest.segment.reserved", FAILS, s->guest.tr.access_rights |= BIT(17))   \
	X(unusable_ds_rights_bit_17, "guest.segment.reserved", PASSES,                               \
	  s->guest.ds.access_rights = AR_UNUSABLE | BIT(17))                                         \
	X(cs_long_and_default_32, "guest.cs.db", FAILS, s->guest.cs.access_rights |= AR_DB)          \
	X(cs_compatibility_mode, "guest.cs.db", PASSES, s->guest.cs.access_rights = 0xc09b)          \
	X(tr_byte_limit_page_granular, "guest.segment.granularity", FAILS,                           \
	  s->guest.tr.access_rights |= AR_G)                                                         \
	X(ds_4g_limit_byte_granular, "guest.segment.granularity", FAILS,                             \
	  s->guest.ds.access_rights &= ~AR_G)                                                        \
	X(ds_1m_limit_byte_granular, "guest.segment.granularity", PASSES,                            \
	  s->guest.ds.limit = 0xfffff; s->guest.ds.access_rights &= ~AR_G)                           \
	X(tr_available_tss, "guest.tr.type", FAILS, s->guest.tr.access_rights = 0x89)               \
	X(tr_16bit_tss_in_ia32e_guest, "guest.tr.type", FAILS, s->guest.tr.access_rights = 0x83)     \
	X(tr_16bit_tss_in_32bit_guest, "guest.tr.type", PASSES,                                      \
	  protected_mode_32bit(s); s->guest.tr.access_rights = 0x83)                                 \
	X(tr_unusable, "guest.tr.usable", FAILS, s->guest.tr.access_rights |= AR_UNUSABLE)           \
	X(ldtr_busy_tss_type, "guest.ldtr.type", FAILS,                                              \
	  usable_ldtr(s); s->guest.ldtr.access_rights = 0x83)                                        \
	X(ldtr_usable, "guest.ldtr.type", PASSES, usable_ldtr(s))                                    \
	/* 27.3.1.3 descriptor-table registers */                                                  \
	X(gdtr_base_noncanonical, "guest.descriptor_table.base", FAILS,                              \
	  s->guest.gdtr_base = NONCANONICAL)                                                         \
	X(idtr_limit_bit_16, "guest.descriptor_table.limit", FAILS, s->guest.idtr_limit = 0x10000)   \
	/* 27.3.1.4 RIP and RFLAGS */                                                              \
	X(rip_above_4g_in_compatibility_mode, "guest.rip.upper", FAILS,                              \
	  s->guest.cs.access_rights = 0xc09b; s->guest.rip = BIT(32))                                \
	X(rip_above_4g_in_64bit_mode, "guest.rip.upper", PASSES, s->guest.rip = BIT(32))             \
	X(rip_noncanonical, "guest.rip.canonical", FAILS, s->guest.rip = NONCANONICAL)               \
	X(rip_high_half, "guest.rip.canonical", PASSES, s->guest.rip = 0xffffffff80000000ull)        \
	X(rflags_bit_1_clear, "guest.rflags.reserved", FAILS, s->guest.rflags = 0)                   \
	X(rflags_bit_15, "guest.rflags.reserved", FAILS, s->guest.rflags |= BIT(15))                 \
	X(rflags_bit_22, "guest.rflags.reserved", FAILS, s->guest.rflags |= BIT(22))                 \
	X(rflags_id_flag, "guest.rflags.reserved", PASSES, s->guest.rflags |= BIT(21))               \
	X(rflags_vm_in_ia32e_guest, "guest.rflags.vm", FAILS,                                        \
	  virtual_8086_mode(s); s->controls.entry |= BIT(ENTRY_IA32E_MODE_GUEST);                    \
	  s->guest.efer = EFER_LMA | EFER_LME)                                                       \
	X(rflags_vm_without_pe, "guest.rflags.vm", FAILS,                                            \
	  virtual_8086_mode(s); s->guest.cr0 &= ~(CR0_PE | CR0_PG))                                  \
	X(external_interrupt_with_if_clear, "guest.rflags.if", FAILS,                                \
	  inject_external_interrupt(s); s->guest.rflags &= ~RFLAGS_IF)                               \
	X(external_interrupt_with_if_set, "guest.rflags.if", PASSES, inject_external_interrupt(s))   \
	/* 27.3.1.5 non-register state */                                                          \
	X(activity_state_4, "guest.activity.supported", FAILS, s->guest.activity_state = 4)          \
	X(wait_for_sipi_unsupported, "guest.activity.supported", FAILS,                              \
	  s->caps.msr.misc &= ~BIT(8); s->guest.activity_state = ACTIVITY_WAIT_FOR_SIPI)             \
	X(hlt_supported, "guest.activity.supported", PASSES, s->guest.activity_state = ACTIVITY_HLT) \
	X(hlt_at_cpl_3, "guest.activity.hlt_dpl", FAILS,                                             \
	  ring3(s); s->guest.activity_state = ACTIVITY_HLT)                                          \
	X(hlt_with_sti_blocking, "guest.activity.blocking", FAILS,                                   \
	  s->guest.activity_state = ACTIVITY_HLT; s->guest.rflags |= RFLAGS_IF;                      \
	  s->guest.interruptibility_state = BLOCKING_BY_STI)                                         \
	X(shutdown_with_mov_ss_blocking, "guest.activity.blocking", FAILS,                           \
	  s->guest.activity_state = ACTIVITY_SHUTDOWN;                                               \
	  s->guest.interruptibility_state = BLOCKING_BY_MOV_SS)                                      \
	X(hlt_inject_gp, "guest.activity.injection", FAILS,                                          \
	  s->guest.activity_state = ACTIVITY_HLT;                                                    \
	  inject_with_error_code(s, INTR_TYPE_HARDWARE_EXCEPTION, 13, 0))                            \
	X(hlt_inject_external_interrupt, "guest.activity.injection", PASSES,                         \
	  s->guest.activity_state = ACTIVITY_HLT; inject_external_interrupt(s))                      \
	X(hlt_inject_machine_check, "guest.activity.injection", PASSES,                              \
	  s->guest.activity_state = ACTIVITY_HLT; inject(s, INTR_TYPE_HARDWARE_EXCEPTION, 18))       \
	X(shutdown_inject_external_interrupt, "guest.activity.injection", FAILS,                     \
	  s->guest.activity_state = ACTIVITY_SHUTDOWN; inject_external_interrupt(s))                 \
	X(shutdown_inject_nmi, "guest.activity.injection", PASSES,                                   \
	  s->guest.activity_state = ACTIVITY_SHUTDOWN; inject(s, INTR_TYPE_NMI, 2))                  \
	X(wait_for_sipi_inject_nmi, "guest.activity.injection", FAILS,                               \
	  s->guest.activity_state = ACTIVITY_WAIT_FOR_SIPI; inject(s, INTR_TYPE_NMI, 2))             \
	X(interruptibility_bit_5, "guest.interruptibility.reserved", FAILS,                          \
	  s->guest.interruptibility_state = BIT(5))                                                  \
	X(sti_and_mov_ss_blocking, "guest.interruptibility.sti_mov_ss", FAILS,                       \
	  s->guest.rflags |= RFLAGS_IF;                                                              \
	  s->guest.interruptibility_state = BLOCKING_BY_STI | BLOCKING_BY_MOV_SS)                    \
	X(sti_blocking_with_if_clear, "guest.interruptibility.sti_if", FAILS,                        \
	  s->guest.interruptibility_state = BLOCKING_BY_STI)                                         \
	X(sti_blocking_with_if_set, "guest.interruptibility.sti_if", PASSES,                         \
	  s->guest.rflags |= RFLAGS_IF; s->guest.interruptibility_state = BLOCKING_BY_STI)           \
	X(external_interrupt_in_sti_shadow, "guest.interruptibility.external", FAILS,                \
	  inject_external_interrupt(s); s->guest.interruptibility_state = BLOCKING_BY_STI)           \
	X(external_interrupt_in_mov_ss_shadow, "guest.interruptibility.external", FAILS,             \
	  inject_external_interrupt(s); s->guest.interruptibility_state = BLOCKING_BY_MOV_SS)        \
	X(nmi_in_mov_ss_shadow, "guest.interruptibility.nmi", FAILS,                                 \
	  inject(s, INTR_TYPE_NMI, 2); s->guest.interruptibility_state = BLOCKING_BY_MOV_SS)         \
	X(nmi_in_sti_shadow, "guest.interruptibility.nmi", FAILS,                                    \
	  inject(s, INTR_TYPE_NMI, 2); s->guest.rflags |= RFLAGS_IF;                                 \
	  s->guest.interruptibility_state = BLOCKING_BY_STI)                                         \
	X(blocking_by_smi, "guest.interruptibility.smi", FAILS,                                      \
	  s->guest.interruptibility_state = BLOCKING_BY_SMI)                                         \
	X(virtual_nmi_blocked, "guest.interruptibility.virtual_nmi", FAILS,                          \
	  inject(s, INTR_TYPE_NMI, 2); s->guest.interruptibility_state = BLOCKING_BY_NMI)            \
	X(nmi_blocked_without_virtual_nmis, "guest.interruptibility.virtual_nmi", PASSES,            \
	  s->controls.pinbased &= ~BIT(PIN_VIRTUAL_NMIS); inject(s, INTR_TYPE_NMI, 2);               \
	  s->guest.interruptibility_state = BLOCKING_BY_NMI)                                         \
	X(pending_debug_bit_4, "guest.pending_debug.reserved", FAILS,                                \
	  s->guest.pending_debug_exceptions = BIT(4))                                                \
	X(pending_debug_bit_13, "guest.pending_debug.reserved", FAILS,                               \
	  s->guest.pending_debug_exceptions = BIT(13))                                               \
	X(pending_debug_b0_and_enabled_breakpoint, "guest.pending_debug.reserved", PASSES,           \
	  s->guest.pending_debug_exceptions = BIT(0) | BIT(12))                                      \
	X(single_step_in_sti_shadow_without_bs, "guest.pending_debug.bs", FAILS,                     \
	  s->guest.rflags |= RFLAGS_IF | RFLAGS_TF; s->guest.interruptibility_state = BLOCKING_BY_STI) \
	X(bs_in_mov_ss_shadow_without_tf, "guest.pending_debug.bs", FAILS,                           \
	  s->guest.interruptibility_state = BLOCKING_BY_MOV_SS;                                      \
	  s->guest.pending_debug_exceptions = BIT(14))                                               \
	X(single_step_in_sti_shadow_with_bs, "guest.pending_debug.bs", PASSES,                       \
	  s->guest.rflags |= RFLAGS_IF | RFLAGS_TF; s->guest.interruptibility_state = BLOCKING_BY_STI; \
	  s->guest.pending_debug_exceptions = BIT(14))                                               \
	X(branch_step_in_sti_shadow_without_bs, "guest.pending_debug.bs", PASSES,                    \
	  s->guest.rflags |= RFLAGS_IF | RFLAGS_TF; s->guest.interruptibility_state = BLOCKING_BY_STI; \
	  s->guest.debugctl = DEBUGCTL_BTF)                                                          \
	X(single_step_unblocked_without_bs, "guest.pending_debug.bs", PASSES,                        \
	  s->guest.rflags |= RFLAGS_TF)                                                              \
	X(link_pointer_unaligned, "guest.vmcs_link_pointer.address", FAILS,                          \
	  s->guest.vmcs_link_pointer = 0x7f00c800)                                                   \
	X(link_pointer_beyond_maxphyaddr, "guest.vmcs_link_pointer.address", FAILS,                  \
	  s->guest.vmcs_link_pointer = BIT(39))                                                      \
	X(link_pointer_without_shadowing, "guest.vmcs_link_pointer.unused", FAILS,                   \
	  s->guest.vmcs_link_pointer = 0x7f00c000)                                                   \
	X(link_pointer_with_shadowing, "guest.vmcs_link_pointer.unused", PASSES,                     \
	  s->controls.procbased2 |= BIT(PROC2_VMCS_SHADOWING); s->guest.vmcs_link_pointer = 0x7f00c000)

struct check_case {
	const char *rule;
	bool fails;
	void (*change)(struct vmx_state *s);
};

#define DEFINE_CHANGE(name, rule, verdict, ...) \
	static void change_##name(struct vmx_state *s) { __VA_ARGS__; }
#define DEFINE_CASE(name, rule, verdict, ...) \
	static struct check_case case_##name = { rule, verdict, change_##name };
#define CASE_POINTER(name, rule, verdict, ...) &case_##name,
#define CASE_TEST(name, rule, verdict, ...) \
	{ rule " " #verdict ": " #name, run_case, NULL, NULL, &case_##name },

CASES(DEFINE_CHANGE)
CASES(DEFINE_CASE)

static const struct check_case *const all_cases[] = { CASES(CASE_POINTER) };

static void report(struct text_buffer *b, const struct vmx_rule *r, const struct vmx_violation *v)
{
	struct out o = { text_buffer_sink, b };

	b->len = 0;
	b->text[0] = '\0';
	vmx_check_report(&o, r, v);
}

static void run_case(void **state)
{
	const struct check_case *c = *state;
	struct vmx_state s;
	struct vmx_violation v;
	const struct vmx_rule *r;
	struct text_buffer b;

	valid_state(&s);
	c->change(&s);
	r = vmx_check(&s, &v);
	if (r)
		report(&b, r, &v);
	if (c->fails && !r)
		fail_msg("expected %s to fail, but the state passes every rule", c->rule);
	if (c->fails && strcmp(r->id, c->rule) != 0)
		fail_msg("expected %s to fail first, got:\n%s", c->rule, b.text);
	if (c->fails)
		assert_true(v.count > 0); /* the report names the fields involved */
	if (!c->fails && r)
		fail_msg("expected the state to pass, got:\n%s", b.text);
}

static void test_valid_state_passes(void **state)
{
	struct vmx_state s;
	struct vmx_violation v;
	const struct vmx_rule *r;
	struct text_buffer b;

	valid_state(&s);
	r = vmx_check(&s, &v);
	if (r) {
		report(&b, r, &v);
		fail_msg("the valid state fails:\n%s", b.text);
	}
	assert_int_equal(v.count, 0);
}

/* Every rule is in the SDM's chapter, has a unique id, and has a case
 * that makes it fail; every case names a rule that exists. */
static void test_every_rule_has_a_failing_case(void **state)
{
	const struct vmx_rule *r, *other;
	size_t i, j, n;

	for (i = 0; (r = vmx_rule_at(i)) != NULL; i++) {
		bool covered = false;

		assert_true(strncmp(r->section, "27.", 3) == 0);
		assert_non_null(r->ok);
		assert_true(strlen(r->description) > 0);
		for (j = 0; (other = vmx_rule_at(j)) != NULL; j++)
			if (j != i && strcmp(r->id, other->id) == 0)
				fail_msg("rule id %s appears twice", r->id);
		for (n = 0; n < sizeof(all_cases) / sizeof(all_cases[0]); n++)
			if (all_cases[n]->fails && strcmp(all_cases[n]->rule, r->id) == 0)
				covered = true;
		if (!covered)
			fail_msg("rule %s has no failing case", r->id);
	}
	assert_true(i >= 90);
	for (n = 0; n < sizeof(all_cases) / sizeof(all_cases[0]); n++) {
		bool known = false;

		for (j = 0; (r = vmx_rule_at(j)) != NULL; j++)
			known = known || strcmp(r->id, all_cases[n]->rule) == 0;
		if (!known)
			fail_msg("a case names the unknown rule %s", all_cases[n]->rule);
	}
}

static const struct vmx_rule *check_after(void (*change)(struct vmx_state *),
					  struct vmx_violation *v)
{
	struct vmx_state s;

	valid_state(&s);
	change(&s);
	return vmx_check(&s, v);
}

static void test_report_guest_cr0(void **state)
{
	struct vmx_violation v;
	const struct vmx_rule *r = check_after(change_guest_cr0_ne_clear, &v);
	struct text_buffer b;

	assert_non_null(r);
	report(&b, r, &v);
	assert_string_equal(b.text,
		"VM entry would fail: guest.cr0.fixed (SDM 27.3.1.1): guest CR0 must have every bit of "
		"IA32_VMX_CR0_FIXED0 set and no bit outside IA32_VMX_CR0_FIXED1 (unrestricted guest "
		"exempts PE and PG)\n"
		"  GUEST_CR0           = 0x80010013\n"
		"  IA32_VMX_CR0_FIXED0 = 0x80000021\n"
		"  IA32_VMX_CR0_FIXED1 = 0xffffffff\n");
}

static void test_report_control_bits(void **state)
{
	struct vmx_violation v;
	const struct vmx_rule *r = check_after(change_pin_unsupported_bit, &v);
	struct text_buffer b;

	assert_non_null(r);
	report(&b, r, &v);
	assert_string_equal(b.text,
		"VM entry would fail: controls.pinbased.reserved (SDM 27.2.1.1): pin-based controls must "
		"set every bit IA32_VMX_(TRUE_)PINBASED_CTLS requires and no bit it forbids\n"
		"  PIN_BASED_CONTROLS          = 0xbe\n"
		"  IA32_VMX_TRUE_PINBASED_CTLS = 0x7f00000016\n"
		"  missing (must be 1)         = 0x0\n"
		"  forbidden (must be 0)       = 0x80\n");
}

static void test_report_counts_in_decimal(void **state)
{
	struct vmx_violation v;
	const struct vmx_rule *r = check_after(change_exit_msr_store_ends_beyond_maxphyaddr, &v);
	struct text_buffer b;

	assert_non_null(r);
	report(&b, r, &v);
	assert_contains(b.text, "VM entry would fail: controls.exit_msr_store (SDM 27.2.1.2): ");
	assert_contains(b.text, "  VM_EXIT_MSR_STORE_COUNT   = 2\n");
	assert_contains(b.text, "  VM_EXIT_MSR_STORE_ADDRESS = 0x7ffffffff0\n");
	assert_contains(b.text, "  MAXPHYADDR                = 39\n");
}

static void test_report_names_the_segment(void **state)
{
	struct vmx_violation v;
	const struct vmx_rule *r = check_after(change_tr_byte_limit_page_granular, &v);
	struct text_buffer b;

	assert_non_null(r);
	report(&b, r, &v);
	assert_contains(b.text, "VM entry would fail: guest.segment.granularity (SDM 27.3.1.2): ");
	assert_contains(b.text, "  GUEST_TR_LIMIT         = 0x67\n");
	assert_contains(b.text, "  GUEST_TR_ACCESS_RIGHTS = 0x808b\n");
}

/* vmx_check() reports the first broken rule in SDM order, not the last. */
static void test_first_rule_in_sdm_order_wins(void **state)
{
	struct vmx_state s;
	struct vmx_violation v;
	const struct vmx_rule *r;

	valid_state(&s);
	s.guest.rflags = 0;          /* 27.3.1.4 */
	s.host.cr4 &= ~BIT(13);      /* 27.2.2 */
	s.guest.cr0 &= ~BIT(5);      /* 27.3.1.1 */
	r = vmx_check(&s, &v);
	assert_non_null(r);
	assert_string_equal(r->id, "host.cr4.fixed");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_valid_state_passes),
		cmocka_unit_test(test_every_rule_has_a_failing_case),
		cmocka_unit_test(test_report_guest_cr0),
		cmocka_unit_test(test_report_control_bits),
		cmocka_unit_test(test_report_counts_in_decimal),
		cmocka_unit_test(test_report_names_the_segment),
		cmocka_unit_test(test_first_rule_in_sdm_order_wins),
		CASES(CASE_TEST)
	};

	return cmocka_run_group_tests_name("vmx_check", tests, NULL, NULL);
}
