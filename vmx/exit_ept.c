/*
 * EPT violations: memory beyond the firmware's map, mapped on first use,
 * and pmuvisor's own memory, which the guest finds as a bus with nothing
 * on it (docs/hidden-memory.md):
 *   - reads return all ones (the hidden page is backed by one read-only
 *     page of 0xff bytes);
 *   - writes are dropped: the page is backed for one instruction by a
 *     scratch page of its own, wiped and unmapped at the very next VM exit,
 *     which the preemption timer forces two ticks later (in Bochs one or
 *     two instructions; on hardware 2 << the timer's rate, TSC >> 0-31,
 *     of TSC cycles: only that page shows the write until then);
 *   - an instruction fetch raises #UD, what the CPU does on the bytes
 *     FF FF of an unbacked read (opcode FF /7 is undefined).
 * Each kind is counted (`info`); the first few touches are logged.
 */
#include "vmx/exit_handlers.h"
#include "vmx/cpu_rules.h"
#include "vmx/guest_access.h"
#include "vmx/vmcs.h"
#include "console/log.h"
#include "lib/cpu.h"
#include "lib/string.h"

#define EPT_MEMTYPE_WB ((uint64_t)MTRR_TYPE_WB << EPT_MEMORY_TYPE_SHIFT)
#define TOUCHES_LOGGED 4

/* EPT-violation exit qualification (SDM Vol. 3C, Table 28-7). */
#define EPT_QUAL_WRITE (1ull << 1)
#define EPT_QUAL_FETCH (1ull << 2)
#define EPT_QUAL_LINEAR_VALID (1ull << 7)

struct hidden_memory hidden;

static void invept(void)
{
	/* Single-context INVEPT (type 1) for this EPT (SDM Vol. 3C, 31.3). */
	struct { uint64_t eptp, reserved; } desc = { vm.eptp, 0 };

	__asm__ volatile("invept %0, %1" : : "m"(desc), "r"(1ull) : "cc", "memory");
}

static uint64_t *ept_pte(uint64_t gpa)
{
	uint64_t *table = (uint64_t *)(uintptr_t)vm.ept_pml4;
	int level;

	for (level = 3; level > 0; level--) {
		uint64_t e = table[(gpa >> (12 + 9 * level)) & 511];

		if (!(e & 7) || (e & (1ull << 7)))
			return 0; /* not split to 4 KiB: not one of pmuvisor's pages */
		table = (uint64_t *)(uintptr_t)(e & EPT_ADDRESS_MASK);
	}
	return &table[(gpa >> 12) & 511];
}

void hidden_page_restore(void)
{
	*hidden.scratch_pte = vm.decoy_page | EPT_READ | EPT_MEMTYPE_WB;
	hidden.scratch_pte = 0;
	memset((void *)(uintptr_t)vm.scratch_page, 0xff, 4096);
	invept();
}

/* A guest-physical address 4-level EPT cannot reach (a CPU of MAXPHYADDR
 * above 48): the guest gets what a CPU of MAXPHYADDR 48, the one CPUID
 * shows it, raises for such an address in its page tables, a reserved-bit
 * #PF at the linear address, or #GP(0) where no linear address was being
 * translated (PAE's PDPTEs). */
static void beyond_ept_reach(uint64_t q)
{
	if (!(q & EPT_QUAL_LINEAR_VALID)) {
		exit_inject_gp();
		return;
	}
	cr2_write(vmcs_read(GUEST_LINEAR_ADDRESS));
	exit_inject_exception(VECTOR_PF, true, beyond_reach_pf_error(q, guest_cpl()));
}

static void map_beyond_memory(uint64_t gpa, struct guest_regs *regs)
{
	const char *why;

	if (vm_ept_map(gpa, &why) < 0)
		exit_stop(why, EXIT_REASON_EPT_VIOLATION, regs);
	if (vm_ept_on_demand()->mapped <= TOUCHES_LOGGED)
		log_info("pmuvisor: EPT: guest-physical 0x%lx (RIP 0x%lx) is beyond the memory map: "
			 "mapped 1:1 on first use\n", (unsigned long)gpa,
			 (unsigned long)vmcs_read(GUEST_RIP));
	invept();
}

void handle_ept_violation(struct guest_regs *regs)
{
	uint64_t gpa = vmcs_read(GUEST_PHYSICAL_ADDRESS), q = vmcs_read(EXIT_QUALIFICATION);
	uint64_t *pte, touch;

	if (gpa >> EPT_REACH_BITS) {
		beyond_ept_reach(q);
		return;
	}
	if (gpa < vm.resident_phys || gpa >= vm.resident_phys + vm.resident_size) {
		map_beyond_memory(gpa, regs);
		return;
	}
	if (!(pte = ept_pte(gpa)))
		exit_stop("EPT violation in pmuvisor's memory where the EPT has no 4-KiB page",
			  EXIT_REASON_EPT_VIOLATION, regs);
	/* Counted by every processor: atomically. */
	touch = __atomic_add_fetch(&hidden.touches, 1, __ATOMIC_RELAXED);
	if (touch <= TOUCHES_LOGGED)
		log_info("pmuvisor: the guest %s pmuvisor's memory at 0x%lx (RIP 0x%lx)%s\n",
			 q & EPT_QUAL_FETCH ? "executed from" : q & EPT_QUAL_WRITE ? "wrote to" : "read",
			 (unsigned long)gpa, (unsigned long)vmcs_read(GUEST_RIP),
			 touch == TOUCHES_LOGGED ? " (further touches: counted only)" : "");
	if (q & EPT_QUAL_FETCH) {
		__atomic_add_fetch(&hidden.fetches, 1, __ATOMIC_RELAXED);
		exit_inject_ud();
		return;
	}
	if (!(q & EPT_QUAL_WRITE)) {
		__atomic_add_fetch(&hidden.reads, 1, __ATOMIC_RELAXED);
		*pte = vm.decoy_page | EPT_READ | EPT_MEMTYPE_WB;
		invept();
		return;
	}
	/* A write: this page alone gets the scratch page until the next exit. */
	__atomic_add_fetch(&hidden.writes, 1, __ATOMIC_RELAXED);
	if (hidden.scratch_pte)
		hidden_page_restore();
	hidden.scratch_pte = pte;
	*pte = vm.scratch_page | EPT_READ | EPT_WRITE | EPT_MEMTYPE_WB;
	invept();
	/* Two ticks: with 0 the exit comes before the write (SDM 26.5.1), and
	 * Bochs takes it before the write with 1 too. */
	vmcs_write(VMX_PREEMPTION_TIMER_VALUE, HIDDEN_WRITE_TICKS);
}
