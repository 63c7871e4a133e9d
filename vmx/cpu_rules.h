/*
 * What the CPU refuses: the #GP(0) rules for values a guest writes to
 * CR0, CR4, XCR0 and IA32_APIC_BASE (pure; unit tested).  pmuvisor
 * emulates these writes, so it must refuse exactly what the processor
 * would, and nothing it cannot safely let through: a refused write is a
 * #GP injected into the guest, never a fault in root mode.
 */
#ifndef VMX_CPU_RULES_H
#define VMX_CPU_RULES_H

#include "lib/cpu_bits.h"

#include <stdbool.h>
#include <stdint.h>


/* What a MOV to CR0/CR4 is checked against: the guest's current view. */
struct cr_context {
	uint64_t cr0, cr4, cr3, efer; /* CR0/CR4 as the guest sees them (shadows) */
	bool cs_long;                 /* CS.L: in 64-bit mode */
	uint64_t cr4_supported;       /* bits this CPU implements (IA32_VMX_CR4_FIXED1) */
};

/* MOV to CR0 (SDM Vol. 2B, MOV—Move to/from Control Registers, #GP(0)). */
bool cr0_write_faults(const struct cr_context *c, uint64_t value);
/* MOV to CR4, same source; VMXE also faults: VMX is hidden from the guest. */
bool cr4_write_faults(const struct cr_context *c, uint64_t value);

/* XSETBV (SDM Vol. 2C, XSETBV; Vol. 1, 13.3): 'supported' is
 * CPUID.(EAX=0DH,ECX=0):EDX:EAX. */
bool xsetbv_faults(uint32_t index, uint64_t value, uint64_t supported);

#define APIC_BASE_BSP (1ull << 8)
#define APIC_BASE_EXTD (1ull << 10)
#define APIC_BASE_EN (1ull << 11)
#define APIC_BASE_ADDRESS_SHIFT 12

struct apic_base_context {
	uint64_t current;      /* IA32_APIC_BASE now */
	unsigned maxphyaddr;   /* CPUID.80000008H:EAX[7:0] */
	bool x2apic;           /* CPUID.1:ECX[21] */
	uint64_t hidden_base, hidden_size; /* pmuvisor's memory */
	uint64_t reachable_top;            /* root mode maps [0, this) */
};

/* WRMSR IA32_APIC_BASE (SDM Vol. 3A, 11.4.4 and 11.12.5): reserved bits,
 * invalid xAPIC/x2APIC transitions, and pmuvisor's own rules, refused as
 * invalid values: no APIC page on pmuvisor's memory, none where root
 * mode cannot reach it (pmuvisor reads the LVT and sends the virtual
 * PMU's interrupts through it). */
bool apic_base_write_faults(const struct apic_base_context *c, uint64_t value);

/* 4-level EPT translates guest-physical bits 47:0 only (SDM Vol. 3C,
 * 29.3.2); pmuvisor shows the guest a CPU of MAXPHYADDR at most this. */
#define EPT_REACH_BITS 48

/* The #PF error code a CPU of MAXPHYADDR 48 gives where an EPT violation
 * with 'qualification' (SDM Vol. 3C, Table 28-7) found a guest-physical
 * address beyond that: a reserved bit in a paging entry (SDM Vol. 3A,
 * 5.7): P and RSVD, W/R for a write, U/S at CPL 3, I/D for a fetch. */
uint32_t beyond_reach_pf_error(uint64_t qualification, unsigned cpl);

#endif
