/* VM exits: the guest's registers, the dispatch table and its statistics. */
#ifndef VMX_EXIT_H
#define VMX_EXIT_H

#include "vmx/vmcs.h"

#include <stdbool.h>
#include <stdint.h>

/* The order vmx/vmx_entry.asm pushes them (16 slots, index = the SDM's
 * register number, so that exit qualifications can index it; the RSP
 * slot is unused: RSP is GUEST_RSP in the VMCS). */
struct guest_regs {
	uint64_t rax, rcx, rdx, rbx, rsp_unused, rbp, rsi, rdi;
	uint64_t r8, r9, r10, r11, r12, r13, r14, r15;
};

#include "vmx/exit_reason.h"


/* Called from vmx/vmx_entry.asm on every VM exit: the path of this CPU's
 * mode (vmx/pcpu.h). */
void vmx_exit_handler(struct guest_regs *regs);
void vmx_resume_failed(struct guest_regs *regs) __attribute__((noreturn));

/* What a handler may ask for before the guest resumes. */
static inline void exit_skip_instruction(void)
{
	vmcs_write(GUEST_RIP, vmcs_read(GUEST_RIP) + vmcs_read(VM_EXIT_INSTRUCTION_LEN));
}

void exit_inject_gp(void);
void exit_inject_ud(void);
/* A hardware exception at the next VM entry; the error code is left out
 * in real mode, where VM entry refuses one. */
void exit_inject_exception(unsigned vector, bool has_error, uint32_t error);
void exit_dump(const char *why, unsigned reason, const struct guest_regs *regs);
void exit_stop(const char *why, unsigned reason, const struct guest_regs *regs)
	__attribute__((noreturn));

#endif
