/* Reads the raw VT-x capability values from this CPU (hardware access). */
#include "vmx/caps_read.h"
#include "vmx/msr.h"
#include "lib/cpu.h"
#include "lib/string.h"


void vmx_caps_read(struct vmx_raw *raw)
{
	struct cpuid_regs leaf1 = cpuid(1, 0);

	memset(raw, 0, sizeof(*raw));
	raw->vmx_cpuid = leaf1.ecx & CPUID1_ECX_VMX;
	raw->smx_cpuid = leaf1.ecx & CPUID1_ECX_SMX;
	/* The capability MSRs exist only where CPUID reports VMX (SDM Vol. 3D, A.1). */
	if (!raw->vmx_cpuid)
		return;
	raw->feature_control = rdmsr(MSR_IA32_FEATURE_CONTROL);
	raw->basic = rdmsr(MSR_IA32_VMX_BASIC);
	raw->pinbased = rdmsr(MSR_IA32_VMX_PINBASED_CTLS);
	raw->procbased = rdmsr(MSR_IA32_VMX_PROCBASED_CTLS);
	raw->exit = rdmsr(MSR_IA32_VMX_EXIT_CTLS);
	raw->entry = rdmsr(MSR_IA32_VMX_ENTRY_CTLS);
	raw->misc = rdmsr(MSR_IA32_VMX_MISC);
	if (raw->basic & (1ull << 55)) {
		raw->true_pinbased = rdmsr(MSR_IA32_VMX_TRUE_PINBASED_CTLS);
		raw->true_procbased = rdmsr(MSR_IA32_VMX_TRUE_PROCBASED_CTLS);
		raw->true_exit = rdmsr(MSR_IA32_VMX_TRUE_EXIT_CTLS);
		raw->true_entry = rdmsr(MSR_IA32_VMX_TRUE_ENTRY_CTLS);
	}
	/* IA32_VMX_PROCBASED_CTLS2 exists if secondary controls may be 1 (A.3.3). */
	if (raw->procbased & (1ull << (32 + PROC_SECONDARY_CONTROLS))) {
		raw->procbased2 = rdmsr(MSR_IA32_VMX_PROCBASED_CTLS2);
		/* IA32_VMX_EPT_VPID_CAP exists if EPT or VPID may be 1 (A.10). */
		if (raw->procbased2 & ((1ull << (32 + PROC2_ENABLE_EPT)) |
				       (1ull << (32 + PROC2_ENABLE_VPID))))
			raw->ept_vpid_cap = rdmsr(MSR_IA32_VMX_EPT_VPID_CAP);
	}
}
