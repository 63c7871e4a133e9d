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

#include <stdbool.h>
#include <stdint.h>

/* The guard's own IDT is part of it (on the caller's stack), so that
 * processors guarding at the same time do not share one. */
struct fault_guard {
	uint8_t idt[256 * 16] __attribute__((aligned(16)));
	uint8_t saved_idtr[10];
	uint64_t flags;
};

void fault_guard_enter(struct fault_guard *guard);
void fault_guard_leave(struct fault_guard *guard);

/* Return 0 on success, -1 if the instruction raised #GP. */
int msr_read_safe(uint32_t msr, uint64_t *value);
int msr_write_safe(uint32_t msr, uint64_t value);
int xsetbv_safe(uint32_t xcr, uint64_t value);

/* One access with its own guard around it.  In pmuvisor's root mode the
 * host IDT's #GP and #UD handlers resume a guarded instruction at its
 * fixup (fault_fixup()), so these are plain calls, safe on every CPU at
 * once and in the NMI handler; elsewhere (the firmware's IDT) the guard
 * swaps in a private IDT for the access (not from an NMI handler). */
int msr_read_guarded(uint32_t msr, uint64_t *value);
int msr_write_guarded(uint32_t msr, uint64_t value);
int xsetbv_guarded(uint32_t xcr, uint64_t value);

/* pmuvisor's root mode: from the first VM exit on, its own IDT (which
 * resumes guarded instructions at their fixups) handles every fault, and
 * the accessors above stop swapping IDTs.  Set just before VMLAUNCH
 * (root-mode code runs only at VM exits after it), cleared again if
 * VMLAUNCH fails. */
void fault_guard_host_idt(bool live);

/* Where a fault at 'rip' resumes if it is a guarded instruction, or 0. */
uint64_t fault_fixup(uint64_t rip);

/* For test payloads probing what a hypervisor does with bad input.  As
 * the accessors above: 0 on success, -1 if the instruction faulted (then
 * nothing was written).  MOV to CR0/CR4 raises #GP for reserved bits and
 * bad combinations (SDM Vol. 2B, MOV to control registers). */
int cr0_write_safe(uint64_t value);
int cr4_write_safe(uint64_t value);

/* VMCALL with RAX, RBX, RCX, RDX from *regs, written back on return
 * (docs/hypercalls.md).  Outside VMX non-root operation VMCALL raises #UD:
 * catching that needs fault_guard_catch_ud() inside the guard. */
struct vmcall_regs {
	uint64_t rax, rbx, rcx, rdx;
};
int vmcall_safe(struct vmcall_regs *regs);

/* Between fault_guard_enter() and fault_guard_leave() only: #UD raised by
 * the accessors above fails them too; any other #UD still goes to the
 * firmware's handler. */
void fault_guard_catch_ud(void);

#endif
