/*
 * The hostile payload's task-switch class: hardware task switches in
 * 32-bit protected mode (tests/payloads/task_switch.asm does the mode
 * changes and the switches).  JMP to a TSS and back, CALL and IRET
 * through the back link; the payload records what each task saw and how
 * the TSS descriptors' busy bits ended, natively and under pmuvisor
 * (which carries out every switch: vmx/task_switch.c).
 */
#include "tests/payloads/hostile.h"

#include <stddef.h>

#include "lib/cpu.h"
#include "lib/string.h"

struct task_block {
	uint64_t saved_rsp;
	uint8_t saved_gdtr[10], pad0[6];
	uint16_t saved_segs[7], pad1;
	uint16_t gdtr_limit;
	uint64_t gdtr_base;
	uint8_t pad2[6];
	uint32_t far32_offset;
	uint16_t far32_selector, pad3;
	uint32_t far64_offset;
	uint16_t far64_selector, pad4;
	uint32_t b_runs, b_eax, b_flags_jmp, b_flags_call, a_flags_iret, a_eax_jmp;
	uint64_t cr0_after;
} __attribute__((packed));

/* task_switch.asm's offsets. */
_Static_assert(offsetof(struct task_block, saved_segs) == 0x18, "SAVED_SEGS");
_Static_assert(offsetof(struct task_block, gdtr_limit) == 0x28, "NEW_GDTR");
_Static_assert(offsetof(struct task_block, far32_offset) == 0x38, "FAR32");
_Static_assert(offsetof(struct task_block, far64_offset) == 0x40, "FAR64");
_Static_assert(offsetof(struct task_block, b_runs) == 0x48, "B_RUNS");
_Static_assert(offsetof(struct task_block, cr0_after) == 0x60, "CR0_AFTER");

void task_switch_run(struct task_block *b);
extern const char task_b_entry[];

/* One page: the block, the GDT at 0x100, TSS A at 0x200, TSS B at 0x300,
 * task B's stack at the top. */
#define GDT_AT 0x100u
#define TSS_A_AT 0x200u
#define TSS_B_AT 0x300u
#define STACK_TOP 0xff0u
enum { SEL_CODE64 = 0x08, SEL_DATA = 0x10, SEL_CODE32 = 0x18, SEL_TSS_A = 0x20, SEL_TSS_B = 0x28 };
#define EFLAGS_NT (1u << 14)

static uint64_t tss_descriptor(uint64_t base)
{
	/* Limit 0x67, type 9 (32-bit TSS, available), present. */
	return 0x67 | (base & 0xffffff) << 16 | 0x89ull << 40 | (base >> 24) << 56;
}

static void put32(uint8_t *p, unsigned at, uint32_t v)
{
	memcpy(p + at, &v, 4);
}

void attack_task(void)
{
	EFI_PHYSICAL_ADDRESS page = 0xffffffffu;
	struct task_block *b;
	uint64_t *gdt;
	uint8_t *tss_b, type_a, type_b;

	if ((uintptr_t)task_switch_run >= 1ull << 32 || (cr4_read() & CR4_LA57)) {
		result("skip", "the payload's code is above 4 GiB or 5-level paging is on");
		return;
	}
	if (EFI_ERROR(machine.st->BootServices->AllocatePages(AllocateMaxAddress, EfiLoaderData, 1,
							      &page))) {
		result("skip", "no page below 4 GiB");
		return;
	}
	memset((void *)(uintptr_t)page, 0, 4096);
	b = (struct task_block *)(uintptr_t)page;
	gdt = (uint64_t *)(uintptr_t)(page + GDT_AT);
	gdt[SEL_CODE64 / 8] = 0x00af9a000000ffffull;
	gdt[SEL_DATA / 8] = 0x00cf92000000ffffull;
	gdt[SEL_CODE32 / 8] = 0x00cf9a000000ffffull;
	gdt[SEL_TSS_A / 8] = tss_descriptor(page + TSS_A_AT);
	gdt[SEL_TSS_B / 8] = tss_descriptor(page + TSS_B_AT);
	b->gdtr_limit = 6 * 8 - 1;
	b->gdtr_base = page + GDT_AT;
	/* Task B: runs task_b_entry flat in 32-bit code, EBX = the block. */
	tss_b = (uint8_t *)(uintptr_t)(page + TSS_B_AT);
	put32(tss_b, 0x20, (uint32_t)(uintptr_t)task_b_entry);
	put32(tss_b, 0x24, 0x2);
	put32(tss_b, 0x28, 0x5a5a0001);            /* EAX */
	put32(tss_b, 0x34, (uint32_t)page);        /* EBX */
	put32(tss_b, 0x38, (uint32_t)page + STACK_TOP);
	for (unsigned i = 0; i < 6; i++)
		put32(tss_b, 0x48 + 4 * i, i == 1 ? SEL_CODE32 : SEL_DATA);
	put32(tss_b, 0x64, 0x68u << 16);             /* no I/O bitmap */
	put32((uint8_t *)(uintptr_t)(page + TSS_A_AT), 0x64, 0x68u << 16);
	task_switch_run(b);
	type_a = (uint8_t)(gdt[SEL_TSS_A / 8] >> 40) & 0xf;
	type_b = (uint8_t)(gdt[SEL_TSS_B / 8] >> 40) & 0xf;
	result("switches", "b-runs=%u b-eax=0x%x a-eax=0x%x b-nt-jmp=%u b-nt-call=%u a-nt-iret=%u "
		"link=0x%x", b->b_runs, b->b_eax, b->a_eax_jmp, !!(b->b_flags_jmp & EFLAGS_NT),
	       !!(b->b_flags_call & EFLAGS_NT), !!(b->a_flags_iret & EFLAGS_NT),
	       *(uint16_t *)(uintptr_t)(page + TSS_B_AT));
	result("busy", "tss-a-type=%u tss-b-type=%u", type_a, type_b);
	result("cr0-ts", "%u", (unsigned)((b->cr0_after >> 3) & 1));
	machine.st->BootServices->FreePages(page, 1);
	result("vmm-answers", "%s", vmm_answers());
}
