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
#define X2APIC_SELF_IPI 0x83f
#define XAPIC_ICR_LOW 0x300
#define ICR_DELIVERY_PENDING (1u << 12)
#define ICR_SHORTHAND_SELF (1u << 18)
#define ICR_SEND_WAIT 100000 /* polls of the delivery status, at most */

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

/* A fixed-mode interrupt of 'vector' to this CPU through its own APIC
 * (x2APIC SELF IPI register, SDM 11.12.11; else the ICR with the "self"
 * shorthand, 11.6.1): the APIC then delivers it as it would any other,
 * when the guest's RFLAGS.IF, interrupt shadows, TPR and in-service
 * vectors allow, and the guest's EOI retires it. */
static inline void apic_self_interrupt(uint8_t vector)
{
	uint64_t base = rdmsr(MSR_IA32_APIC_BASE);
	volatile uint32_t *icr;
	unsigned wait;

	if (base & APIC_BASE_X2APIC) {
		wrmsr(X2APIC_SELF_IPI, vector);
		return;
	}
	icr = (volatile uint32_t *)(uintptr_t)((base & APIC_BASE_ADDRESS) + XAPIC_ICR_LOW);
	/* An IPI the guest is sending goes first (SDM 11.6.1, delivery status). */
	for (wait = 0; (*icr & ICR_DELIVERY_PENDING) && wait < ICR_SEND_WAIT; wait++)
		__asm__ volatile("pause");
	*icr = ICR_SHORTHAND_SELF | vector;
}

#endif
