/*
 * The seed paper's experiment in miniature (tests/integration): a program
 * with one function that drives pmuvisor's demo device (device=PORT) and
 * two that only compute, for perf in the guest to profile under each
 * accounting policy.
 *
 *   devload run ROUNDS PORT
 *
 * Each round: rx_frames() takes 8 "frames", each 2,000 instructions of
 * in-guest work and one OUT to the device (a VM exit; pmuvisor then does
 * its configured work); work_checksum() and work_scan() run 40,000 and
 * 24,000 instructions of plain work. In the guest alone the shares are
 * therefore 20 / 50 / 30 %.
 *
 * RDTSC counts every instruction in Bochs, pmuvisor's included, so the
 * program measures the truth itself and prints it for the test:
 *   devload: tsc rx_frames=T work_checksum=T work_scan=T
 *   devload: access tsc=A base=B accesses=N
 * where T is each function's TSC total, N the OUTs rx_frames() made, A the
 * least TSC an OUT costs over
 * 64 tries and B that of the same code without the OUT. An access thus
 * costs the guest A - B - 1 ticks of pmuvisor's time (the OUT itself is
 * one instruction).
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/io.h>

#define BODY "nop; nop; nop; nop; nop; nop; nop; nop; dec %0; jnz 1b"
#define FRAMES 8

static uint16_t port;
static uint64_t total[3], accesses;

static inline uint64_t tsc(void)
{
	uint32_t lo, hi;

	__asm__ volatile("rdtsc" : "=a"(lo), "=d"(hi));
	return (uint64_t)hi << 32 | lo;
}

static inline void spin(unsigned long n)
{
	__asm__ volatile("1: " BODY : "+r"(n));
}

__attribute__((noinline)) void rx_frames(void)
{
	unsigned i;

	for (i = 0; i < FRAMES; i++) {
		spin(200);
		__asm__ volatile("outl %0, %w1" : : "a"(i), "Nd"(port));
	}
	accesses += FRAMES;
}

__attribute__((noinline)) void work_checksum(void)
{
	spin(4000);
}

__attribute__((noinline)) void work_scan(void)
{
	spin(2400);
}

/* The least TSC delta over 64 tries of rdtsc; [out;] rdtsc. */
static uint64_t least(int with_out)
{
	uint64_t best = UINT64_MAX, t0, t1;
	int i;

	for (i = 0; i < 64; i++) {
		if (with_out) {
			t0 = tsc();
			__asm__ volatile("outl %0, %w1" : : "a"(i), "Nd"(port));
			t1 = tsc();
		} else {
			t0 = tsc();
			t1 = tsc();
		}
		if (t1 - t0 < best)
			best = t1 - t0;
	}
	return best;
}

int main(int argc, char **argv)
{
	void (*const fn[3])(void) = { rx_frames, work_checksum, work_scan };
	unsigned long rounds, p, r;
	uint64_t a, b, t;
	int i;

	if (argc != 4 || strcmp(argv[1], "run") != 0 || !(rounds = strtoul(argv[2], 0, 0)) ||
	    !(p = strtoul(argv[3], 0, 0)) || p > 0xffff) {
		fprintf(stderr, "usage: devload run ROUNDS PORT\n");
		return 2;
	}
	port = (uint16_t)p;
	if (ioperm(port, 4, 1) < 0) { /* a 4-byte OUT checks 4 ports */
		perror("devload: ioperm");
		return 1;
	}
	a = least(1);
	b = least(0);
	for (r = 0; r < rounds; r++)
		for (i = 0; i < 3; i++) {
			t = tsc();
			fn[i]();
			total[i] += tsc() - t;
		}
	printf("devload: tsc rx_frames=%llu work_checksum=%llu work_scan=%llu\n",
	       (unsigned long long)total[0], (unsigned long long)total[1], (unsigned long long)total[2]);
	printf("devload: access tsc=%llu base=%llu accesses=%llu\n", (unsigned long long)a,
	       (unsigned long long)b, (unsigned long long)accesses);
	return 0;
}
