/* Installs pmuvisor's resident core and turns the running firmware
 * context into its guest (see vmx/launch.h). */
#ifndef BOOT_HYPERVISOR_H
#define BOOT_HYPERVISOR_H

#include "boot/config.h"

#include <efi.h>

/* Returns 0 when the caller now runs as a VMX guest; otherwise -1 after
 * logging why (the machine is as before, VT-x unused). */
int hypervisor_start(const struct config *cfg);

/* The loader's one-line PMU verdict (boot/main.c), handed to the core for
 * the shell's 'info'. */
extern char pmu_summary[128];
extern uint32_t pmu_counts; /* the probe's verdict is PMU_WORKS */

/* symbols= as a table (guest/sysmap.h), or none. */
struct kernel_symbols {
	void *table;
	size_t size;
};
extern struct kernel_symbols kernel_symbols;

#endif
