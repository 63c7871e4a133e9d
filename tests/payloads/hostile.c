/*
 * Hostile-guest payload: does what a buggy or malicious guest might do to
 * its virtual CPU and prints what it got, so that a run under pmuvisor can
 * be compared with a native run on the same emulated CPU (pmuvisor.cfg
 * vmx=off).  One line per result on COM1:
 *   PMUVISOR-HOSTILE: <class> begin
 *   PMUVISOR-HOSTILE: <class> <name> <value...>
 *   PMUVISOR-HOSTILE: done
 * The load options "classes=io,cr" run only those classes (default: all,
 * in the order of the table at the end).  Under pmuvisor the payload waits
 * after "done" for a byte on COM1 (the test types on pmuvisor's console
 * meanwhile), then ends the emulation.  The NMI and virtual-PMU classes
 * are in hostile_interrupts.c; the expected answers are in
 * tests/integration/hostile_scenarios.py.
 */
#include "tests/payloads/hostile.h"

#include <efidebug.h>
#include <stdbool.h>

#include "console/serial.h"
#include "lib/cpu.h"
#include "lib/cpu_safe.h"
#include "lib/string.h"
#include "lib/ucs2.h"
#include "vmx/hypercall.h"

#define CPUID1_ECX_PDCM (1u << 15) /* IA32_PERF_CAPABILITIES exists */

#define PAGE_SIZE 4096ull
#define NON_CANONICAL 0x8000000000000000ull

static void com1(void *ctx, const char *text, size_t len)
{
	(void)ctx;
	serial_write(text, len);
}

static const char *current_class;

void result(const char *name, const char *fmt, ...)
{
	va_list ap;

	format(com1, NULL, "PMUVISOR-HOSTILE: %s %s ", current_class, name);
	va_start(ap, fmt);
	format_v(com1, NULL, fmt, ap);
	va_end(ap);
	format(com1, NULL, "\n");
}

struct hostile_machine machine;

static uint64_t cr0_read(void)
{
	uint64_t v;

	__asm__ volatile("mov %%cr0, %0" : "=r"(v));
	return v;
}

static uint64_t cr3_read(void)
{
	uint64_t v;

	__asm__ volatile("mov %%cr3, %0" : "=r"(v));
	return v;
}

static void cr3_write(uint64_t v)
{
	__asm__ volatile("mov %0, %%cr3" : : "r"(v) : "memory");
}


static uint64_t xcr_read(uint32_t xcr)
{
	uint32_t lo, hi;

	__asm__ volatile("xgetbv" : "=a"(lo), "=d"(hi) : "c"(xcr));
	return (uint64_t)hi << 32 | lo;
}

static const char *fault_word(int status)
{
	return status < 0 ? "gp" : "accepted";
}

/* VMCALL with #GP and #UD caught: -1 where there is no hypervisor. */
static int vmcall_guarded(struct vmcall_regs *r)
{
	struct fault_guard guard;
	int status;

	fault_guard_enter(&guard);
	fault_guard_catch_ud();
	status = vmcall_safe(r);
	fault_guard_leave(&guard);
	return status;
}

const char *vmm_answers(void)
{
	struct vmcall_regs r = { HYPERCALL_PING, 41, 0, 0 };

	if (vmcall_guarded(&r) < 0)
		return "no-vmcall";
	return r.rax == 0 && r.rbx == 42 ? "yes" : "wrong-answer";
}

/* 1. Port I/O that straddles pmuvisor's console (COM2, 0x2f8-0x2ff) or
 * wraps past 0xffff.  An IN or OUT wider than a byte names its first port
 * only; which device answers the other bytes is the platform's business
 * (Bochs: the first port's handler), so only the bytes that are not the
 * console's can be compared with a native run. */
/* INS and OUTS on pmuvisor's ports: each iteration moves a byte (word,
 * dword) between the port and memory, steps RDI/RSI by DF and counts RCX
 * down (SDM Vol. 2B, INS, OUTS).  The buffer's bytes around the ones
 * written must stay as they were. */
static void rep_insb(uint16_t port, uint8_t *at, uint64_t count, bool down, uint64_t *rcx,
		     uint64_t *rdi)
{
	uint64_t c = count, d = (uint64_t)(uintptr_t)at;

	__asm__ volatile("pushfq\n\t"
			 "test %[down], %[down]\n\t"
			 "jz 1f\n\t"
			 "std\n"
			 "1:\trep insb\n\t"
			 "popfq"
			 : "+c"(c), "+D"(d)
			 : "d"(port), [down] "r"((uint64_t)down)
			 : "memory", "cc");
	*rcx = c;
	*rdi = d;
}

static void string_io(void)
{
	static uint8_t buf[32];
	uint64_t rcx, rdi, rsi;
	uint32_t dword = 0x11111111;

	memset(buf, 0x11, sizeof(buf));
	rep_insb(0x2f8, buf + 8, 8, false, &rcx, &rdi);
	result("rep-insb-0x2f8", "bytes=%02x%02x%02x%02x%02x%02x%02x%02x rcx=%lu rdi=%+ld around=%02x%02x",
	       buf[8], buf[9], buf[10], buf[11], buf[12], buf[13], buf[14], buf[15],
	       (unsigned long)rcx, (long)(rdi - (uint64_t)(uintptr_t)(buf + 8)), buf[7], buf[16]);
	memset(buf, 0x11, sizeof(buf));
	rep_insb(0x2fd, buf + 16, 4, true, &rcx, &rdi); /* the line status, backwards */
	result("rep-insb-0x2fd-down", "bytes=%02x%02x%02x%02x rcx=%lu rdi=%+ld around=%02x%02x",
	       buf[13], buf[14], buf[15], buf[16], (unsigned long)rcx,
	       (long)(rdi - (uint64_t)(uintptr_t)(buf + 16)), buf[12], buf[17]);
	rdi = (uint64_t)(uintptr_t)&dword;
	__asm__ volatile("insl" : "+D"(rdi) : "d"(0x2f7) : "memory");
	result("insl-0x2f7", "0x%08x", dword);
	rsi = (uint64_t)(uintptr_t)buf;
	rcx = 4;
	__asm__ volatile("rep outsw" : "+c"(rcx), "+S"(rsi) : "d"(0x2fe) : "memory");
	result("rep-outsw-0x2fe", "rcx=%lu rsi=%+ld", (unsigned long)rcx,
	       (long)(rsi - (uint64_t)(uintptr_t)buf));
}

static void attack_io(void)
{
	result("in-0x2f7-l", "0x%08x", inl(0x2f7));
	result("in-0x2fe-l", "0x%08x", inl(0x2fe));
	result("in-0x300-w", "0x%04x", inw(0x300)); /* what 0x2fe's upper half reaches */
	result("in-0xffff-w", "0x%04x", inw(0xffff));
	outw(0xffff, 0);
	result("out-0xffff-w", "survived");
	outl(0x2f6, 0);
	result("out-0x2f6-l", "survived");
	string_io();
	result("vmm-answers", "%s", vmm_answers());
}

/* 2. Guest-physical addresses far beyond RAM, through page tables of our
 * own: the firmware's may not map them.  2-MiB pages (always there in
 * IA-32e paging, SDM Vol. 3A, 4.5.4); the first 4 GiB mapped 1:1 so that
 * this code, its stack and the IDT stay where they are. */
#define PT_PRESENT 1ull
#define PT_WRITE 2ull
#define PT_PWT 8ull
#define PT_PCD 16ull
#define PT_LARGE 128ull
#define PT_ADDRESS 0x000ffffffffff000ull
#define TABLE_PAGES 16

struct page_tables {
	uint64_t *pages;
	unsigned used;
};

static uint64_t *next_table(struct page_tables *t, uint64_t *entry)
{
	uint64_t *table;

	if (*entry & PT_PRESENT)
		return (uint64_t *)(uintptr_t)(*entry & PT_ADDRESS);
	if (t->used == TABLE_PAGES)
		return NULL;
	table = t->pages + 512 * t->used++;
	memset(table, 0, PAGE_SIZE);
	*entry = (uint64_t)(uintptr_t)table | PT_PRESENT | PT_WRITE;
	return table;
}

static int map_2m(struct page_tables *t, uint64_t address, uint64_t flags)
{
	uint64_t *pdpt = next_table(t, &t->pages[(address >> 39) & 511]), *pd;

	if (!pdpt || !(pd = next_table(t, &pdpt[(address >> 30) & 511])))
		return -1;
	pd[(address >> 21) & 511] = (address & ~0x1fffffull) | flags | PT_PRESENT | PT_WRITE | PT_LARGE;
	return 0;
}

static void attack_high_gpa(void)
{
	const struct { const char *name; uint64_t address; } targets[] = {
		{ "4g", 1ull << 32 },
		{ "64g", 1ull << 36 },
		{ "top", (1ull << machine.maxphyaddr) - PAGE_SIZE },
	};
	EFI_PHYSICAL_ADDRESS base;
	struct page_tables t = { 0, 1 };
	uint64_t a, old_cr3, flags;
	unsigned i;

	result("maxphyaddr", "%u", machine.maxphyaddr);
	if (cr4_read() & CR4_LA57) {
		result("tables", "skip 5-level paging");
		return;
	}
	if (EFI_ERROR(machine.st->BootServices->AllocatePages(AllocateAnyPages, EfiLoaderData,
							      TABLE_PAGES, &base))) {
		result("tables", "skip AllocatePages failed");
		return;
	}
	t.pages = (uint64_t *)(uintptr_t)base;
	memset(t.pages, 0, PAGE_SIZE);
	for (a = 0; a < 1ull << 32; a += 1ull << 21)
		map_2m(&t, a, 0);
	for (i = 0; i < sizeof(targets) / sizeof(targets[0]); i++) {
		volatile uint64_t *p = (volatile uint64_t *)(uintptr_t)targets[i].address;
		uint64_t before, after;

		/* Not an address (a reserved bit in the entry, SDM Vol. 3A,
		 * 4.5.4), or beyond what an identity map in the canonical
		 * lower half reaches. */
		if (targets[i].address >= 1ull << machine.maxphyaddr ||
		    targets[i].address >= 1ull << 47 ||
		    map_2m(&t, targets[i].address, PT_PCD | PT_PWT)) {
			result(targets[i].name, "addr=0x%lx skip unmappable",
			       (unsigned long)targets[i].address);
			continue;
		}
		flags = irq_save();
		old_cr3 = cr3_read();
		cr3_write(base);
		before = *p;
		*p = 0x5a5a5a5aa5a5a5a5ull;
		after = *p;
		cr3_write(old_cr3);
		irq_restore(flags);
		result(targets[i].name, "addr=0x%lx read=0x%lx readback=0x%lx",
		       (unsigned long)targets[i].address, (unsigned long)before, (unsigned long)after);
	}
	machine.st->BootServices->FreePages(base, TABLE_PAGES);
	result("vmm-answers", "%s", vmm_answers());
}

/* 3. XSETBV with values the SDM's XSETBV rules refuse (Vol. 2C, XSETBV;
 * Vol. 1, 13.3): x87 state cleared, AVX-512 state (bits 7:5) without AVX
 * or only in part, a reserved bit, an XCR other than XCR0. */
static void attack_xsetbv(void)
{
	uint64_t cr4 = cr4_read(), xcr0;
	struct fault_guard guard;
	unsigned i;
	int status;

	if (!(cpuid(1, 0).ecx & CPUID1_ECX_XSAVE)) {
		result("xsave", "absent");
		return;
	}
	fault_guard_enter(&guard);
	status = cr4_write_safe(cr4 | CR4_OSXSAVE);
	fault_guard_leave(&guard);
	if (status < 0) {
		result("cr4-osxsave", "gp");
		return;
	}
	xcr0 = xcr_read(0);
	result("xcr0-before", "0x%lx", (unsigned long)xcr0);
	{
		const struct { const char *name; uint32_t xcr; uint64_t value; } tries[] = {
			{ "xcr0-0x23", 0, 0x23 },
			{ "xcr0-0x27", 0, 0x7 | 1u << 5 },
			{ "xcr0-0x0", 0, 0 },
			{ "xcr0-0x2", 0, 2 },
			{ "xcr1-0x1", 1, 1 },
			{ "xcr0-bit63", 0, xcr0 | 1ull << 63 },
			{ "xcr0-current", 0, xcr0 },
		};

		for (i = 0; i < sizeof(tries) / sizeof(tries[0]); i++) {
			fault_guard_enter(&guard);
			status = xsetbv_safe(tries[i].xcr, tries[i].value);
			if (status == 0)
				xsetbv_safe(0, xcr0); /* accepted: XCR0 back at once */
			fault_guard_leave(&guard);
			result(tries[i].name, "%s", fault_word(status));
		}
	}
	result("xcr0-after", "0x%lx", (unsigned long)xcr_read(0));
	fault_guard_enter(&guard);
	cr4_write_safe(cr4);
	fault_guard_leave(&guard);
	result("vmm-answers", "%s", vmm_answers());
}

/* 4. MOV to CR0/CR4 with values that raise #GP(0) in 64-bit mode (SDM
 * Vol. 2B, MOV to control registers; Vol. 3A, 2.5): PG without PE, CR0's
 * upper half, NW without CD, CR4's reserved bits (bit 31 and above are
 * defined by no CPUID feature of these models), PAE cleared while IA-32e
 * mode is active.  Only refused values are written; an accepted one is
 * undone at once. */
static void attack_cr(void)
{
	uint64_t cr0 = cr0_read(), cr4 = cr4_read();
	const struct { const char *name; int cr; uint64_t value; } tries[] = {
		{ "cr0-pg-without-pe", 0, cr0 & ~CR0_PE },
		{ "cr0-bit32", 0, cr0 | 1ull << 32 },
		{ "cr0-nw-without-cd", 0, (cr0 | CR0_NW) & ~CR0_CD },
		{ "cr4-bit63", 4, cr4 | 1ull << 63 },
		{ "cr4-pae-cleared", 4, cr4 & ~CR4_PAE },
		{ "cr4-bit31", 4, cr4 | 1ull << 31 },
	};
	struct fault_guard guard;
	unsigned i;
	int status;

	for (i = 0; i < sizeof(tries) / sizeof(tries[0]); i++) {
		fault_guard_enter(&guard);
		if (tries[i].cr == 0) {
			if ((status = cr0_write_safe(tries[i].value)) == 0)
				cr0_write_safe(cr0);
		} else if ((status = cr4_write_safe(tries[i].value)) == 0) {
			cr4_write_safe(cr4);
		}
		fault_guard_leave(&guard);
		result(tries[i].name, "%s", fault_word(status));
	}
	result("cr0-unchanged", "%s", cr0_read() == cr0 ? "yes" : "no");
	result("cr4-unchanged", "%s", cr4_read() == cr4 ? "yes" : "no");
	result("vmm-answers", "%s", vmm_answers());
}

/* 5. IA32_APIC_BASE with reserved bits (SDM Vol. 3A, 11.4.4, Figure 11-5:
 * bits 7:0, and the base beyond MAXPHYADDR), then the APIC moved onto
 * pmuvisor's own memory, which pmuvisor refuses with #GP.  The enable bit
 * stays set (Bochs cannot enable the APIC again). */
static int apic_base_try(uint64_t base, uint64_t value)
{
	struct fault_guard guard;
	int status;

	fault_guard_enter(&guard);
	if ((status = msr_write_safe(MSR_IA32_APIC_BASE, value)) == 0)
		msr_write_safe(MSR_IA32_APIC_BASE, base);
	fault_guard_leave(&guard);
	return status;
}

static void attack_apic_base(void)
{
	uint64_t base = 0, now = 0, target;

	if (msr_read_guarded(MSR_IA32_APIC_BASE, &base) < 0) {
		result("read", "gp");
		return;
	}
	result("bit63", "%s", fault_word(apic_base_try(base, base | 1ull << 63)));
	result("above-maxphyaddr", "%s",
	       fault_word(apic_base_try(base, base | 1ull << machine.maxphyaddr)));
	result("reserved-bits", "%s", fault_word(apic_base_try(base, base | 0xff)));
	if (!machine.under_pmuvisor || !machine.reserved_pages) {
		result("onto-pmuvisor", "skip native");
	} else {
		target = machine.reserved_phys + machine.reserved_pages / 2 * PAGE_SIZE;
		result("onto-pmuvisor", "%s page=0x%lx",
		       fault_word(apic_base_try(base, (base & 0xfff) | target)), (unsigned long)target);
	}
	msr_read_guarded(MSR_IA32_APIC_BASE, &now);
	result("unchanged", "%s", now == base ? "yes" : "no");
	result("vmm-answers", "%s", vmm_answers());
}

/* 8. Hypercalls with bad arguments (docs/hypercalls.md); natively VMCALL
 * raises #UD.  The results registers must stay as they were on error.
 * The log text carries a terminal escape and a bell, which must not reach
 * pmuvisor's console as they are. */
static void attack_hypercall(void)
{
	static const char command[] = "cpuid 0", text[] = "hostile: log \x1b[2Jescape\a\n";
	static char reply[512];
	const uint64_t cmd = (uintptr_t)command, out = (uintptr_t)reply, hidden = machine.reserved_phys;
	const struct { const char *name; struct vmcall_regs r; } calls[] = {
		{ "unknown-first", { HYPERCALL_COUNT, 1, 2, 3 } },
		{ "unknown-0x100", { 0x100, 1, 2, 3 } },
		{ "unknown-0x80000000", { 0x80000000ull, 1, 2, 3 } },
		{ "unknown-max", { ~0ull, 1, 2, 3 } },
		{ "log-good", { HYPERCALL_LOG, (uintptr_t)text, sizeof(text) - 1, 3 } },
		{ "log-length-4097", { HYPERCALL_LOG, (uintptr_t)text, HYPERCALL_LOG_MAX + 1, 3 } },
		{ "log-length-huge", { HYPERCALL_LOG, (uintptr_t)text, 1ull << 40, 3 } },
		{ "log-noncanonical", { HYPERCALL_LOG, NON_CANONICAL, 16, 3 } },
		{ "log-wraps", { HYPERCALL_LOG, ~0ull - 15, 32, 3 } },
		{ "log-pmuvisor-memory", { HYPERCALL_LOG, hidden, 16, 3 } },
		{ "shell-reply-noncanonical", { HYPERCALL_SHELL, cmd, NON_CANONICAL, 64 } },
		{ "shell-reply-size-0", { HYPERCALL_SHELL, cmd, out, 0 } },
		{ "shell-reply-wraps", { HYPERCALL_SHELL, cmd, ~0ull - 4095, 2 * PAGE_SIZE } },
		{ "shell-reply-pmuvisor-memory", { HYPERCALL_SHELL, cmd, hidden, 64 } },
		{ "shell-command-noncanonical", { HYPERCALL_SHELL, NON_CANONICAL, out, sizeof(reply) } },
		{ "shell-good", { HYPERCALL_SHELL, cmd, out, sizeof(reply) } },
	};
	unsigned i;

	for (i = 0; i < sizeof(calls) / sizeof(calls[0]); i++) {
		struct vmcall_regs r = calls[i].r;

		if (vmcall_guarded(&r) < 0) {
			result(calls[i].name, "ud");
			continue;
		}
		result(calls[i].name, "%ld %s", (long)r.rax,
		       r.rbx == calls[i].r.rbx && r.rcx == calls[i].r.rcx && r.rdx == calls[i].r.rdx
			       ? "unchanged" : "changed");
	}
	result("vmm-answers", "%s", vmm_answers());
}

/* 9. RDMSR across the architectural ranges and CPUID's every leaf, to be
 * compared with a native run.  The MSRs pmuvisor documents as different
 * (README: IA32_FEATURE_CONTROL, the VMX MSRs, and the PMU's, which the
 * virtual PMU emulates: pmu/guest_view.h) are left out of the digest;
 * CPUID's documented differences are masked (leaf 1's hypervisor, VMX
 * and PDCM bits, leaf 0AH's PMU). */
static int msr_documented(uint32_t m)
{
	return m == 0x3a || (m >= 0x480 && m <= 0x491) || (m >= 0xc1 && m <= 0xc8) ||
	       (m >= 0x186 && m <= 0x18d) || m == 0x345 || (m >= 0x309 && m <= 0x30c) ||
	       (m >= 0x38d && m <= 0x391) || (m >= 0x4c1 && m <= 0x4c8);
}

/* The swept MSRs in order; returns 0 after the last. */
static int msr_next(uint32_t *m, int first)
{
	if (first)
		*m = 0;
	else if (*m < 0x1000)
		*m = *m + 7 <= 0x1000 ? *m + 7 : 0xc0000000u;
	else if (*m == 0xc0000110u)
		*m = 0x40000000u;
	else if (*m == 0x40000010u)
		return 0;
	else
		++*m;
	return 1;
}

static uint64_t fnv1a(uint64_t hash, uint64_t value)
{
	unsigned i;

	for (i = 0; i < 8; i++, value >>= 8)
		hash = (hash ^ (value & 0xff)) * 0x100000001b3ull;
	return hash;
}

#define FNV_OFFSET 0xcbf29ce484222325ull

/* Appends to a text buffer, cutting what does not fit. */
static void appendf(char *buf, size_t size, size_t *len, const char *fmt, ...) PRINTF_LIKE(4, 5);

static void appendf(char *buf, size_t size, size_t *len, const char *fmt, ...)
{
	va_list ap;

	if (*len + 1 >= size)
		return;
	va_start(ap, fmt);
	*len += format_buf_v(buf + *len, size - *len, fmt, ap);
	va_end(ap);
	if (*len >= size)
		*len = size - 1;
}

static void sweep_msrs(void)
{
	static uint8_t faults[1024];
	static char set[8192];
	struct fault_guard guard;
	uint64_t value, hash = FNV_OFFSET;
	unsigned n = 0, count = 0, i, run = 0;
	size_t len = 0;
	uint32_t m, run_first = 0, run_last = 0;
	int more;

	fault_guard_enter(&guard);
	for (more = msr_next(&m, 1); more && n < sizeof(faults); more = msr_next(&m, 0))
		faults[n++] = msr_read_safe(m, &value) < 0;
	fault_guard_leave(&guard);
	/* The faulting MSRs as runs of consecutive swept numbers, "A-B". */
	for (i = 0, more = msr_next(&m, 1); i <= n; i++, more = more && msr_next(&m, 0)) {
		int fault = i < n && faults[i] && !msr_documented(m);

		if (fault) {
			count++;
			hash = fnv1a(hash, m);
			if (!run++)
				run_first = m;
			run_last = m;
		} else if (run) {
			if (run == 1)
				appendf(set, sizeof(set), &len, "%s0x%x", len ? "," : "", run_first);
			else
				appendf(set, sizeof(set), &len, "%s0x%x-0x%x", len ? "," : "",
					run_first, run_last);
			run = 0;
		}
	}
	result("msr-swept", "%u", n);
	result("msr-faults", "count=%u hash=0x%016lx", count, (unsigned long)hash);
	result("msr-fault-set", "%s", len ? set : "none");
	for (i = 0, len = 0, more = msr_next(&m, 1); i < n; i++, msr_next(&m, 0))
		if (faults[i] && msr_documented(m))
			appendf(set, sizeof(set), &len, "%s0x%x", len ? "," : "", m);
	result("msr-documented-faults", "%s", len ? set : "none");
}

static uint32_t cpuid_leaf_hash(uint32_t leaf)
{
	uint64_t hash = FNV_OFFSET;
	uint32_t sub;

	for (sub = 0; sub < 8; sub++) {
		struct cpuid_regs r = cpuid(leaf, sub);

		if (leaf == 1)
			r.ecx &= ~(CPUID1_ECX_VMX | CPUID1_ECX_HYPERVISOR | CPUID1_ECX_PDCM);
		if (leaf == 0xa)
			r.eax = r.ebx = r.ecx = r.edx = 0;
		hash = fnv1a(fnv1a(hash, (uint64_t)r.eax << 32 | r.ebx), (uint64_t)r.ecx << 32 | r.edx);
	}
	return (uint32_t)(hash ^ hash >> 32);
}

static void sweep_cpuid(void)
{
	static char leaves[2048];
	const uint32_t bases[] = { 0, 0x80000000u };
	size_t len = 0;
	unsigned b;

	for (b = 0; b < 2; b++) {
		uint32_t leaf, max = cpuid(bases[b], 0).eax;

		result(b ? "cpuid-ext-max" : "cpuid-max", "0x%x", max);
		for (leaf = bases[b]; leaf <= max && leaf - bases[b] < 64; leaf++)
			appendf(leaves, sizeof(leaves), &len, "%s0x%x=%08x", len ? " " : "", leaf,
				cpuid_leaf_hash(leaf));
	}
	result("cpuid-leaves", "%s", leaves);
}

static void attack_sweep(void)
{
	sweep_msrs();
	sweep_cpuid();
	result("vmm-answers", "%s", vmm_answers());
}

/* 10. pmuvisor's own memory (docs/hidden-memory.md), only under pmuvisor
 * (natively that range is the firmware's): reads give all ones, a write
 * is gone after the next exit and never shows in another page, a call
 * into it raises #UD, caught by a handler that returns to the caller. */
static volatile unsigned ud_seen;

static void EFIAPI ud_handler(INTN vector, void *context)
{
	EFI_SYSTEM_CONTEXT_X64 *c = context; /* EFI_SYSTEM_CONTEXT: a union of pointers */

	(void)vector;
	ud_seen++;
	c->Rip = *(const UINT64 *)(uintptr_t)c->Rsp; /* back to after the call */
	c->Rsp += 8;
}

static void hidden_fetch(uint64_t address)
{
	__asm__ volatile("call *%0"
			 :
			 : "r"(address)
			 : "rax", "rcx", "rdx", "rsi", "rdi", "r8", "r9", "r10", "r11", "memory", "cc");
}

static void attack_hidden(void)
{
	volatile uint64_t *a = (volatile uint64_t *)(uintptr_t)(machine.reserved_phys + PAGE_SIZE);
	volatile uint64_t *b = (volatile uint64_t *)(uintptr_t)(machine.reserved_phys + 2 * PAGE_SIZE);
	uint64_t first, other;

	if (!machine.under_pmuvisor || machine.reserved_pages < 4 || !machine.cpu) {
		result("skip", "natively the range is the firmware's");
		return;
	}
	result("read", "0x%lx", (unsigned long)*a);
	*a = 0x1234567812345678ull;
	other = *b; /* no exit in between: the write is still in a's scratch page */
	cpuid(0, 0);
	first = *a;
	result("write", "other-page=0x%lx after-exit=0x%lx", (unsigned long)other,
	       (unsigned long)first);
	machine.cpu->register_interrupt_handler(machine.cpu, 6, NULL);
	if (EFI_ERROR(machine.cpu->register_interrupt_handler(machine.cpu, 6, ud_handler))) {
		result("fetch", "no #UD handler could be registered");
	} else {
		ud_seen = 0;
		hidden_fetch((uint64_t)(uintptr_t)b);
		machine.cpu->register_interrupt_handler(machine.cpu, 6, NULL);
		result("fetch", "%s", ud_seen == 1 ? "ud" : "no-ud");
	}
	result("vmm-answers", "%s", vmm_answers());
}

static const struct attack {
	const char *name;
	void (*run)(void);
} attacks[] = {
	{ "io", attack_io },
	{ "high-gpa", attack_high_gpa },
	{ "xsetbv", attack_xsetbv },
	{ "cr", attack_cr },
	{ "apic-base", attack_apic_base },
	{ "nmi", attack_nmi },
	{ "vpmu", attack_vpmu },
	{ "hypercall", attack_hypercall },
	{ "sweep", attack_sweep },
	{ "hidden", attack_hidden },
	{ "task", attack_task },
};

/* "classes=a,b" in the load options: is 'name' one of them?  All classes
 * run without the option, or with classes=all. */
static int selected(const char *options, const char *name)
{
	const char *list = options, *p;
	size_t n = strlen(name);

	while (*list && strncmp(list, "classes=", 8) != 0) {
		while (*list && *list != ' ')
			list++;
		while (*list == ' ')
			list++;
	}
	if (!*list)
		return 1;
	for (p = list + 8; *p && *p != ' '; p++) {
		if ((p == list + 8 || p[-1] == ',') &&
		    ((!strncmp(p, name, n) && (p[n] == ',' || p[n] == ' ' || !p[n])) ||
		     (!strncmp(p, "all", 3) && (p[3] == ',' || p[3] == ' ' || !p[3]))))
			return 1;
	}
	return 0;
}

static void find_reserved_memory(void)
{
	static UINT8 map[16384];
	UINTN size = sizeof(map), key, desc_size, i;
	UINT32 version;

	if (EFI_ERROR(machine.st->BootServices->GetMemoryMap(&size, (void *)map, &key, &desc_size,
							     &version)))
		return;
	for (i = 0; i < size / desc_size; i++) {
		const EFI_MEMORY_DESCRIPTOR *d = (const void *)(map + i * desc_size);

		if (d->Type == EfiReservedMemoryType && d->NumberOfPages > machine.reserved_pages) {
			machine.reserved_phys = d->PhysicalStart;
			machine.reserved_pages = d->NumberOfPages;
		}
	}
}

static void look_around(EFI_HANDLE image, EFI_SYSTEM_TABLE *st, char *options, size_t size)
{
	EFI_GUID li_guid = EFI_LOADED_IMAGE_PROTOCOL_GUID, cpu_guid = CPU_ARCH_PROTOCOL_GUID;
	EFI_LOADED_IMAGE *li = NULL;
	struct cpuid_regs sig = cpuid(0x40000000, 0);
	uint64_t apic_base = 0;

	machine.st = st;
	options[0] = 0;
	if (!EFI_ERROR(st->BootServices->HandleProtocol(image, &li_guid, (void **)&li)) &&
	    li->LoadOptions &&
	    ucs2_to_ascii(options, size, li->LoadOptions, li->LoadOptionsSize / 2) < 0)
		options[0] = 0;
	/* CPUID 0x40000000 spells "pmuvisor" in EBX, ECX (docs/hypercalls.md). */
	machine.under_pmuvisor = (cpuid(1, 0).ecx & CPUID1_ECX_HYPERVISOR) &&
				 sig.ebx == 0x76756d70 && sig.ecx == 0x726f7369;
	machine.maxphyaddr = cpuid(0x80000000u, 0).eax >= 0x80000008u
				     ? cpuid(0x80000008u, 0).eax & 0xff : 36;
	if (msr_read_guarded(MSR_IA32_APIC_BASE, &apic_base) == 0 && !(apic_base & APIC_BASE_X2APIC))
		machine.apic = apic_base & 0x000ffffffffff000ull & ((1ull << machine.maxphyaddr) - 1);
	if (EFI_ERROR(st->BootServices->LocateProtocol(&cpu_guid, NULL, (void **)&machine.cpu)))
		machine.cpu = NULL;
	find_reserved_memory();
}

/* Under pmuvisor the test types on its console after "done": wait for its
 * byte on COM1 (a bounded wait: 6e9 TSC ticks, which Bochs counts as
 * instructions, about a minute here). */
#define SHUTDOWN_WAIT_TICKS 6000000000ull

EFI_STATUS efi_main(EFI_HANDLE image, EFI_SYSTEM_TABLE *st);

EFI_STATUS efi_main(EFI_HANDLE image, EFI_SYSTEM_TABLE *st)
{
	char options[512];
	const char *bye = "Shutdown";
	uint64_t start;
	unsigned i;

	serial_init(SERIAL_COM1, 115200);
	look_around(image, st, options, sizeof(options));
	format(com1, NULL, "\nPMUVISOR-HOSTILE: start under=%s options=%s\n",
	       machine.under_pmuvisor ? "pmuvisor" : "native", options);
	for (i = 0; i < sizeof(attacks) / sizeof(attacks[0]); i++) {
		if (!selected(options, attacks[i].name))
			continue;
		current_class = attacks[i].name;
		format(com1, NULL, "PMUVISOR-HOSTILE: %s begin\n", current_class);
		attacks[i].run();
	}
	format(com1, NULL, "PMUVISOR-HOSTILE: done\n");
	/* Interrupts off: the firmware's terminal driver polls COM1 from its
	 * timer and would take the byte. */
	if (machine.under_pmuvisor) {
		uint64_t flags = irq_save();

		for (start = rdtsc(); serial_read_byte() < 0 && rdtsc() - start < SHUTDOWN_WAIT_TICKS;)
			cpu_pause();
		irq_restore(flags);
	}
	/* Bochs ends the simulation on "Shutdown" written to port 0x8900. */
	while (*bye)
		outb(0x8900, (uint8_t)*bye++);
	return EFI_SUCCESS;
}
