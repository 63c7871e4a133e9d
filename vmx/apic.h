/*
 * The local APIC's LVT performance-counter entry, read and written from
 * root mode (the guest owns the APIC; pmuvisor touches only this entry):
 * the x2APIC MSR when the guest enabled x2APIC mode, else the xAPIC page
 * (SDM Vol. 3A, 11.12.1.2 and Table 11-1).
 */
#ifndef VMX_APIC_H
#define VMX_APIC_H

#include <stdint.h>

#include "lib/cpu.h"

#define MSR_IA32_APIC_BASE 0x1b
#define APIC_BASE_X2APIC (1ull << 10)
#define APIC_BASE_ADDRESS 0x000ffffffffff000ull
#define X2APIC_LVT_PMC 0x834
#define XAPIC_LVT_PMC 0x340

static inline uint32_t apic_lvtpc_read(void)
{
	uint64_t base = rdmsr(MSR_IA32_APIC_BASE);

	if (base & APIC_BASE_X2APIC)
		return (uint32_t)rdmsr(X2APIC_LVT_PMC);
	return *(volatile uint32_t *)(uintptr_t)((base & APIC_BASE_ADDRESS) + XAPIC_LVT_PMC);
}

static inline void apic_lvtpc_write(uint32_t value)
{
	uint64_t base = rdmsr(MSR_IA32_APIC_BASE);

	if (base & APIC_BASE_X2APIC)
		wrmsr(X2APIC_LVT_PMC, value);
	else
		*(volatile uint32_t *)(uintptr_t)((base & APIC_BASE_ADDRESS) + XAPIC_LVT_PMC) = value;
}

#endif
