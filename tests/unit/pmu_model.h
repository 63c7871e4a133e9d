/*
 * The PMU hardware for the hw backend's unit tests: the SDM register file
 * (pmu/vpmu_regs.c, itself tested against the SDM in test_vpmu.c) plus
 * what surrounds it on a real CPU: IA32_PERF_CAPABILITIES, IA32_DEBUGCTL's
 * freeze-on-PMI, and the local APIC's LVT entry that turns an overflow
 * into an NMI (masking itself as it delivers, SDM Vol. 3A, 11.5.1) to
 * whichever mode the CPU is in: VMX root (pmuvisor) or the guest.
 */
#ifndef TESTS_UNIT_PMU_MODEL_H
#define TESTS_UNIT_PMU_MODEL_H

#include <stdbool.h>
#include <stdint.h>

#include "pmu/caps.h"
#include "pmu/vpmu_regs.h"

struct pmu_model {
	struct pmu_caps caps;
	struct vpmu_regs regs;
	uint64_t debugctl;
	uint32_t lvtpc;
	bool root;                /* the CPU is in VMX root mode */
	unsigned cpl;
	unsigned pmis_root, pmis_guest, pmis_lost; /* lost: LVT entry masked */
	uint64_t events;          /* events so far (the model's clock) */
	uint64_t pmi_at;          /* event number that raised the last PMI */
	unsigned faults;          /* #GPs raised */
	uint32_t fault_on_msr;    /* an MSR made to fault (0: none) */
};

/* A PMU of 'version' with gp/fixed counters of 48 bits, all events. */
void pmu_model_init(struct pmu_model *m, unsigned version, unsigned gp, unsigned fixed,
		    bool fw_write);

/* RDMSR/WRMSR: 0, or -1 for #GP. */
int pmu_model_rdmsr(struct pmu_model *m, uint32_t msr, uint64_t *value);
int pmu_model_wrmsr(struct pmu_model *m, uint32_t msr, uint64_t value);

/* 'n' occurrences of event 'code' (UMASK << 8 | EVENT) at the model's
 * current CPL and mode; a PMI is raised at the end of the batch. */
void pmu_model_count(struct pmu_model *m, uint16_t code, uint64_t n);

/* Register shorthands for the tests. */
#define MODEL_FIXED(m, i) ((m)->regs.fixed[i])
#define MODEL_PMC(m, i) ((m)->regs.pmc[i])

#endif
