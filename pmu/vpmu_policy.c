#include "pmu/vpmu.h"
#include "pmu/msr.h"
#include "lib/string.h"

#define LVT_DELIVERY_MODE (7u << 8)
#define LVT_VECTOR 0xffu

static void count(struct vpmu *v, uint64_t events, unsigned cpl, uint64_t rip)
{
	uint64_t pmi;

	if (!v->counting)
		return;
	pmi = vpmu_count_on(&v->regs, v->counting, events, cpl);

	if (pmi && !v->pmi_pending)
		v->pmi_rip = rip;
	v->pmi_pending |= pmi;
}

/* With counters emulated from time, saving them at the exit and
 * restoring them at the entry is simply not counting in between: these
 * hooks have nothing to do (the hw backend's will switch real counters). */
static void nothing_at_exit(struct vpmu *v, uint64_t rip, unsigned cpl)
{
	(void)v, (void)rip, (void)cpl;
}

static void nothing_at_entry(struct vpmu *v)
{
	(void)v;
}

/* cpu-switch: pmuvisor's work is not the guest's. */
static void cpu_switch_work(struct vpmu *v, uint64_t events)
{
	(void)v, (void)events;
}

/* domain-switch: pmuvisor works for the instruction that exited. */
static void domain_switch_work(struct vpmu *v, uint64_t events)
{
	count(v, events, v->exit_cpl, v->exit_rip);
}

const struct vpmu_policy vpmu_cpu_switch = { "cpu-switch", nothing_at_exit, cpu_switch_work,
					     nothing_at_entry };
const struct vpmu_policy vpmu_domain_switch = { "domain-switch", nothing_at_exit,
						domain_switch_work, nothing_at_entry };
const struct vpmu_policy *const vpmu_policies[] = { &vpmu_cpu_switch, &vpmu_domain_switch };
const unsigned vpmu_policy_count = sizeof(vpmu_policies) / sizeof(vpmu_policies[0]);

const struct vpmu_policy *vpmu_policy_find(const char *name)
{
	unsigned i;

	for (i = 0; i < vpmu_policy_count; i++)
		if (str_case_equal(vpmu_policies[i]->name, name))
			return vpmu_policies[i];
	return 0;
}

void vpmu_init(struct vpmu *v, const struct vpmu_config *cfg, const uint16_t *events,
	       unsigned event_count, const struct vpmu_policy *policy)
{
	memset(v, 0, sizeof(*v));
	vpmu_reset(&v->regs, cfg);
	v->events = events;
	v->event_count = event_count;
	v->policy = v->next_policy = policy;
	vpmu_refresh(v);
}

static bool counts_time(const struct vpmu *v, uint16_t code)
{
	unsigned i;

	for (i = 0; i < v->event_count; i++)
		if (v->events[i] == code)
			return true;
	return false;
}

uint64_t vpmu_events_to_overflow(const struct vpmu *v)
{
	struct vpmu_regs *r = (struct vpmu_regs *)&v->regs;
	uint64_t counters = v->counting, best = UINT64_MAX;

	while (counters) {
		unsigned bit = (unsigned)__builtin_ctzll(counters), width;
		uint64_t *value, left;
		bool os, usr, interrupt;

		counters &= counters - 1;
		if (!vpmu_counter(r, bit, &value, &os, &usr, &interrupt, &width))
			continue;
		left = (1ull << width) - *value;
		if (left < best)
			best = left;
	}
	return best;
}
void vpmu_set_policy(struct vpmu *v, const struct vpmu_policy *policy)
{
	v->next_policy = policy;
}

void vpmu_guest_ran(struct vpmu *v, uint64_t events, unsigned cpl, uint64_t rip)
{
	count(v, events, cpl, rip);
	/* A policy change lands here, between two exits' worth of work. */
	v->policy = v->next_policy;
	v->exit_rip = rip;
	v->exit_cpl = cpl;
	v->policy->on_exit(v, rip, cpl);
}

void vpmu_vmm_ran(struct vpmu *v, uint64_t events)
{
	v->policy->on_vmm_work(v, events);
}

void vpmu_entry(struct vpmu *v, uint32_t lvtpc, struct vpmu_delivery *d)
{
	v->policy->on_entry(v);
	memset(d, 0, sizeof(*d));
	d->lvtpc = lvtpc;
	if (!v->pmi_pending)
		return;
	/* The APIC delivers through the LVT entry and masks it as it does
	 * (SDM Vol. 3A, 11.5.1); a masked entry delivers nothing. */
	v->pmi_pending = 0;
	if (lvtpc & LVT_MASKED) {
		v->pmis_masked++;
		return;
	}
	d->inject = true;
	d->nmi = (lvtpc & LVT_DELIVERY_MODE) == LVT_DELIVERY_NMI;
	d->vector = (uint8_t)(lvtpc & LVT_VECTOR);
	d->lvtpc = lvtpc | LVT_MASKED;
	d->charged_rip = v->pmi_rip;
	v->pmis_delivered++;
}

void vpmu_refresh(struct vpmu *v)
{
	struct vpmu_regs *r = &v->regs;
	unsigned i;

	v->counting = 0;
	v->cpl_filtered = false;
	for (i = 0; i < r->cfg.gp; i++)
		if ((r->evtsel[i] & EVTSEL_EN) && (r->cfg.version < 2 || (r->global_ctrl & (1ull << i))) &&
		    counts_time(v, (uint16_t)(r->evtsel[i] & 0xffff)))
			v->counting |= 1ull << i;
	for (i = 0; r->cfg.version >= 2 && i < r->cfg.fixed; i++)
		if ((r->global_ctrl & (1ull << (GLOBAL_FIXED_SHIFT + i))) &&
		    counts_time(v, vpmu_fixed_event[i]))
			v->counting |= 1ull << (GLOBAL_FIXED_SHIFT + i);
	for (i = 0; i < 64; i++) {
		uint64_t *value;
		bool os, usr, interrupt;
		unsigned width;

		if ((v->counting >> i) & 1 && vpmu_counter(r, i, &value, &os, &usr, &interrupt, &width) &&
		    os != usr)
			v->cpl_filtered = true;
	}
}
