/*
 * What pmuvisor keeps per processor, found in root mode through GS: VM
 * exit loads HOST_GS_BASE, which points at the CPU's own struct pcpu,
 * whose first field points at itself (so gs:0 is one load, also in the
 * NMI handler).  Machine-wide state (the EPT, the configuration, symbol
 * tables, the demo device, the log) stays shared.
 *
 * Code that runs before the CPU's first VM exit (set-up) uses the struct
 * directly: GS is still the firmware's then.
 */
#ifndef VMX_PCPU_H
#define VMX_PCPU_H

#include <stdbool.h>
#include <stdint.h>

#include "vmx/exit_reason.h"

/* Which path the exit takes without a system-wide profile. */
enum exit_mode {
	EXIT_MODE_PLAIN,     /* no virtual PMU */
	EXIT_MODE_VPMU,      /* the virtual PMU, timer backend */
	EXIT_MODE_VPMU_HW,   /* the virtual PMU on the CPU's counters */
};

/* The path vmx/exit.c takes on every exit: the mode's, or a profile's,
 * which takes precedence.  Kept in one byte so that choosing costs the
 * exit path a load and a jump. */
enum exit_path {
	EXIT_PATH_PLAIN = EXIT_MODE_PLAIN,
	EXIT_PATH_VPMU = EXIT_MODE_VPMU,
	EXIT_PATH_VPMU_HW = EXIT_MODE_VPMU_HW,
	EXIT_PATH_PROF_ACCOUNTING, /* profiling: every exit accounted */
	EXIT_PATH_PROF_SAMPLING,   /* ... and samples taken at exits (timer backend) */
};

/* What CPUID shows of the PMU (leaf 0xA and its feature bits). */
enum cpuid_pmu_view {
	CPUID_PMU_AS_IS,   /* the CPU's */
	CPUID_PMU_HIDDEN,  /* pmuvisor owns the PMU: none */
	CPUID_PMU_VIRTUAL, /* the virtual PMU's */
};

struct pcpu {
	struct pcpu *self; /* gs:0 */
	unsigned index;    /* 0: the boot processor */
	unsigned char path; /* enum exit_path, from the three below */
	enum exit_mode mode;
	bool profiling, sampling;
	enum cpuid_pmu_view cpuid_view;
	/* Set by the root-mode NMI handler; the exit path re-injects it. */
	volatile uint32_t nmi_pending;
	struct exit_stats stats; /* count and time of each exit reason */
};

static inline void pcpu_choose_path(struct pcpu *p)
{
	p->path = (unsigned char)(!p->profiling ? (enum exit_path)p->mode
				  : p->sampling ? EXIT_PATH_PROF_SAMPLING : EXIT_PATH_PROF_ACCOUNTING);
}

static inline void pcpu_set_mode(struct pcpu *p, enum exit_mode mode)
{
	p->mode = mode;
	pcpu_choose_path(p);
}

/* A system-wide profile starts ('sampling': the timer backend's) or stops. */
static inline void pcpu_set_profiling(struct pcpu *p, bool on, bool sampling)
{
	p->profiling = on;
	p->sampling = sampling;
	pcpu_choose_path(p);
}

/* The boot processor's (the only one so far). */
extern struct pcpu pcpu_boot;

static inline struct pcpu *this_pcpu(void)
{
	struct pcpu *p;

	__asm__("mov %%gs:0, %0" : "=r"(p));
	return p;
}

#endif
