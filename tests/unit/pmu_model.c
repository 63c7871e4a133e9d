#include "tests/unit/pmu_model.h"
#include "pmu/msr.h"

#include <string.h>

void pmu_model_init(struct pmu_model *m, unsigned version, unsigned gp, unsigned fixed,
		    bool fw_write)
{
	struct vpmu_config cfg = { version, gp, 48, fixed, 48, 0, fw_write };

	memset(m, 0, sizeof(*m));
	m->caps = (struct pmu_caps){ version, gp, 48, fixed, 48, 7, 0 };
	vpmu_reset(&m->regs, &cfg);
	m->regs.global_ctrl = 0;   /* as firmware leaves it: off */
	m->lvtpc = LVT_MASKED;     /* the APIC's reset state: masked */
}

static int fault(struct pmu_model *m)
{
	m->faults++;
	return -1;
}

int pmu_model_rdmsr(struct pmu_model *m, uint32_t msr, uint64_t *v)
{
	if (msr == m->fault_on_msr)
		return fault(m);
	if (msr == MSR_IA32_PERF_CAPABILITIES) {
		*v = m->regs.cfg.full_width_writes ? PERF_CAP_FW_WRITE : 0;
		return 0;
	}
	if (msr == MSR_IA32_DEBUGCTL) {
		*v = m->debugctl;
		return 0;
	}
	return vpmu_rdmsr(&m->regs, msr, v) < 0 ? fault(m) : 0;
}

int pmu_model_wrmsr(struct pmu_model *m, uint32_t msr, uint64_t v)
{
	if (msr == m->fault_on_msr)
		return fault(m);
	if (msr == MSR_IA32_DEBUGCTL) {
		m->debugctl = v;
		return 0;
	}
	return vpmu_wrmsr(&m->regs, msr, v) < 0 ? fault(m) : 0;
}

void pmu_model_count(struct pmu_model *m, uint16_t code, uint64_t n)
{
	uint64_t pmi = vpmu_count(&m->regs, code, n, m->root ? 0 : m->cpl);

	m->events += n;
	if (!pmi)
		return;
	/* The APIC masks the entry as it delivers (SDM Vol. 3A, 11.5.1);
	 * while masked, a PMI is not delivered. */
	if (m->lvtpc & LVT_MASKED) {
		m->pmis_lost++;
		return;
	}
	m->lvtpc |= LVT_MASKED;
	if (m->root)
		m->pmis_root++;
	else
		m->pmis_guest++;
	m->pmi_at = m->events;
	/* Legacy freeze: the PMI clears GLOBAL_CTRL (SDM Vol. 3B, 18.4.7). */
	if (m->debugctl & DEBUGCTL_FREEZE_PERFMON_ON_PMI)
		m->regs.global_ctrl = 0;
}
