/* An event whose delivery a VM exit interrupted (IDT-vectoring
 * information valid, SDM Vol. 3C, 28.2.4: an EPT violation on the IDT,
 * the stack or the GDT, an NMI exit meanwhile) was not delivered: it must
 * be injected again at the next VM entry or it is lost (an external
 * interrupt the APIC already considers delivered, an NMI).  Pure. */
#ifndef VMX_REDELIVER_H
#define VMX_REDELIVER_H

#include <stdbool.h>
#include <stdint.h>

#define IDT_INFO_VALID (1u << 31)

struct redelivery {
	uint32_t entry_info; /* for VM_ENTRY_INTR_INFO */
	bool error_code;     /* copy IDT_VECTORING_ERROR_CODE */
	bool instruction_length; /* copy VM_EXIT_INSTRUCTION_LEN (software events) */
};

/* The VM-entry injection that repeats 'idt' (IDT-vectoring information):
 * the same vector, type and error-code bit; bits 30:12, undefined in the
 * exit field and reserved in the entry one, cleared.  Software interrupts
 * and exceptions (types 4-6) need the instruction's length. */
static inline struct redelivery redelivery_of(uint32_t idt)
{
	unsigned type = (idt >> 8) & 7;

	return (struct redelivery){ idt & (IDT_INFO_VALID | 0xfffu), (idt >> 11) & 1,
				    type >= 4 && type <= 6 };
}

#endif
