/*
 * The contract between pmuvisor.efi (the loader, a UEFI application) and
 * the resident core (root-mode code, linked at CORE_VIRTUAL_BASE and
 * copied into reserved memory that the OS never reuses).
 *
 * The loader builds the host page tables, switches to them and calls
 * core_entry(params) through launch_core() (boot/launch.asm).  The core
 * turns the caller's context into a VMX guest: on success the call
 * "returns" 0 through VMLAUNCH, in non-root mode, with the firmware's page
 * tables back in place; on failure it returns an error with the reason in
 * params->message, still in root mode, and nothing has changed.
 */
#ifndef VMX_LAUNCH_H
#define VMX_LAUNCH_H

#include <stdint.h>

#define CORE_VIRTUAL_BASE 0xffffffff80000000ull
#define CORE_MAGIC 0x45524f4356554d50ull /* "PMUVCORE" */
#define LAUNCH_PARAMS_MAGIC 0x48434e55414c5650ull /* "PVLAUNCH" */

/* At offset 0 of the core image (vmx/core_head.asm). */
struct core_header {
	uint64_t magic;
	uint64_t entry;      /* virtual address of core_entry */
	uint64_t file_size;  /* bytes in the image file */
	uint64_t memory_size; /* bytes in memory, with .bss */
};

/* vpmu= (boot/config.c): on picks the backend, timer and hw force one
 * (hw on a PMU that does not count: only to measure its exit path). */
enum vpmu_choice { VPMU_OFF, VPMU_ON, VPMU_TIMER, VPMU_HW };

struct launch_params {
	uint64_t magic;
	/* Resident region: the core image first, then pages the core allocates. */
	uint64_t resident_phys;
	uint64_t resident_size;
	uint64_t pool_next;      /* first free byte after the loader's allocations */
	uint64_t host_cr3;
	uint64_t phys_top;       /* guest-physical memory to map: [0, phys_top) */
	uint16_t console_port;
	uint16_t selftest;       /* enum selftest (boot/config.h): test-only faults */
	uint32_t baud;
	uint32_t poll_hz;        /* console polls per second of guest time */
	uint32_t guest_control;  /* guest_control=on */
	/* Filled by launch_core() just before the call: where the guest resumes. */
	uint64_t guest_rsp;
	uint64_t guest_rip;
	uint64_t guest_cr3;
	uint64_t guest_rflags;
	/* The core's answer when it could not launch. */
	char message[256];
	/* The loader's PMU verdict ("PMU: ..."), for the shell's 'info'. */
	char pmu_summary[128];
	uint32_t pmu_counts;     /* the probe found counters that count */
	uint32_t prof_samples;   /* profiling ring capacity (power of two) */
	uint64_t kernel_symbols_phys; /* symbols= as a table (guest/sysmap.h), or 0 */
	uint64_t kernel_symbols_size;
	uint32_t vpmu;           /* enum vpmu_choice: the guest's virtual PMU */
	uint16_t device_port;    /* device=PORT (vmx/device.h), or 0 */
	uint16_t reserved;
};

#define LAUNCH_GUEST_RSP 64
#define LAUNCH_GUEST_RIP 72
#define LAUNCH_GUEST_CR3 80
#define LAUNCH_GUEST_RFLAGS 88

_Static_assert(__builtin_offsetof(struct launch_params, guest_rsp) == LAUNCH_GUEST_RSP, "asm offset");
_Static_assert(__builtin_offsetof(struct launch_params, guest_rip) == LAUNCH_GUEST_RIP, "asm offset");
_Static_assert(__builtin_offsetof(struct launch_params, guest_cr3) == LAUNCH_GUEST_CR3, "asm offset");
_Static_assert(__builtin_offsetof(struct launch_params, guest_rflags) == LAUNCH_GUEST_RFLAGS,
	       "asm offset");

/* boot/launch.asm: returns 0 in the guest, or the core's error code. */
int launch_core(struct launch_params *params, uint64_t host_cr3, uint64_t entry);

#endif
