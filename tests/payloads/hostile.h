/*
 * What the hostile-guest payload's files share (hostile.c: the classes
 * and main; hostile_interrupts.c: the NMI and virtual-PMU classes).
 */
#ifndef TESTS_PAYLOADS_HOSTILE_H
#define TESTS_PAYLOADS_HOSTILE_H

#include <efi.h>

#include <stdint.h>

#include "lib/format.h"

/* The PI specification's CPU architectural protocol (PI Vol. 2, 12.3),
 * which gnu-efi does not declare; only RegisterInterruptHandler is used. */
#define CPU_ARCH_PROTOCOL_GUID \
	{ 0x26baccb1, 0x6f42, 0x11d4, { 0xbc, 0xe7, 0x00, 0x80, 0xc7, 0x3c, 0x88, 0x81 } }
typedef void(EFIAPI *cpu_interrupt_handler)(INTN vector, void *system_context);
struct cpu_arch_protocol {
	void *flush_data_cache, *enable_interrupt, *disable_interrupt, *get_interrupt_state, *init;
	/* A NULL handler unregisters; registering over another one fails. */
	EFI_STATUS(EFIAPI *register_interrupt_handler)(struct cpu_arch_protocol *self, INTN vector,
						       cpu_interrupt_handler handler);
};

#define MSR_IA32_APIC_BASE 0x1bu
#define APIC_BASE_X2APIC (1ull << 10)

static inline uint64_t cr4_read(void)
{
	uint64_t v;

	__asm__ volatile("mov %%cr4, %0" : "=r"(v));
	return v;
}

/* What every class may need to know about the machine (hostile.c). */
struct hostile_machine {
	EFI_SYSTEM_TABLE *st;
	int under_pmuvisor;
	unsigned maxphyaddr;           /* CPUID 0x80000008 EAX[7:0] */
	uint64_t apic;                 /* the xAPIC page, 0 in x2APIC mode */
	uint64_t reserved_phys;        /* the largest EfiReservedMemoryType range */
	uint64_t reserved_pages;
	struct cpu_arch_protocol *cpu; /* NULL if the firmware has none */
};

extern struct hostile_machine machine;

/* One result line of the class running: "PMUVISOR-HOSTILE: CLASS NAME VALUE". */
void result(const char *name, const char *fmt, ...) PRINTF_LIKE(2, 3);

/* Task switches in 32-bit protected mode (hostile_task.c). */
void attack_task(void);

/* "yes" if pmuvisor still answers a ping hypercall, "no-vmcall" natively. */
const char *vmm_answers(void);

static inline uint32_t apic_read(unsigned reg)
{
	return *(volatile uint32_t *)(uintptr_t)(machine.apic + reg);
}

static inline void apic_write(unsigned reg, uint32_t value)
{
	*(volatile uint32_t *)(uintptr_t)(machine.apic + reg) = value;
}

/* The classes of hostile_interrupts.c. */
void attack_nmi(void);
void attack_vpmu(void);

#endif
