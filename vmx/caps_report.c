#include "vmx/caps.h"

#define ROW "  %-26s "

static const char *yes_no(bool v)
{
	return v ? "yes" : "no";
}

static const char *memory_type_name(unsigned type)
{
	/* Memory-type encodings (SDM Vol. 3A, 12.3, Table 12-8 / A.1). */
	switch (type) {
	case 0: return "uncacheable";
	case 6: return "write-back";
	default: return "unknown type";
	}
}

static void report_feature_control(const struct out *o, const struct vmx_caps *c)
{
	if (!c->fc_locked)
		out_printf(o, ROW "unlocked (pmuvisor will lock it with VMX enabled)\n",
			   "IA32_FEATURE_CONTROL");
	else
		out_printf(o, ROW "locked, VMX outside SMX %s, inside SMX %s\n",
			   "IA32_FEATURE_CONTROL",
			   c->fc_vmx_outside_smx ? "allowed" : "DISABLED",
			   c->fc_vmx_inside_smx ? "allowed" : "disabled");
}

static void report_ept(const struct out *o, const struct vmx_caps *c)
{
	if (!c->ept) {
		out_printf(o, ROW "no\n", "EPT");
		return;
	}
	out_printf(o, ROW "yes: %s, %s, 2M pages %s, 1G pages %s, A/D bits %s\n", "EPT",
		   c->ept_4level ? "4-level" : "no 4-level walk",
		   c->ept_wb ? "write-back" : "no write-back",
		   yes_no(c->ept_2m), yes_no(c->ept_1g), yes_no(c->ept_ad));
}

void vmx_caps_report(const struct out *o, const struct vmx_caps *c)
{
	const char *reason = vmx_unavailable_reason(c);

	out_printf(o, "VT-x\n");
	if (!c->vmx) {
		out_printf(o, ROW "no\n", "VMX");
		out_printf(o, "VT-x not available: %s\n", reason);
		return;
	}
	out_printf(o, ROW "yes (VMCS revision 0x%x, %u bytes, %s)\n", "VMX",
		   c->vmcs_revision, c->vmcs_size, memory_type_name(c->vmcs_memory_type));
	report_feature_control(o, c);
	report_ept(o, c);
	out_printf(o, ROW "%s\n", "unrestricted guest", yes_no(c->unrestricted_guest));
	out_printf(o, ROW "%s\n", "VPID", yes_no(c->vpid));
	if (c->preemption_timer)
		out_printf(o, ROW "yes, counts at TSC rate / %u\n", "VMX-preemption timer",
			   1u << c->preemption_timer_shift);
	else
		out_printf(o, ROW "no\n", "VMX-preemption timer");
	out_printf(o, ROW "%s\n", "wait-for-SIPI state", yes_no(c->activity_wait_for_sipi));
	out_printf(o, ROW "on VM entry %s, on VM exit %s\n", "load IA32_PERF_GLOBAL_CTRL",
		   yes_no(c->entry_load_perf_global_ctrl), yes_no(c->exit_load_perf_global_ctrl));
	out_printf(o, ROW "%s\n", "save IA32_PERF_GLOBAL_CTRL",
		   c->exit_save_perf_global_ctrl ? "yes" : "no (the VM-exit MSR-store list stands in)");
	out_printf(o, ROW "up to %u entries each\n", "MSR load/store lists", c->msr_list_max);
	if (reason)
		out_printf(o, "VT-x not available: %s\n", reason);
	else
		out_printf(o, "VT-x available\n");
}
