/*
 * Probing MSRs that may not exist.
 *
 * RDMSR/WRMSR raise #GP(0) for an MSR the processor does not implement or
 * a value it rejects (SDM Vol. 2B, RDMSR/WRMSR "Protected Mode
 * Exceptions").  Between fault_guard_enter() and fault_guard_leave() a
 * private IDT catches #GP raised by the accessors below and turns it into
 * a failed return; any other #GP goes on to the firmware's handler.
 */
#ifndef LIB_CPU_SAFE_H
#define LIB_CPU_SAFE_H

#include <stdint.h>

struct fault_guard {
	uint8_t saved_idtr[10];
	uint64_t flags;
};

void fault_guard_enter(struct fault_guard *guard);
void fault_guard_leave(struct fault_guard *guard);

/* Return 0 on success, -1 if the instruction raised #GP. */
int msr_read_safe(uint32_t msr, uint64_t *value);
int msr_write_safe(uint32_t msr, uint64_t value);
int xsetbv_safe(uint32_t xcr, uint64_t value);

/* One access with its own guard around it (not from an NMI handler: the
 * guard swaps the IDT). */
int msr_read_guarded(uint32_t msr, uint64_t *value);
int msr_write_guarded(uint32_t msr, uint64_t value);
int xsetbv_guarded(uint32_t xcr, uint64_t value);

#endif
