/*
 * Counts with the guest's own perf_event_open (Linux's PMU driver on
 * pmuvisor's virtual PMU), for the vpmu tests:
 *
 *   pmucount loop N    user-mode instructions over a loop of exactly 2N
 *   pmucount cpuid N   cycles (user and kernel) over N CPUIDs, each an exit
 */
#include <linux/perf_event.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
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

int main(int argc, char **argv)
{
	unsigned long n = argc == 3 ? strtoul(argv[2], 0, 0) : 0;
	int loop = argc == 3 && strcmp(argv[1], "loop") == 0;
	uint64_t count = 0;
	int fd;

	if (!n || (!loop && strcmp(argv[1], "cpuid") != 0)) {
		fprintf(stderr, "usage: pmucount loop N | pmucount cpuid N\n");
		return 2;
	}
	fd = open_counter(loop ? PERF_COUNT_HW_INSTRUCTIONS : PERF_COUNT_HW_CPU_CYCLES, loop);
	if (fd < 0) {
		perror("pmucount: perf_event_open");
		return 1;
	}
	ioctl(fd, PERF_EVENT_IOC_RESET, 0);
	ioctl(fd, PERF_EVENT_IOC_ENABLE, 0);
	if (loop) {
		unsigned long i = n;

		__asm__ volatile("1: dec %0; jnz 1b" : "+r"(i));
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
	printf("pmucount: %s=%llu\n", loop ? "instructions" : "cycles", (unsigned long long)count);
	return 0;
}
