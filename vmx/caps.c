#include "vmx/caps.h"
#include "lib/string.h"

static bool allowed1(uint64_t cap_msr, unsigned bit)
{
	return (cap_msr >> 32) & (1ull << bit);
}

static bool bit(uint64_t value, unsigned n)
{
	return (value >> n) & 1;
}

void vmx_caps_decode(const struct vmx_raw *raw, struct vmx_caps *caps)
{
	uint64_t pin, proc, exit, entry;

	memset(caps, 0, sizeof(*caps));
	caps->vmx = raw->vmx_cpuid;
	if (!caps->vmx)
		return;

	/* IA32_FEATURE_CONTROL: bit 0 lock, bit 1 VMX inside SMX, bit 2 VMX
	 * outside SMX (SDM Vol. 3C, 24.7 "Enabling and Entering VMX Operation"). */
	caps->fc_locked = bit(raw->feature_control, 0);
	caps->fc_vmx_inside_smx = bit(raw->feature_control, 1);
	caps->fc_vmx_outside_smx = bit(raw->feature_control, 2);

	/* IA32_VMX_BASIC (Appendix A.1). */
	caps->vmcs_revision = (uint32_t)(raw->basic & 0x7fffffff);
	caps->vmcs_size = (uint32_t)((raw->basic >> 32) & 0x1fff);
	caps->vmcs_memory_type = (unsigned)((raw->basic >> 50) & 0xf);
	caps->true_controls = bit(raw->basic, 55);

	/* With bit 55 set, the TRUE_* MSRs report what may be cleared; the
	 * allowed-1 half is the same either way (A.3.1). */
	pin = caps->true_controls ? raw->true_pinbased : raw->pinbased;
	proc = caps->true_controls ? raw->true_procbased : raw->procbased;
	exit = caps->true_controls ? raw->true_exit : raw->exit;
	entry = caps->true_controls ? raw->true_entry : raw->entry;

	caps->nmi_exiting = allowed1(pin, PIN_NMI_EXITING);
	caps->virtual_nmis = allowed1(pin, PIN_VIRTUAL_NMIS);
	caps->preemption_timer = allowed1(pin, PIN_PREEMPTION_TIMER);
	caps->io_bitmaps = allowed1(proc, PROC_USE_IO_BITMAPS);
	caps->msr_bitmaps = allowed1(proc, PROC_USE_MSR_BITMAPS);
	caps->secondary_controls = allowed1(proc, PROC_SECONDARY_CONTROLS);
	caps->exit_load_perf_global_ctrl = allowed1(exit, EXIT_LOAD_PERF_GLOBAL_CTRL);
	caps->save_preemption_timer = allowed1(exit, EXIT_SAVE_PREEMPTION_TIMER);
	caps->exit_save_perf_global_ctrl = allowed1(exit, EXIT_SAVE_PERF_GLOBAL_CTRL);
	caps->entry_load_perf_global_ctrl = allowed1(entry, ENTRY_LOAD_PERF_GLOBAL_CTRL);

	/* IA32_VMX_MISC (A.6): bits 4:0 timer rate, 6-8 activity states,
	 * bits 27:25 N with a recommended MSR-list maximum of 512 * (N + 1). */
	caps->preemption_timer_shift = (unsigned)(raw->misc & 0x1f);
	caps->activity_hlt = bit(raw->misc, 6);
	caps->activity_shutdown = bit(raw->misc, 7);
	caps->activity_wait_for_sipi = bit(raw->misc, 8);
	caps->msr_list_max = 512u * (unsigned)(((raw->misc >> 25) & 7) + 1);

	if (!caps->secondary_controls)
		return;
	caps->ept = allowed1(raw->procbased2, PROC2_ENABLE_EPT);
	caps->vpid = allowed1(raw->procbased2, PROC2_ENABLE_VPID);
	caps->unrestricted_guest = allowed1(raw->procbased2, PROC2_UNRESTRICTED_GUEST);
	if (!caps->ept && !caps->vpid)
		return;

	/* IA32_VMX_EPT_VPID_CAP (A.10). */
	caps->ept_4level = bit(raw->ept_vpid_cap, 6);
	caps->ept_wb = bit(raw->ept_vpid_cap, 14);
	caps->ept_2m = bit(raw->ept_vpid_cap, 16);
	caps->ept_1g = bit(raw->ept_vpid_cap, 17);
	caps->invept = bit(raw->ept_vpid_cap, 20);
	caps->ept_ad = bit(raw->ept_vpid_cap, 21);
	caps->invvpid = bit(raw->ept_vpid_cap, 32);
}

const char *vmx_unavailable_reason(const struct vmx_caps *caps)
{
	if (!caps->vmx)
		return "the CPU does not offer VMX (CPUID.1:ECX.VMX[bit 5] is 0)";
	if (caps->fc_locked && !caps->fc_vmx_outside_smx)
		return "the firmware locked IA32_FEATURE_CONTROL with VMX disabled "
		       "(enable VT-x in the firmware setup)";
	if (!caps->secondary_controls)
		return "the CPU has no secondary processor-based VM-execution controls";
	if (!caps->ept || !caps->ept_4level || !caps->ept_wb)
		return "the CPU has no usable EPT (4-level, write-back)";
	if (!caps->unrestricted_guest)
		return "the CPU has no unrestricted-guest mode";
	if (!caps->msr_bitmaps || !caps->io_bitmaps)
		return "the CPU has no MSR or I/O bitmaps";
	return NULL;
}
