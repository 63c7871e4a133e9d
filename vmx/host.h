/* pmuvisor's own CPU tables for VMX root mode: GDT, TSS and IDT. */
#ifndef VMX_HOST_H
#define VMX_HOST_H

#include <stdint.h>

#define HOST_CS 0x08
#define HOST_DS 0x10
#define HOST_TR 0x18

struct host_tables {
	uint64_t gdt_base, idt_base, tr_base;
	uint16_t gdt_limit, idt_limit;
};

/* Builds the tables (once); 'nmi_stack_top' is the IST stack for NMI and
 * double fault, so that they never run on a damaged stack. */
void host_tables_init(struct host_tables *t, uint64_t nmi_stack_top);

void host_nmi(uint64_t rip);

/* Frame the exception stubs (vmx/host_stubs.asm) hand to C. */
struct exception_frame {
	uint64_t r15, r14, r13, r12, r11, r10, r9, r8;
	uint64_t rbp, rdi, rsi, rdx, rcx, rbx, rax;
	uint64_t vector, error_code;
	uint64_t rip, cs, rflags, rsp, ss;
};

/* Resumes a guarded instruction at its fixup; reports and stops on any
 * other exception. */
void host_exception(struct exception_frame *frame);

#endif
