/*
 * poke: the hostile payload's non-destructive attacks, from Linux as
 * root, for the soak (guest/scenarios/soak.sh runs it every round and
 * compares each round's answers with the first's).
 *
 *   poke RESIDENT_PHYS    (pmuvisor's memory, from its 'info')
 *
 * Prints one "poke: CLASS NAME VALUE" line per attack and checks what
 * bare metal defines; exit status 0, or 1 with "poke: FAIL ..." lines.
 *   io        IN/OUT partly covering pmuvisor's console ports (0x2f8-0x2ff)
 *             and at 0xffff (wrapping), through iopl(3);
 *   high-gpa  /dev/mem reads and writes at 4 GiB, 64 GiB and the top of
 *             the physical address space: no memory there, so all ones;
 *   hidden    pmuvisor's memory through /dev/mem: reads all ones, a write
 *             is gone after the next VM exit;
 *   cpuid     every basic and extended leaf, subleaves 0-3: a checksum;
 *   vmcall    hypercalls from CPL 3: unknown numbers, calls that need
 *             CPL 0, a shell call with a reply buffer that is not there.
 */
#include <fcntl.h>
#include <setjmp.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/io.h>
#include <sys/mman.h>
#include <unistd.h>

#define PAGE 4096ull

static int failures;

static void fail(const char *what, unsigned long long got, unsigned long long want)
{
	printf("poke: FAIL %s: 0x%llx, not 0x%llx\n", what, got, want);
	failures++;
}

static void cpuid(uint32_t leaf, uint32_t sub, uint32_t r[4])
{
	__asm__ volatile("cpuid" : "=a"(r[0]), "=b"(r[1]), "=c"(r[2]), "=d"(r[3]) : "a"(leaf), "c"(sub));
}

static sigjmp_buf faulted;

static void on_segv(int sig)
{
	(void)sig;
	siglongjmp(faulted, 1);
}

static void poke_io(void)
{
	static const struct { const char *name; uint16_t port; unsigned size; } reads[] = {
		{ "in-0x2f7-l", 0x2f7, 4 }, { "in-0x2fe-l", 0x2fe, 4 }, { "in-0x2f6-w", 0x2f6, 2 },
		{ "in-0xffff-w", 0xffff, 2 }, { "in-0xfffe-l", 0xfffe, 4 },
	};

	if (iopl(3) < 0) {
		printf("poke: FAIL io: iopl(3) refused\n");
		failures++;
		return;
	}
	/* Linux gives iopl(3) as an I/O bitmap allowing every port: an
	 * access past 0xffff then meets the bitmap's closing byte and raises
	 * #GP (SIGSEGV) before any VM exit, as on bare metal. */
	signal(SIGSEGV, on_segv);
	for (unsigned i = 0; i < sizeof(reads) / sizeof(reads[0]); i++) {
		if (sigsetjmp(faulted, 1)) {
			printf("poke: io %s gp\n", reads[i].name);
			continue;
		}
		unsigned long v = reads[i].size == 4 ? inl(reads[i].port) : inw(reads[i].port);

		printf("poke: io %s 0x%lx\n", reads[i].name, v);
	}
	/* Writes that reach pmuvisor's scratch register (0x2ff) and the
	 * byte below its ports: its console must go on regardless. */
	outl(0x5a5a5a5a, 0x2fd);
	outw(0xa5a5, 0x2f7);
	if (!sigsetjmp(faulted, 1))
		outw(0x1234, 0xffff);
	signal(SIGSEGV, SIG_DFL);
	printf("poke: io outs done\n");
}

static volatile uint64_t *map_phys(int fd, uint64_t address)
{
	void *p = mmap(0, PAGE, PROT_READ | PROT_WRITE, MAP_SHARED, fd, (off_t)address);

	return p == MAP_FAILED ? 0 : p;
}

static void poke_high_gpa(int fd)
{
	uint32_t r[4];
	unsigned maxphyaddr;

	cpuid(0x80000008, 0, r);
	maxphyaddr = r[0] & 0xff;
	const struct { const char *name; uint64_t address; } targets[] = {
		{ "4g", 1ull << 32 }, { "64g", 1ull << 36 }, { "top", (1ull << maxphyaddr) - PAGE },
	};
	for (unsigned i = 0; i < sizeof(targets) / sizeof(targets[0]); i++) {
		volatile uint64_t *p = map_phys(fd, targets[i].address);
		uint64_t before, after;

		if (!p) {
			printf("poke: high-gpa %s unmappable\n", targets[i].name);
			continue;
		}
		before = *p;
		*p = 0x5a5a5a5aa5a5a5a5ull;
		after = *p;
		munmap((void *)p, PAGE);
		printf("poke: high-gpa %s read=0x%llx readback=0x%llx\n", targets[i].name,
		       (unsigned long long)before, (unsigned long long)after);
		if (before != ~0ull || after != ~0ull)
			fail(targets[i].name, before & after, ~0ull);
	}
}

static void poke_hidden(int fd, uint64_t resident)
{
	volatile uint64_t *p = map_phys(fd, resident + PAGE);
	uint64_t before, after;
	uint32_t r[4];

	if (!p) {
		printf("poke: FAIL hidden: /dev/mem refuses 0x%llx\n", (unsigned long long)resident + PAGE);
		failures++;
		return;
	}
	before = *p;
	*p = 0x1234567812345678ull;
	cpuid(0, 0, r); /* an exit: the write's scratch page is gone */
	after = *p;
	munmap((void *)p, PAGE);
	printf("poke: hidden read=0x%llx after-write-and-exit=0x%llx\n", (unsigned long long)before,
	       (unsigned long long)after);
	if (before != ~0ull)
		fail("hidden read", before, ~0ull);
	if (after != ~0ull)
		fail("hidden write", after, ~0ull);
}

static uint32_t sweep(uint32_t first, uint32_t last, uint32_t sum)
{
	uint32_t r[4];

	for (uint32_t leaf = first; leaf <= last && leaf - first < 0x100; leaf++) {
		for (uint32_t sub = 0; sub < 4; sub++) {
			cpuid(leaf, sub, r);
			/* Leaf 1 EBX bits 31:24 and leaf 0xB EDX are the running
			 * CPU's APIC ID: one CPU here, the same every round. */
			sum = (sum * 31 + r[0]) * 31 + r[1] + r[2] * 7 + r[3] * 13;
		}
	}
	return sum;
}

static void poke_cpuid(void)
{
	uint32_t r[4], top, ext;

	cpuid(0, 0, r);
	top = r[0];
	cpuid(0x80000000, 0, r);
	ext = r[0];
	printf("poke: cpuid leaves 0x%x 0x%x checksum 0x%x\n", top, ext,
	       sweep(0x80000000, ext, sweep(0, top, 0)));
}

static int64_t vmcall(uint64_t nr, uint64_t b, uint64_t c, uint64_t d)
{
	uint64_t rax = nr;

	__asm__ volatile("vmcall" : "+a"(rax), "+b"(b), "+c"(c), "+d"(d) : : "memory");
	return (int64_t)rax;
}

static void poke_vmcall(void)
{
	static const char command[] = "info";
	const uint64_t line = (uint64_t)(uintptr_t)command;
	const struct { const char *name; uint64_t nr, b, c, d; int64_t want; } calls[] = {
		{ "unknown-5", 5, 1, 2, 3, -1 },
		{ "unknown-max", ~0ull, 1, 2, 3, -1 },
		{ "log-cpl3", 2, line, 4, 0, -2 },
		{ "log-close-cpl3", 4, 0, 0, 0, -2 },
		{ "shell-reply-noncanonical", 3, line, 0x8000000000000000ull, 64, -3 },
		{ "shell-reply-unmapped", 3, line, 0x1000, 64, -3 },
		{ "shell-reply-size-0", 3, line, 0x1000, 0, -3 },
	};

	for (unsigned i = 0; i < sizeof(calls) / sizeof(calls[0]); i++) {
		int64_t got = vmcall(calls[i].nr, calls[i].b, calls[i].c, calls[i].d);

		printf("poke: vmcall %s %lld\n", calls[i].name, (long long)got);
		if (got != calls[i].want)
			fail(calls[i].name, (unsigned long long)got, (unsigned long long)calls[i].want);
	}
}

int main(int argc, char **argv)
{
	char *end;
	uint64_t resident;
	int fd;

	if (argc != 2 || !(resident = strtoull(argv[1], &end, 16)) || *end) {
		fprintf(stderr, "usage: poke RESIDENT_PHYS (hex, from pmuvisor's 'info')\n");
		return 2;
	}
	setvbuf(stdout, 0, _IOLBF, 0);
	poke_io();
	fd = open("/dev/mem", O_RDWR | O_SYNC);
	if (fd < 0) {
		printf("poke: FAIL /dev/mem cannot be opened\n");
		failures++;
	} else {
		poke_high_gpa(fd);
		poke_hidden(fd, resident);
		close(fd);
	}
	poke_cpuid();
	poke_vmcall();
	return failures ? 1 : 0;
}
