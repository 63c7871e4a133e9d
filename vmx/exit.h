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

/* Basic exit reasons (SDM Vol. 3D, Appendix C). */
enum exit_reason {
	EXIT_REASON_EXCEPTION_NMI = 0,
	EXIT_REASON_EXTERNAL_INTERRUPT = 1,
	EXIT_REASON_TRIPLE_FAULT = 2,
	EXIT_REASON_INIT = 3,
	EXIT_REASON_SIPI = 4,
	EXIT_REASON_NMI_WINDOW = 8,
	EXIT_REASON_TASK_SWITCH = 9,
	EXIT_REASON_CPUID = 10,
	EXIT_REASON_GETSEC = 11,
	EXIT_REASON_HLT = 12,
	EXIT_REASON_INVD = 13,
	EXIT_REASON_INVLPG = 14,
	EXIT_REASON_RDPMC = 15,
	EXIT_REASON_RDTSC = 16,
	EXIT_REASON_VMCALL = 18,
	EXIT_REASON_VMCLEAR = 19,
	EXIT_REASON_VMLAUNCH = 20,
	EXIT_REASON_VMPTRLD = 21,
	EXIT_REASON_VMPTRST = 22,
	EXIT_REASON_VMREAD = 23,
	EXIT_REASON_VMRESUME = 24,
	EXIT_REASON_VMWRITE = 25,
	EXIT_REASON_VMXOFF = 26,
	EXIT_REASON_VMXON = 27,
	EXIT_REASON_CR_ACCESS = 28,
	EXIT_REASON_DR_ACCESS = 29,
	EXIT_REASON_IO = 30,
	EXIT_REASON_RDMSR = 31,
	EXIT_REASON_WRMSR = 32,
	EXIT_REASON_INVALID_GUEST_STATE = 33,
	EXIT_REASON_MSR_LOADING = 34,
	EXIT_REASON_MWAIT = 36,
	EXIT_REASON_MONITOR = 39,
	EXIT_REASON_PAUSE = 40,
	EXIT_REASON_MACHINE_CHECK = 41,
	EXIT_REASON_EPT_VIOLATION = 48,
	EXIT_REASON_EPT_MISCONFIG = 49,
	EXIT_REASON_INVEPT = 50,
	EXIT_REASON_RDTSCP = 51,
	EXIT_REASON_PREEMPTION_TIMER = 52,
	EXIT_REASON_INVVPID = 53,
	EXIT_REASON_WBINVD = 54,
	EXIT_REASON_XSETBV = 55,
	EXIT_REASON_VMFUNC = 59,
	EXIT_REASON_COUNT = 70
};

struct exit_stats {
	uint64_t count[EXIT_REASON_COUNT];
	uint64_t cycles[EXIT_REASON_COUNT]; /* TSC ticks spent in pmuvisor */
};

extern struct exit_stats exit_stats;

const char *exit_reason_name(unsigned reason);
/* The function that handles 'reason' (for profiles), or NULL. */
const void *exit_handler_address(unsigned reason);

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
