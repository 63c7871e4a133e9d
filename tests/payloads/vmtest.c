/*
 * Test payload run as pmuvisor's guest: checks from inside the guest that
 * the virtual CPU behaves as specified, then measures the round-trip cost
 * of the exits pmuvisor handles.  One line per check on COM1:
 *   PMUVISOR-VMTEST: <check> pass|fail <detail>
 *   PMUVISOR-VMTEST: cost cpuid=N vmcall=N rdmsr=N   (TSC ticks per round trip)
 *   PMUVISOR-VMTEST: done pass=N fail=N
 * In Bochs the TSC counts instructions, so the costs are exact.
 */
#include <efi.h>

#include "console/serial.h"
#include "lib/cpu.h"
#include "lib/cpu_safe.h"
#include "lib/format.h"

#define ROUNDS 1000
#define MSR_IA32_FEATURE_CONTROL 0x3a
#define MSR_IA32_VMX_BASIC 0x480
#define CORE_MAGIC 0x45524f4356554d50ull /* the first bytes of pmuvisor's core */

static unsigned passed, failed;

static void com1(void *ctx, const char *text, size_t len)
{
	(void)ctx;
	serial_write(text, len);
}

static void check(const char *name, int ok, const char *fmt, ...) PRINTF_LIKE(3, 4);

static void check(const char *name, int ok, const char *fmt, ...)
{
	va_list ap;

	ok ? passed++ : failed++;
	format(com1, NULL, "PMUVISOR-VMTEST: %s %s ", name, ok ? "pass" : "fail");
	va_start(ap, fmt);
	format_v(com1, NULL, fmt, ap);
	va_end(ap);
	format(com1, NULL, "\n");
}

static uint64_t read_cr4(void)
{
	uint64_t v;

	__asm__ volatile("mov %%cr4, %0" : "=r"(v));
	return v;
}

static uint64_t hypercall(uint64_t nr, uint64_t arg, uint64_t *result)
{
	uint64_t status, out;

	__asm__ volatile("vmcall" : "=a"(status), "=b"(out) : "a"(nr), "b"(arg) : "rcx", "rdx", "memory");
	*result = out;
	return status;
}

static void check_cpuid(int *under_pmuvisor)
{
	struct cpuid_regs one = cpuid(1, 0), sig = cpuid(0x40000000, 0);
	char name[13];
	int i;

	*under_pmuvisor = (one.ecx & CPUID1_ECX_HYPERVISOR) != 0;
	check("cpuid-hypervisor-bit", *under_pmuvisor, "CPUID.1:ECX[31]=%u", *under_pmuvisor);
	check("cpuid-vmx-hidden", !(one.ecx & CPUID1_ECX_VMX), "CPUID.1:ECX[5]=%u",
	      (one.ecx >> 5) & 1);
	for (i = 0; i < 4; i++) {
		name[i] = (char)(sig.ebx >> (8 * i));
		name[4 + i] = (char)(sig.ecx >> (8 * i));
		name[8 + i] = (char)(sig.edx >> (8 * i));
	}
	name[12] = 0;
	check("cpuid-signature", sig.eax >= 0x40000000 && !__builtin_memcmp(name, "pmuvisor", 8) &&
	      !sig.edx, "max leaf 0x%x, signature \"%.8s\"", sig.eax, name);
}

static void check_vmx_hidden(void)
{
	struct fault_guard guard;
	uint64_t basic = 0, fc = 0;
	int basic_status, fc_status;

	check("cr4-vmxe-reads-0", !(read_cr4() & CR4_VMXE), "CR4=0x%lx", (unsigned long)read_cr4());
	fault_guard_enter(&guard);
	basic_status = msr_read_safe(MSR_IA32_VMX_BASIC, &basic);
	fc_status = msr_read_safe(MSR_IA32_FEATURE_CONTROL, &fc);
	fault_guard_leave(&guard);
	check("rdmsr-vmx-basic-gp", basic_status < 0, "RDMSR 0x480 %s",
	      basic_status < 0 ? "raised #GP" : "returned a value");
	check("feature-control-locked-off", fc_status == 0 && (fc & 5) == 1,
	      "IA32_FEATURE_CONTROL=0x%lx", (unsigned long)fc);
}

static void check_xsetbv(void)
{
	struct fault_guard guard;
	uint32_t lo, hi;
	int good, bad;

	if (!(cpuid(1, 0).ecx & CPUID1_ECX_XSAVE)) {
		check("xsetbv", 1, "no XSAVE on this CPU: nothing to check");
		return;
	}
	__asm__ volatile("mov %%cr4, %%rax; or %0, %%rax; mov %%rax, %%cr4" : : "r"(CR4_OSXSAVE) : "rax");
	__asm__ volatile("xgetbv" : "=a"(lo), "=d"(hi) : "c"(0));
	fault_guard_enter(&guard);
	good = xsetbv_safe(0, ((uint64_t)hi << 32) | lo); /* the value it has: allowed */
	bad = xsetbv_safe(0, 0);                          /* x87 off: #GP (SDM XSETBV) */
	fault_guard_leave(&guard);
	check("xsetbv", good == 0 && bad < 0, "XCR0=0x%x: same value %s, 0 %s", lo,
	      good == 0 ? "accepted" : "refused", bad < 0 ? "raised #GP" : "was accepted");
}

/* The first and last page of the largest reserved range (pmuvisor's). */
static void largest_reserved(const UINT8 *map, UINTN count, UINTN desc_size, uint64_t *first,
			     uint64_t *last)
{
	uint64_t best = 0;
	UINTN i;

	for (i = 0; i < count; i++) {
		const EFI_MEMORY_DESCRIPTOR *d = (const void *)(map + i * desc_size);

		if (d->Type == EfiReservedMemoryType && d->NumberOfPages > best) {
			best = d->NumberOfPages;
			*first = d->PhysicalStart;
			*last = d->PhysicalStart + (best - 1) * 4096;
		}
	}
}

/* pmuvisor's memory is an empty bus: all ones, writes dropped, and a
 * write to one of its pages shows in no other (docs/hidden-memory.md). */
static void check_hidden_writes(const UINT8 *map, UINTN count, UINTN desc_size)
{
	uint64_t first = 0, last = 0, before, after, other;
	volatile uint64_t *a, *b;

	largest_reserved(map, count, desc_size, &first, &last);
	a = (volatile uint64_t *)(uintptr_t)(first + 64);
	b = (volatile uint64_t *)(uintptr_t)(last + 64);
	before = *a;
	*a = 0x1234567812345678ull;
	__asm__ volatile("cpuid" : : "a"(0), "c"(0) : "rbx", "rdx", "memory"); /* an exit */
	after = *a;
	*a = 0x5555555555555555ull; /* then straight to another page */
	other = *b;
	check("hidden-memory-writes-dropped",
	      first && before == ~0ull && after == ~0ull && other == ~0ull,
	      "page 0x%lx read 0x%lx, after a write 0x%lx; page 0x%lx after a write to the first 0x%lx",
	      (unsigned long)first, (unsigned long)before, (unsigned long)after,
	      (unsigned long)last, (unsigned long)other);
}

/* Every page the memory map marks reserved: reading it must not show the
 * core (whose image starts with CORE_MAGIC) and must not stop the VMM. */
static void check_reserved_memory(EFI_SYSTEM_TABLE *st, int under_pmuvisor)
{
	static UINT8 map[16384];
	UINTN size = sizeof(map), key, desc_size;
	UINT32 version;
	uint64_t pages = 0, found = 0, pong = 0, i;

	if (EFI_ERROR(st->BootServices->GetMemoryMap(&size, (void *)map, &key, &desc_size,
						     &version))) {
		check("reserved-memory-hidden", 0, "GetMemoryMap failed");
		return;
	}
	for (i = 0; i < size / desc_size; i++) {
		EFI_MEMORY_DESCRIPTOR *d = (void *)(map + i * desc_size);
		uint64_t p;

		if (d->Type != EfiReservedMemoryType)
			continue;
		for (p = 0; p < d->NumberOfPages; p++, pages++) {
			const volatile uint64_t *q = (const void *)(uintptr_t)(d->PhysicalStart + p * 4096);
			unsigned w;

			for (w = 0; w < 512; w++)
				found += q[w] == CORE_MAGIC;
		}
	}
	if (under_pmuvisor)
		hypercall(1, 41, &pong);
	check("reserved-memory-hidden", pages > 0 && !found && (!under_pmuvisor || pong == 42),
	      "%lu reserved pages read, %lu pmuvisor signatures seen, VMM %s",
	      (unsigned long)pages, (unsigned long)found,
	      !under_pmuvisor ? "absent" : pong == 42 ? "still answers" : "does not answer");
	if (under_pmuvisor)
		check_hidden_writes(map, size / desc_size, desc_size);
}

static uint64_t cost_of(int what)
{
	uint64_t flags = irq_save(), start, end, dummy;
	struct fault_guard guard;
	int i;

	fault_guard_enter(&guard);
	start = rdtsc();
	for (i = 0; i < ROUNDS; i++) {
		if (what == 0)
			cpuid(0, 0);
		else if (what == 1)
			hypercall(1, (uint64_t)i, &dummy);
		else
			msr_read_safe(MSR_IA32_FEATURE_CONTROL, &dummy);
	}
	end = rdtsc();
	fault_guard_leave(&guard);
	irq_restore(flags);
	return (end - start) / ROUNDS;
}

/* A CPU-bound stretch of guest time: what pmuvisor's periodic console
 * polling costs shows as the difference to a native run. */
#define SPIN_ITERATIONS 50000000ull

/* Frame pointers here, for the call-chain cost: spin_ticks() runs under
 * nest()'s frames. */
__attribute__((noinline, optimize("no-omit-frame-pointer"))) static uint64_t spin_ticks(void)
{
	uint64_t flags = irq_save(), start = rdtsc(), end, n = SPIN_ITERATIONS;

	__asm__ volatile("1: dec %0; jnz 1b" : "+r"(n));
	end = rdtsc();
	irq_restore(flags);
	return end - start;
}

__attribute__((noinline, optimize("no-omit-frame-pointer"))) static uint64_t nest(int depth)
{
	uint64_t ticks = depth ? nest(depth - 1) : spin_ticks();

	__asm__ volatile(""); /* not a tail call: every level keeps its frame */
	return ticks;
}

/* One line of pmuvisor's shell (HYPERCALL_SHELL, docs/hypercalls.md). */
static int shell(const char *line, char *reply, uint64_t size)
{
	uint64_t status, len, command_failed;

	__asm__ volatile("vmcall"
			 : "=a"(status), "=b"(len), "=c"(command_failed)
			 : "a"(3ull), "b"(line), "c"(reply), "d"(size)
			 : "memory");
	return status == 0 && command_failed == 0 ? 0 : -1;
}

/* The first number in 'text', digit-grouping commas skipped. */
static uint64_t first_number(const char *text)
{
	uint64_t n = 0;

	while (*text && (*text < '0' || *text > '9'))
		text++;
	for (; (*text >= '0' && *text <= '9') || *text == ','; text++)
		if (*text != ',')
			n = n * 10 + (uint64_t)(*text - '0');
	return n;
}

/* What sampling once per 20,000 guest instructions costs the spin (for
 * make bench; needs guest_control=on, else it says why not). */
static void profiling_cost(unsigned chain)
{
	char reply[512], command[64];
	uint64_t ticks;

	format_buf(command, sizeof(command), "prof start backend=timer period=20000%s",
		   chain ? " callchain=8" : "");
	if (shell(command, reply, sizeof(reply)) < 0) {
		format(com1, NULL, "PMUVISOR-VMTEST: prof unavailable\n");
		return;
	}
	ticks = nest(10);
	if (shell("prof stop", reply, sizeof(reply)) < 0)
		return;
	format(com1, NULL, "PMUVISOR-VMTEST: prof chain=%u ticks=%lu samples=%lu\n", chain,
	       (unsigned long)ticks, (unsigned long)first_number(reply));
}

/* With vpmu=on: a CPUID exit's cost under each accounting policy (for
 * make bench; says nothing when the guest has no virtual PMU). */
static void vpmu_costs(void)
{
	static const char *const policies[] = { "cpu-switch", "domain-switch" };
	char reply[512], command[64];
	unsigned i;

	struct fault_guard guard;
	int enabled;

	if (shell("vpmu status", reply, sizeof(reply)) < 0 || reply[6] != 'o' || reply[7] != 'n')
		return; /* "vpmu: on; ..." */
	/* A counter at work, as a guest's profiler would leave it: fixed
	 * counter 1 (cycles) at every level, enabled globally. */
	fault_guard_enter(&guard);
	enabled = msr_write_safe(0x38d, 0x30) == 0 && msr_write_safe(0x38f, 1ull << 33) == 0;
	fault_guard_leave(&guard);
	if (!enabled)
		format(com1, NULL, "PMUVISOR-VMTEST: vpmu: the virtual PMU refused the counter set-up\n");
	for (i = 0; i < 2; i++) {
		format_buf(command, sizeof(command), "vpmu policy %s", policies[i]);
		if (shell(command, reply, sizeof(reply)) < 0)
			return;
		cpuid(0, 0); /* the switch lands at this exit */
		format(com1, NULL, "PMUVISOR-VMTEST: vpmu policy=%s cpuid=%lu\n", policies[i],
		       (unsigned long)cost_of(0));
	}
}

EFI_STATUS efi_main(EFI_HANDLE image, EFI_SYSTEM_TABLE *st);

EFI_STATUS efi_main(EFI_HANDLE image, EFI_SYSTEM_TABLE *st)
{
	const char *bye = "Shutdown";
	int under_pmuvisor;
	uint64_t cpuid_cost, vmcall_cost, rdmsr_cost;

	(void)image;
	serial_init(SERIAL_COM1, 115200);
	format(com1, NULL, "\nPMUVISOR-VMTEST: start\n");
	check_cpuid(&under_pmuvisor);
	check_vmx_hidden();
	check_xsetbv();
	check_reserved_memory(st, under_pmuvisor);
	cpuid_cost = cost_of(0);
	vmcall_cost = under_pmuvisor ? cost_of(1) : 0; /* #UD without pmuvisor */
	rdmsr_cost = cost_of(2);
	format(com1, NULL, "PMUVISOR-VMTEST: cost cpuid=%lu vmcall=%lu rdmsr=%lu\n",
	       (unsigned long)cpuid_cost, (unsigned long)vmcall_cost, (unsigned long)rdmsr_cost);
	format(com1, NULL, "PMUVISOR-VMTEST: spin instructions=%lu ticks=%lu\n",
	       (unsigned long)(2 * SPIN_ITERATIONS), (unsigned long)spin_ticks());
	if (under_pmuvisor) {
		profiling_cost(0);
		profiling_cost(8);
		vpmu_costs();
	}
	format(com1, NULL, "PMUVISOR-VMTEST: done pass=%u fail=%u\n", passed, failed);
	while (*bye)
		outb(0x8900, (uint8_t)*bye++);
	return EFI_SUCCESS;
}
