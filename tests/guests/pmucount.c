/*
 * Counts with the guest's own perf_event_open (Linux's PMU driver on
 * pmuvisor's virtual PMU), for the vpmu tests:
 *
 *   pmucount loop N          user-mode instructions over a loop of exactly 2N
 *   pmucount cpuid N         cycles (user and kernel) over N CPUIDs, each an exit
 *   pmucount sample N PERIOD the loop again, sampled every PERIOD instructions
 *                            (PMIs): how many samples, and how many in the loop
 *   pmucount leaf LEAF       CPUID LEAF (subleaf 0) as this CPU answers it, in
 *                            the form of pmuvisor's shell command 'cpuid'
 */
#include <linux/perf_event.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <unistd.h>

static int open_counter(uint64_t config, int exclude_kernel)
{
	struct perf_event_attr attr;

	memset(&attr, 0, sizeof(attr));
	attr.size = sizeof(attr);
	attr.type = PERF_TYPE_HARDWARE;
	attr.config = config;
	attr.disabled = 1;
	attr.exclude_kernel = exclude_kernel;
	attr.exclude_hv = 1;
	return (int)syscall(SYS_perf_event_open, &attr, 0, -1, -1, 0);
}

extern const char loop_start[], loop_end[];

/* The loop, at known addresses: 2 instructions an iteration. */
__attribute__((noinline)) static void loop(unsigned long n)
{
	__asm__ volatile(".globl loop_start\nloop_start:\n1: dec %0; jnz 1b\n.globl loop_end\nloop_end:"
			 : "+r"(n));
}

/* Samples: every PERIOD user instructions an overflow, a PMI, and a
 * PERF_RECORD_SAMPLE with the IP in the ring buffer. */
static int sample(unsigned long n, unsigned long period)
{
	struct perf_event_attr attr;
	struct perf_event_mmap_page *meta;
	const size_t pages = 1 + 16, page = 4096;
	unsigned long samples = 0, in_loop = 0;
	uint64_t head, at;
	uint8_t *data;
	int fd;

	memset(&attr, 0, sizeof(attr));
	attr.size = sizeof(attr);
	attr.type = PERF_TYPE_HARDWARE;
	attr.config = PERF_COUNT_HW_INSTRUCTIONS;
	attr.sample_period = period;
	attr.sample_type = PERF_SAMPLE_IP;
	attr.disabled = 1;
	attr.exclude_kernel = 1;
	attr.exclude_hv = 1;
	fd = (int)syscall(SYS_perf_event_open, &attr, 0, -1, -1, 0);
	if (fd < 0) {
		perror("pmucount: perf_event_open");
		return 1;
	}
	meta = mmap(0, pages * page, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	if (meta == MAP_FAILED) {
		perror("pmucount: mmap");
		return 1;
	}
	ioctl(fd, PERF_EVENT_IOC_ENABLE, 0);
	loop(n);
	ioctl(fd, PERF_EVENT_IOC_DISABLE, 0);
	head = meta->data_head;
	__sync_synchronize();
	data = (uint8_t *)meta + page;
	for (at = 0; at < head;) {
		struct perf_event_header h;
		uint64_t ip;

		memcpy(&h, data + at % (16 * page), sizeof(h));
		if (h.type == PERF_RECORD_SAMPLE) {
			memcpy(&ip, data + (at + sizeof(h)) % (16 * page), sizeof(ip));
			samples++;
			if (ip >= (uint64_t)loop_start && ip <= (uint64_t)loop_end)
				in_loop++;
		}
		if (!h.size)
			break;
		at += h.size;
	}
	printf("pmucount: samples=%lu in_loop=%lu\n", samples, in_loop);
	return 0;
}

int main(int argc, char **argv)
{
	if (argc == 3 && strcmp(argv[1], "leaf") == 0) {
		unsigned a, b, c, d, leaf = (unsigned)strtoul(argv[2], 0, 0);

		__asm__ volatile("cpuid" : "=a"(a), "=b"(b), "=c"(c), "=d"(d) : "a"(leaf), "c"(0));
		printf("EAX=%08x EBX=%08x ECX=%08x EDX=%08x\n", a, b, c, d);
		return 0;
	}
	if (argc == 4 && strcmp(argv[1], "sample") == 0)
		return sample(strtoul(argv[2], 0, 0), strtoul(argv[3], 0, 0));
	unsigned long n = argc == 3 ? strtoul(argv[2], 0, 0) : 0;
	int looping = argc == 3 && strcmp(argv[1], "loop") == 0;
	uint64_t count = 0;
	int fd;

	if (!n || (!looping && strcmp(argv[1], "cpuid") != 0)) {
		fprintf(stderr, "usage: pmucount loop N | pmucount cpuid N | pmucount sample N PERIOD | pmucount leaf LEAF\n");
		return 2;
	}
	fd = open_counter(looping ? PERF_COUNT_HW_INSTRUCTIONS : PERF_COUNT_HW_CPU_CYCLES, looping);
	if (fd < 0) {
		perror("pmucount: perf_event_open");
		return 1;
	}
	ioctl(fd, PERF_EVENT_IOC_RESET, 0);
	ioctl(fd, PERF_EVENT_IOC_ENABLE, 0);
	if (looping) {
		loop(n);
	} else {
		unsigned a, b, c, d;

		while (n--)
			__asm__ volatile("cpuid" : "=a"(a), "=b"(b), "=c"(c), "=d"(d) : "a"(0), "c"(0));
	}
	ioctl(fd, PERF_EVENT_IOC_DISABLE, 0);
	if (read(fd, &count, sizeof(count)) != sizeof(count)) {
		perror("pmucount: read");
		return 1;
	}
	printf("pmucount: %s=%llu\n", looping ? "instructions" : "cycles", (unsigned long long)count);
	return 0;
}
