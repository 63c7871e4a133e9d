#include "lib/cpu_safe.h"
#include "lib/cpu.h"
#include "lib/string.h"

#include <stdbool.h>

/* 64-bit IDT gate descriptor (SDM Vol. 3A, 6.14.1, Figure 6-8). */
struct idt_gate {
	uint16_t offset_low;
	uint16_t selector;
	uint8_t ist;
	uint8_t type_attr;
	uint16_t offset_mid;
	uint32_t offset_high;
	uint32_t reserved;
} __attribute__((packed));

struct idtr {
	uint16_t limit;
	uint64_t base;
} __attribute__((packed));

#define GATE_INTERRUPT_PRESENT 0x8e /* P=1, DPL=0, type 0xE: 64-bit interrupt gate */

extern char fault_guard_gp_handler[];
extern uint64_t fault_guard_chained_gp;

static uint64_t gate_offset(const struct idt_gate *g)
{
	return g->offset_low | ((uint64_t)g->offset_mid << 16) | ((uint64_t)g->offset_high << 32);
}

void fault_guard_enter(struct fault_guard *guard)
{
	struct idt_gate *guard_idt = (struct idt_gate *)(void *)guard->idt;
	struct idtr current, mine;
	uint16_t cs;
	uint64_t handler = (uint64_t)(uintptr_t)fault_guard_gp_handler;
	size_t bytes;

	guard->flags = irq_save();
	__asm__ volatile("sidt %0" : "=m"(current));
	__asm__ volatile("mov %%cs, %0" : "=r"(cs));
	memcpy(guard->saved_idtr, &current, sizeof(guard->saved_idtr));

	bytes = (size_t)current.limit + 1;
	if (bytes > sizeof(guard->idt))
		bytes = sizeof(guard->idt);
	memset(guard_idt, 0, sizeof(guard->idt));
	memcpy(guard_idt, (const void *)(uintptr_t)current.base, bytes);
	fault_guard_chained_gp = gate_offset(&guard_idt[VECTOR_GP]);

	guard_idt[VECTOR_GP] = (struct idt_gate){
		.offset_low = (uint16_t)handler,
		.selector = cs,
		.ist = 0,
		.type_attr = GATE_INTERRUPT_PRESENT,
		.offset_mid = (uint16_t)(handler >> 16),
		.offset_high = (uint32_t)(handler >> 32),
	};
	mine.limit = sizeof(guard->idt) - 1;
	mine.base = (uint64_t)(uintptr_t)guard_idt;
	__asm__ volatile("lidt %0" : : "m"(mine) : "memory");
}

void fault_guard_leave(struct fault_guard *guard)
{
	__asm__ volatile("lidt %0" : : "m"(*(const struct idtr *)guard->saved_idtr) : "memory");
	irq_restore(guard->flags);
}

#ifdef PMUVISOR_EFI
#define host_idt false /* the firmware's IDT, always */
/* Each access's guard on its caller's stack: processors may guard at once. */
#define GUARD(name) struct fault_guard name##_storage, *name = &name##_storage
#else
/* pmuvisor's root mode, once its own IDT is live: its #GP and #UD
 * handlers know the fixups (vmx/host.c), so no IDT is swapped.  Before
 * that (set-up under the firmware's IDT, one CPU) one guard serves: 4 KiB
 * are too many for root mode's stacks. */
static bool host_idt;
static struct fault_guard setup_guard;
#define GUARD(name) struct fault_guard *name = &setup_guard

void fault_guard_host_idt(bool live)
{
	host_idt = live;
}
#endif

#define GUARDED(call)                           \
	do {                                    \
		GUARD(guard);                   \
		int status;                     \
                                                \
		if (host_idt)                   \
			return (call);          \
		fault_guard_enter(guard);       \
		status = (call);                \
		fault_guard_leave(guard);       \
		return status;                  \
	} while (0)

int msr_read_guarded(uint32_t msr, uint64_t *value)
{
	GUARDED(msr_read_safe(msr, value));
}

int xsetbv_guarded(uint32_t xcr, uint64_t value)
{
	GUARDED(xsetbv_safe(xcr, value));
}

int msr_write_guarded(uint32_t msr, uint64_t value)
{
	GUARDED(msr_write_safe(msr, value));
}
