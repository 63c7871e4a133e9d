#include "vmx/host.h"
#include "vmx/pcpu.h"
#include "vmx/vmcs.h"
#include "lib/cpu_bits.h"
#include "lib/cpu_safe.h"
#include "pmu/prof_hw.h"
#include "pmu/vpmu_guest.h"
#include "console/log.h"
#include "lib/panic.h"
#include "lib/string.h"

/* 64-bit TSS (SDM Vol. 3A, 8.7, Figure 8-11). */
struct tss64 {
	uint32_t reserved0;
	uint64_t rsp[3];
	uint64_t reserved1;
	uint64_t ist[7];
	uint64_t reserved2;
	uint16_t reserved3;
	uint16_t iomap_base;
} __attribute__((packed));

struct idt_gate {
	uint16_t offset_low, selector;
	uint8_t ist, type_attr;
	uint16_t offset_mid;
	uint32_t offset_high, reserved;
} __attribute__((packed));

/* Descriptors (SDM Vol. 3A, 3.4.5): 64-bit code (L=1, P, DPL 0, type
 * execute/read), data (P, type read/write), then the 16-byte TSS. */
#define DESC_CODE64 0x00209a0000000000ull
#define DESC_DATA 0x0000920000000000ull
#define GATE_INTERRUPT 0x8e
#define IST_CRITICAL 1

static uint64_t gdt[6] __attribute__((aligned(16)));
static struct tss64 tss __attribute__((aligned(16)));
static struct idt_gate idt[256] __attribute__((aligned(16)));

extern const uint64_t host_exception_stubs[32]; /* vmx/host_stubs.asm */
extern char host_nmi_entry[];

/* An NMI in root mode (vmx/host_stubs.asm): the profiler's PMI, or one
 * for the guest, re-injected by the exit path. */
void host_nmi(uint64_t rip)
{
	/* Root mode runs only to handle an exit: the VMCS says which. */
	if (prof_hw_root_nmi(rip, (unsigned)vmcs_read(VM_EXIT_REASON) & 0xffff))
		return;
	/* With the guest's counters on the CPU (domain-switch), their PMI
	 * can come while pmuvisor works for the guest: charged to the
	 * instruction that exited. */
	if (vpmu_hw_on)
		vpmu_hw_root_pmi(&vpmu_hw_backend, vmcs_read(GUEST_RIP));
	this_pcpu()->nmi_pending = 1; /* GS is pmuvisor's: root mode runs at exits only */
}

static void set_gate(unsigned vector, uint64_t handler, uint8_t ist)
{
	idt[vector] = (struct idt_gate){
		.offset_low = (uint16_t)handler,
		.selector = HOST_CS,
		.ist = ist,
		.type_attr = GATE_INTERRUPT,
		.offset_mid = (uint16_t)(handler >> 16),
		.offset_high = (uint32_t)(handler >> 32),
	};
}

void host_tables_init(struct host_tables *t, uint64_t nmi_stack_top)
{
	uint64_t tss_base = (uint64_t)(uintptr_t)&tss, limit = sizeof(tss) - 1;
	unsigned v;

	memset(&tss, 0, sizeof(tss));
	tss.ist[IST_CRITICAL - 1] = nmi_stack_top;
	tss.iomap_base = sizeof(tss); /* no I/O permission bitmap */
	gdt[0] = 0;
	gdt[HOST_CS / 8] = DESC_CODE64;
	gdt[HOST_DS / 8] = DESC_DATA;
	/* Available 64-bit TSS (type 9), present; base split over 16 bytes. */
	gdt[HOST_TR / 8] = (limit & 0xffff) | ((tss_base & 0xffffff) << 16) | (0x89ull << 40) |
			   ((limit >> 16) << 48) | (((tss_base >> 24) & 0xff) << 56);
	gdt[HOST_TR / 8 + 1] = tss_base >> 32;

	for (v = 0; v < 32; v++)
		set_gate(v, host_exception_stubs[v],
			 v == VECTOR_DOUBLE_FAULT || v == VECTOR_MACHINE_CHECK ? IST_CRITICAL : 0);
	set_gate(VECTOR_NMI, (uint64_t)(uintptr_t)host_nmi_entry, IST_CRITICAL);

	t->gdt_base = (uint64_t)(uintptr_t)gdt;
	t->gdt_limit = sizeof(gdt) - 1;
	t->idt_base = (uint64_t)(uintptr_t)idt;
	t->idt_limit = sizeof(idt) - 1;
	t->tr_base = tss_base;
}

void host_exception(struct exception_frame *f)
{
	uint64_t fixup;

	/* A guarded instruction (lib/cpu_safe.h) faulted: it fails instead. */
	if ((f->vector == VECTOR_GP || f->vector == VECTOR_UD) && (fixup = fault_fixup(f->rip))) {
		f->rip = fixup;
		return;
	}
	log_printf("pmuvisor: exception %lu (error code 0x%lx) in root mode at RIP 0x%lx\n"
		   "  RAX %016lx RBX %016lx RCX %016lx RDX %016lx\n"
		   "  RSI %016lx RDI %016lx RBP %016lx RSP %016lx\n",
		   (unsigned long)f->vector, (unsigned long)f->error_code, (unsigned long)f->rip,
		   (unsigned long)f->rax, (unsigned long)f->rbx, (unsigned long)f->rcx,
		   (unsigned long)f->rdx, (unsigned long)f->rsi, (unsigned long)f->rdi,
		   (unsigned long)f->rbp, (unsigned long)f->rsp);
	panic("unexpected exception in pmuvisor");
}
