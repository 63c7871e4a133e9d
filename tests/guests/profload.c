/*
 * Guest workloads with known answers, for the profiler's ground-truth
 * tests (tests/integration/scenarios.py).
 *
 *   profload shares ROUNDS  three functions whose shares of the program's
 *                           instructions are exactly 50, 30 and 20 %:
 *                           each loop iteration is 10 instructions (eight
 *                           NOPs, DEC, JNZ), run 5:3:2 times as often
 *   profload cpuid COUNT    COUNT CPUID instructions: each one a VM exit
 *   profload timed ROUNDS   the shares workload, printing only its TSC
 *                           ticks ("profload: tsc=N"), for make bench
 *
 * Prints the functions' address ranges first, for the test to check the
 * report's addresses against.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define BODY "nop; nop; nop; nop; nop; nop; nop; nop; dec %0; jnz 1b"

/* Called at the end of each work function, so that none is a leaf and
 * each sets up a frame (the program is built with frame pointers, for the
 * call-chain test). */
__attribute__((noinline)) void work_done(void)
{
	__asm__ volatile("");
}

/* Each function is its loop and little else: the call, the frame and the
 * return add a handful of instructions per 200,000-500,000 in the loop. */
__attribute__((noinline)) void work_fifty(unsigned long n)
{
	__asm__ volatile("1: " BODY : "+r"(n));
	work_done();
	__asm__ volatile(""); /* not a tail call: keep the frame */
}

__attribute__((noinline)) void work_thirty(unsigned long n)
{
	__asm__ volatile("1: " BODY : "+r"(n));
	work_done();
	__asm__ volatile(""); /* not a tail call: keep the frame */
}

__attribute__((noinline)) void work_twenty(unsigned long n)
{
	__asm__ volatile("1: " BODY : "+r"(n));
	work_done();
	__asm__ volatile(""); /* not a tail call: keep the frame */
}

__attribute__((noinline)) void cpuid_loop(unsigned long n)
{
	unsigned a, b, c, d;

	while (n--)
		__asm__ volatile("cpuid" : "=a"(a), "=b"(b), "=c"(c), "=d"(d) : "a"(0), "c"(0));
}

int main(int argc, char **argv)
{
	unsigned long count = argc == 3 ? strtoul(argv[2], 0, 0) : 0, i;

	if (argc != 3 || !count) {
		fprintf(stderr, "usage: profload shares ROUNDS | profload cpuid COUNT | "
				"profload timed ROUNDS\n");
		return 2;
	}
	if (strcmp(argv[1], "shares") == 0) {
		printf("profload: work_fifty=%p work_thirty=%p work_twenty=%p\n", (void *)work_fifty,
		       (void *)work_thirty, (void *)work_twenty);
		fflush(stdout);
		for (i = 0; i < count; i++) {
			work_fifty(50000);
			work_thirty(30000);
			work_twenty(20000);
		}
	} else if (strcmp(argv[1], "timed") == 0) {
		uint32_t lo, hi;
		uint64_t start;

		__asm__ volatile("rdtsc" : "=a"(lo), "=d"(hi));
		start = (uint64_t)hi << 32 | lo;
		for (i = 0; i < count; i++) {
			work_fifty(50000);
			work_thirty(30000);
			work_twenty(20000);
		}
		__asm__ volatile("rdtsc" : "=a"(lo), "=d"(hi));
		printf("profload: tsc=%llu\n", (unsigned long long)(((uint64_t)hi << 32 | lo) - start));
	} else if (strcmp(argv[1], "cpuid") == 0) {
		printf("profload: cpuid_loop=%p\n", (void *)cpuid_loop);
		fflush(stdout);
		cpuid_loop(count);
	} else {
		fprintf(stderr, "profload: unknown workload '%s'\n", argv[1]);
		return 2;
	}
	return 0;
}
