#include "tests/unit/pmu_model.h"
#include "pmu/msr.h"

#include <string.h>

/* The events the fixed counters count (SDM Vol. 3B, 20.2.2, Table 20-2). */
static const uint16_t fixed_event[MODEL_MAX_FIXED] = { 0x00c0, 0x003c, 0x013c, 0x00a4 };

static uint64_t mask(unsigned width)
{
	return width >= 64 ? ~0ull : (1ull << width) - 1;
}

void pmu_model_init(struct pmu_model *m, unsigned version, unsigned gp, unsigned fixed,
		    bool fw_write)
{
	memset(m, 0, sizeof(*m));
	m->caps = (struct pmu_caps){ version, gp, 48, fixed, 48, 7, 0 };
	m->fw_write = fw_write;
	m->lvtpc = LVT_MASKED; /* the APIC's reset state: masked */
}

static int gp(struct pmu_model *m)
{
	m->faults++;
	return -1;
}

static uint64_t counter_bits(const struct pmu_model *m)
{
	return mask(m->caps.gp_counters) | (mask(m->caps.fixed_counters) << GLOBAL_FIXED_SHIFT);
}

int pmu_model_rdmsr(struct pmu_model *m, uint32_t msr, uint64_t *v)
{
	const struct pmu_caps *c = &m->caps;

	if (msr == m->fault_on_msr)
		return gp(m);
	if (msr >= MSR_IA32_PMC0 && msr < MSR_IA32_PMC0 + c->gp_counters)
		*v = m->pmc[msr - MSR_IA32_PMC0];
	else if (m->fw_write && msr >= MSR_IA32_A_PMC0 && msr < MSR_IA32_A_PMC0 + c->gp_counters)
		*v = m->pmc[msr - MSR_IA32_A_PMC0];
	else if (msr >= MSR_IA32_PERFEVTSEL0 && msr < MSR_IA32_PERFEVTSEL0 + c->gp_counters)
		*v = m->evtsel[msr - MSR_IA32_PERFEVTSEL0];
	else if (msr >= MSR_IA32_FIXED_CTR0 && msr < MSR_IA32_FIXED_CTR0 + c->fixed_counters)
		*v = m->fixed[msr - MSR_IA32_FIXED_CTR0];
	else if (msr == MSR_IA32_FIXED_CTR_CTRL && c->version >= 2)
		*v = m->fixed_ctrl;
	else if (msr == MSR_IA32_PERF_GLOBAL_STATUS && c->version >= 2)
		*v = m->global_status;
	else if (msr == MSR_IA32_PERF_GLOBAL_CTRL && c->version >= 2)
		*v = m->global_ctrl;
	else if (msr == MSR_IA32_PERF_GLOBAL_OVF_CTRL && c->version >= 2)
		*v = 0;
	else if (msr == MSR_IA32_PERF_CAPABILITIES)
		*v = m->fw_write ? PERF_CAP_FW_WRITE : 0;
	else if (msr == MSR_IA32_DEBUGCTL)
		*v = m->debugctl;
	else
		return gp(m);
	return 0;
}

int pmu_model_wrmsr(struct pmu_model *m, uint32_t msr, uint64_t v)
{
	const struct pmu_caps *c = &m->caps;
	uint64_t status_bits = counter_bits(m) | GLOBAL_STATUS_OVF_BUF | GLOBAL_STATUS_COND_CHGD;

	if (msr == m->fault_on_msr)
		return gp(m);
	if (msr >= MSR_IA32_PMC0 && msr < MSR_IA32_PMC0 + c->gp_counters) {
		/* Legacy write: bits 31:0, bit 31 copied upwards (20.2.6). */
		uint64_t low = v & 0xffffffffu;

		if (low & 0x80000000u)
			low |= ~0xffffffffull;
		m->pmc[msr - MSR_IA32_PMC0] = low & mask(c->gp_width);
	} else if (msr >= MSR_IA32_A_PMC0 && msr < MSR_IA32_A_PMC0 + c->gp_counters) {
		if (!m->fw_write || (v & ~mask(c->gp_width)))
			return gp(m);
		m->pmc[msr - MSR_IA32_A_PMC0] = v;
	} else if (msr >= MSR_IA32_PERFEVTSEL0 && msr < MSR_IA32_PERFEVTSEL0 + c->gp_counters) {
		if (v >> 32)
			return gp(m);
		m->evtsel[msr - MSR_IA32_PERFEVTSEL0] = v;
	} else if (msr >= MSR_IA32_FIXED_CTR0 && msr < MSR_IA32_FIXED_CTR0 + c->fixed_counters) {
		if (v & ~mask(c->fixed_width))
			return gp(m);
		m->fixed[msr - MSR_IA32_FIXED_CTR0] = v;
	} else if (msr == MSR_IA32_FIXED_CTR_CTRL && c->version >= 2) {
		if (v & ~mask(4 * c->fixed_counters))
			return gp(m);
		m->fixed_ctrl = v;
	} else if (msr == MSR_IA32_PERF_GLOBAL_CTRL && c->version >= 2) {
		if (v & ~counter_bits(m))
			return gp(m);
		m->global_ctrl = v;
	} else if (msr == MSR_IA32_PERF_GLOBAL_OVF_CTRL && c->version >= 2) {
		if (v & ~status_bits)
			return gp(m);
		m->global_status &= ~v; /* write 1 to clear */
	} else if (msr == MSR_IA32_PERF_GLOBAL_STATUS_SET && c->version >= 4) {
		if (v & ~status_bits)
			return gp(m);
		m->global_status |= v;
	} else if (msr == MSR_IA32_DEBUGCTL) {
		m->debugctl = v;
	} else {
		return gp(m); /* GLOBAL_STATUS is read-only; the rest do not exist */
	}
	return 0;
}

static void raise_pmi(struct pmu_model *m)
{
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
	/* Legacy freeze: the PMI clears GLOBAL_CTRL (20.2.3 / 18.4.7). */
	if (m->debugctl & DEBUGCTL_FREEZE_PERFMON_ON_PMI)
		m->global_ctrl = 0;
}

/* One event on one counter: true if it overflowed with its interrupt on. */
static bool tick(uint64_t *counter, uint64_t width_mask, uint64_t *status, uint64_t bit, bool pmi)
{
	*counter = (*counter + 1) & width_mask;
	if (*counter)
		return false;
	*status |= bit;
	return pmi;
}

void pmu_model_count(struct pmu_model *m, uint16_t code, uint64_t n)
{
	bool kernel = m->cpl == 0; /* root mode runs at CPL 0 */
	unsigned i;

	while (n--) {
		bool pmi = false;

		m->events++;
		for (i = 0; i < m->caps.gp_counters; i++) {
			uint64_t sel = m->evtsel[i];

			if (!(sel & EVTSEL_EN) || (sel & 0xffff) != code ||
			    (m->caps.version >= 2 && !(m->global_ctrl & (1ull << i))) ||
			    !(sel & (kernel ? EVTSEL_OS : EVTSEL_USR)))
				continue;
			pmi |= tick(&m->pmc[i], mask(m->caps.gp_width), &m->global_status, 1ull << i,
				    sel & EVTSEL_INT);
		}
		for (i = 0; i < m->caps.fixed_counters; i++) {
			uint64_t field = (m->fixed_ctrl >> (4 * i)) & 0xf;
			uint64_t bit = 1ull << (GLOBAL_FIXED_SHIFT + i);

			if (fixed_event[i] != code || !(m->global_ctrl & bit) ||
			    !(field & (kernel ? FIXED_CTRL_OS : FIXED_CTRL_USR)))
				continue;
			pmi |= tick(&m->fixed[i], mask(m->caps.fixed_width), &m->global_status, bit,
				    field & FIXED_CTRL_PMI);
		}
		if (pmi)
			raise_pmi(m);
	}
}
