/*
 * Hardware task switches (SDM Vol. 3A, 8.3), which always cause a VM exit
 * (SDM Vol. 3C, 26.1.2) and which pmuvisor therefore carries out itself:
 * a guest in 32-bit protected mode switches tasks with JMP or CALL to a
 * TSS or task gate, IRET with NT set, or an interrupt or exception whose
 * IDT entry is a task gate (32-bit Linux's double-fault handler is one).
 * 32-bit and 16-bit TSSs.  Pure: guest memory through callbacks by
 * linear address (unit tested on the SDM's steps and faults).
 *
 * The checks the CPU makes before the exit (JMP/CALL privilege, the
 * descriptor's type) are not repeated.  A fault found before the switch
 * commits leaves everything as it was; one found loading the new task's
 * segments is raised in the new task, as on the CPU, with the segment
 * registers not yet loaded keeping the old task's values (so that the
 * state stays one VM entry accepts).
 */
#ifndef VMX_TASK_SWITCH_H
#define VMX_TASK_SWITCH_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "vmx/segments.h"

struct ts_segment {
	uint16_t selector;
	uint64_t base;
	uint32_t limit;
	uint32_t ar; /* VMCS format */
};

struct ts_cpu {
	uint32_t gpr[8]; /* EAX, ECX, EDX, EBX, ESP, EBP, ESI, EDI */
	uint32_t eip;    /* where the old task goes on (see task_switch()) */
	uint32_t eflags;
	struct ts_segment seg[SEG_COUNT];
	uint64_t gdtr_base, idtr_base;
	uint32_t gdtr_limit, idtr_limit;
	uint64_t cr0, cr3, dr7;
	bool pae;          /* PAE paging: the PDPTEs come from the new CR3 */
	uint64_t pdpte[4]; /* loaded from it when pae and CR3 changes */
};

/* Guest memory by linear address with supervisor rights (the accesses a
 * task switch makes are implicit supervisor accesses).  Each returns 0,
 * or -1 with the page-fault error code in *pf_error. */
struct ts_memory {
	int (*read)(void *ctx, uint64_t linear, void *dst, size_t len, uint32_t *pf_error);
	int (*write)(void *ctx, uint64_t linear, const void *src, size_t len, uint32_t *pf_error);
	/* Guest-physical, for the PDPTEs: 0 or -1. */
	int (*read_phys)(void *ctx, uint64_t gpa, void *dst, size_t len);
	void *ctx;
};

/* The exit qualification's source (SDM Vol. 3C, Table 28-2). */
enum ts_source { TS_CALL = 0, TS_IRET = 1, TS_JMP = 2, TS_GATE = 3 };

struct ts_request {
	uint16_t selector; /* of the new TSS */
	enum ts_source source;
	/* TS_GATE: the event delivered through the gate. */
	bool software;   /* INT n, INT3, INTO: the gate's DPL is checked */
	unsigned vector;
	bool has_error;  /* pushed on the new task's stack */
	uint32_t error;
};

struct ts_fault {
	unsigned vector;
	bool has_error;
	uint32_t error;
	uint64_t cr2; /* #PF */
};

enum ts_result {
	TS_SWITCHED,          /* the new task runs */
	TS_FAULT,             /* *fault, raised in the old task: nothing changed */
	TS_FAULT_IN_NEW_TASK, /* *fault, raised in the new task: *cpu is the new task's */
};

/* Switches 'cpu' to the task req->selector names.  cpu->eip must be the
 * old task's next instruction (after the JMP, CALL, IRET or INT; the
 * faulting or interrupted one for other events). */
enum ts_result task_switch(struct ts_cpu *cpu, const struct ts_request *req, const struct ts_memory *m,
		struct ts_fault *fault);

#endif
