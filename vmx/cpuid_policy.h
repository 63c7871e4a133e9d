/* What the guest sees of CPUID (pure; unit tested). */
#ifndef VMX_CPUID_POLICY_H
#define VMX_CPUID_POLICY_H

#include <stdint.h>

#define CPUID_HYPERVISOR_BASE 0x40000000u
#define CPUID_HYPERVISOR_MAX 0x40000000u /* the highest hypervisor leaf pmuvisor serves */

struct cpuid_result {
	uint32_t eax, ebx, ecx, edx;
};

/* Rewrites the processor's answer 'r' to 'leaf' for the guest: the
 * hypervisor bit set and VMX hidden in leaf 1, OSXSAVE following the
 * guest's CR4, and pmuvisor's own leaves at 0x40000000. */
void cpuid_policy_apply(uint32_t leaf, uint64_t guest_cr4, struct cpuid_result *r);

#endif
