/* Task-switch exits (always taken, SDM Vol. 3C, 26.1.2): the switch is
 * carried out by vmx/task_switch.c on the guest's state from the VMCS. */
#include "vmx/exit_handlers.h"
#include "vmx/guest_access.h"
#include "vmx/task_switch.h"
#include "vmx/vmcs.h"
#include "lib/cpu.h"
#include "lib/string.h"

/* IDT-vectoring information (SDM Vol. 3C, 25.9.3): the event, if any,
 * that was being delivered through a task gate. */
#define IDT_VALID (1u << 31)
#define IDT_ERROR_VALID (1u << 11)
#define IDT_TYPE(info) (((info) >> 8) & 7u)
enum { TYPE_EXTERNAL = 0, TYPE_NMI = 2, TYPE_HARDWARE_EXCEPTION = 3, TYPE_SOFTWARE_INTERRUPT = 4,
       TYPE_PRIVILEGED_SOFTWARE_EXCEPTION = 5, TYPE_SOFTWARE_EXCEPTION = 6 };
#define BLOCKING_NMI (1u << 3) /* guest interruptibility state */
#define CR0_TS (1ull << 3)

static int read_linear(void *ctx, uint64_t linear, void *dst, size_t len, uint32_t *pf_error)
{
	const struct guest_memory *m = ctx;

	if (guest_read(m, linear, dst, len, false) == 0)
		return 0;
	*pf_error = guest_pf_error(m, linear, false, false);
	return -1;
}

static int write_linear(void *ctx, uint64_t linear, const void *src, size_t len, uint32_t *pf_error)
{
	const struct guest_memory *m = ctx;

	if (guest_write(m, linear, src, len, false) == 0)
		return 0;
	*pf_error = guest_pf_error(m, linear, true, false);
	return -1;
}

static int read_phys(void *ctx, uint64_t gpa, void *dst, size_t len)
{
	const void *p = vm_guest_phys(gpa, len);

	(void)ctx;
	if (!p)
		return -1;
	memcpy(dst, p, len);
	return 0;
}

static void read_state(struct ts_cpu *c, const struct guest_regs *r)
{
	const uint64_t gpr[8] = { r->rax, r->rcx, r->rdx, r->rbx, vmcs_read(GUEST_RSP), r->rbp,
				  r->rsi, r->rdi };

	for (unsigned i = 0; i < 8; i++)
		c->gpr[i] = (uint32_t)gpr[i];
	c->eip = (uint32_t)vmcs_read(GUEST_RIP);
	c->eflags = (uint32_t)vmcs_read(GUEST_RFLAGS);
	for (unsigned s = 0; s < SEG_COUNT; s++)
		c->seg[s] = (struct ts_segment){ (uint16_t)vmcs_read(GUEST_ES_SELECTOR + 2 * s),
						 vmcs_read(GUEST_ES_BASE + 2 * s),
						 (uint32_t)vmcs_read(GUEST_ES_LIMIT + 2 * s),
						 (uint32_t)vmcs_read(GUEST_ES_AR + 2 * s) };
	c->gdtr_base = vmcs_read(GUEST_GDTR_BASE);
	c->gdtr_limit = (uint32_t)vmcs_read(GUEST_GDTR_LIMIT);
	c->idtr_base = vmcs_read(GUEST_IDTR_BASE);
	c->idtr_limit = (uint32_t)vmcs_read(GUEST_IDTR_LIMIT);
	c->cr0 = vmcs_read(GUEST_CR0);
	c->cr3 = vmcs_read(GUEST_CR3);
	c->dr7 = vmcs_read(GUEST_DR7);
	c->pae = guest_paging_mode(c->cr0, vmcs_read(GUEST_CR4), vmcs_read(GUEST_IA32_EFER)) ==
		 GUEST_PAGING_PAE;
	for (unsigned i = 0; i < 4; i++)
		c->pdpte[i] = c->pae ? vmcs_read(GUEST_PDPTE0 + 2 * i) : 0;
}

static void write_state(const struct ts_cpu *c, struct guest_regs *r)
{
	uint64_t *gpr[8] = { &r->rax, &r->rcx, &r->rdx, &r->rbx, 0, &r->rbp, &r->rsi, &r->rdi };

	for (unsigned i = 0; i < 8; i++)
		if (gpr[i])
			*gpr[i] = c->gpr[i];
	vmcs_write(GUEST_RSP, c->gpr[4]);
	vmcs_write(GUEST_RIP, c->eip);
	vmcs_write(GUEST_RFLAGS, c->eflags);
	for (unsigned s = 0; s < SEG_COUNT; s++) {
		vmcs_write(GUEST_ES_SELECTOR + 2 * s, c->seg[s].selector);
		vmcs_write(GUEST_ES_BASE + 2 * s, c->seg[s].base);
		vmcs_write(GUEST_ES_LIMIT + 2 * s, c->seg[s].limit);
		vmcs_write(GUEST_ES_AR + 2 * s, c->seg[s].ar);
	}
	/* CR0.TS: the guest's own bit, in the register and in its view. */
	vmcs_write(GUEST_CR0, c->cr0);
	vmcs_write(CR0_READ_SHADOW, vmcs_read(CR0_READ_SHADOW) | (c->cr0 & CR0_TS));
	vmcs_write(GUEST_CR3, c->cr3);
	vmcs_write(GUEST_DR7, c->dr7);
	if (c->pae)
		for (unsigned i = 0; i < 4; i++)
			vmcs_write(GUEST_PDPTE0 + 2 * i, c->pdpte[i]);
}

void handle_task_switch(struct guest_regs *regs)
{
	/* Exit qualification (SDM Vol. 3C, Table 28-2): the new TSS's
	 * selector, and the source in bits 31:30. */
	uint64_t q = vmcs_read(EXIT_QUALIFICATION);
	uint32_t idt = (uint32_t)vmcs_read(IDT_VECTORING_INFO), type = IDT_TYPE(idt);
	struct ts_request req = { .selector = (uint16_t)q, .source = (enum ts_source)((q >> 30) & 3) };
	struct guest_memory m = guest_memory_now();
	struct ts_memory mem = { read_linear, write_linear, read_phys, &m };
	bool event = (idt & IDT_VALID) && req.source == TS_GATE;
	struct ts_cpu c;
	struct ts_fault f;
	enum ts_result result;

	if (event) {
		req.vector = idt & 0xff;
		req.software = type == TYPE_SOFTWARE_INTERRUPT || type == TYPE_SOFTWARE_EXCEPTION;
		req.has_error = idt & IDT_ERROR_VALID;
		req.error = (uint32_t)vmcs_read(IDT_VECTORING_ERROR_CODE);
	}
	read_state(&c, regs);
	/* The old task resumes after a JMP, CALL, IRET or INT n/INT3/INTO/
	 * INT1, at the faulting or interrupted instruction otherwise. */
	if (!event || type >= TYPE_SOFTWARE_INTERRUPT)
		c.eip += (uint32_t)vmcs_read(VM_EXIT_INSTRUCTION_LEN);
	result = task_switch(&c, &req, &mem, &f);
	/* An event delivered through a gate wakes a halted CPU, and VM entry
	 * refuses to inject an exception into the HLT state (SDM Vol. 3C,
	 * 27.3.1.5): the guest is active from here on either way. */
	if (event)
		vmcs_write(GUEST_ACTIVITY_STATE, 0);
	if (result != TS_FAULT) {
		write_state(&c, regs);
		/* A new instruction stream: no STI or MOV-SS shadow; an NMI
		 * delivered through the gate blocks NMIs until an IRET. */
		vmcs_write(GUEST_INTERRUPTIBILITY_INFO,
			   event && type == TYPE_NMI ? BLOCKING_NMI
						     : vmcs_read(GUEST_INTERRUPTIBILITY_INFO) & BLOCKING_NMI);
	}
	if (result == TS_SWITCHED)
		return;
	if (f.vector == VECTOR_PF)
		cr2_write(f.cr2);
	exit_inject_exception(f.vector, f.has_error, f.error);
}
