/*
 * A model of the architectural PMU as the SDM specifies it (Vol. 3B,
 * 20.2; Vol. 3A, 11.5.1 for the LVT entry), for the unit tests of the
 * code that cannot run in Bochs: counters that count per privilege level,
 * overflow after exactly -value events, GLOBAL_CTRL/STATUS/OVF_CTRL,
 * legacy and full-width counter writes, freeze on PMI, and a PMI that the
 * local APIC delivers as an NMI (masking its LVT entry) to whichever mode
 * the CPU is in: VMX root (pmuvisor) or the guest.
 */
#ifndef TESTS_UNIT_PMU_MODEL_H
#define TESTS_UNIT_PMU_MODEL_H

#include <stdbool.h>
#include <stdint.h>

#include "pmu/caps.h"

#define MODEL_MAX_GP 8
#define MODEL_MAX_FIXED 4

struct pmu_model {
	struct pmu_caps caps;
	bool fw_write;            /* IA32_PERF_CAPABILITIES.FW_WRITE */
	uint64_t pmc[MODEL_MAX_GP], evtsel[MODEL_MAX_GP], fixed[MODEL_MAX_FIXED];
	uint64_t fixed_ctrl, global_ctrl, global_status, debugctl;
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
 * current CPL and mode. */
void pmu_model_count(struct pmu_model *m, uint16_t code, uint64_t n);

#endif
