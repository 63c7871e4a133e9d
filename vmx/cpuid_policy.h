/* What the guest sees of CPUID (pure; unit tested). */
#ifndef VMX_CPUID_POLICY_H
#define VMX_CPUID_POLICY_H

#include "lib/cpu.h"
#include "vmx/cpu_rules.h"

#include <stdint.h>

#define CPUID_HYPERVISOR_BASE 0x40000000u
#define CPUID_HYPERVISOR_MAX 0x40000000u /* the highest hypervisor leaf pmuvisor serves */

struct cpuid_result {
	uint32_t eax, ebx, ecx, edx;
};

/* Rewrites the processor's answer 'r' to 'leaf' for the guest: the
 * hypervisor bit set and VMX hidden in leaf 1, OSXSAVE following the
 * guest's CR4, and pmuvisor's own leaves at 0x40000000.  Inline: it sits
 * on the CPUID exit path, whose length `make bench` measures. */

static inline void cpuid_policy_apply(uint32_t leaf, uint64_t guest_cr4, struct cpuid_result *r)
{
	if (leaf == 1) {
		r->ecx |= CPUID1_ECX_HYPERVISOR;
		r->ecx &= ~CPUID1_ECX_VMX;
		/* OSXSAVE mirrors CR4.OSXSAVE (SDM Vol. 2A, CPUID): root mode
		 * runs with pmuvisor's CR4, so take the guest's. */
		r->ecx &= ~CPUID1_ECX_OSXSAVE;
		if (guest_cr4 & CR4_OSXSAVE)
			r->ecx |= CPUID1_ECX_OSXSAVE;
		return;
	}
	/* MAXPHYADDR: what 4-level EPT reaches (vmx/cpu_rules.h). */
	if (leaf == 0x80000008u && (r->eax & 0xff) > EPT_REACH_BITS) {
		r->eax = (r->eax & ~0xffu) | EPT_REACH_BITS;
		return;
	}
	/* 0x40000000-0x4fffffff is reserved for hypervisors; Linux probes
	 * 0x40000000 and steps by 0x100.  Only the first is pmuvisor's. */
	if (leaf == CPUID_HYPERVISOR_BASE) {
		r->eax = CPUID_HYPERVISOR_MAX;
		r->ebx = 0x76756d70; /* "pmuv", little-endian */
		r->ecx = 0x726f7369; /* "isor" */
		r->edx = 0;
	} else if (leaf > CPUID_HYPERVISOR_BASE && leaf <= 0x4fffffffu) {
		r->eax = r->ebx = r->ecx = r->edx = 0;
	}
}

#endif
