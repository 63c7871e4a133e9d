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
					     nothing_at_entry, false };
const struct vpmu_policy vpmu_domain_switch = { "domain-switch", nothing_at_exit,
						domain_switch_work, nothing_at_entry, true };
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

uint64_t vpmu_events_to_overflow(const struct vpmu *v)
{
	uint64_t counters = v->counting, best = UINT64_MAX;

	while (counters) {
		unsigned bit = (unsigned)__builtin_ctzll(counters);
		struct vpmu_counter c;
		uint64_t left;

		counters &= counters - 1;
		if (!vpmu_counter(&v->regs, bit, &c))
			continue;
		left = (1ull << c.width) - (c.fixed ? v->regs.fixed[c.index] : v->regs.pmc[c.index]);
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
	uint64_t counters;
	unsigned i;

	v->counting = 0;
	for (i = 0; i < v->event_count; i++)
		v->counting |= vpmu_counting(&v->regs, v->events[i]);
	v->cpl_filtered = false;
	for (counters = v->counting; counters; counters &= counters - 1) {
		struct vpmu_counter c;

		if (vpmu_counter(&v->regs, (unsigned)__builtin_ctzll(counters), &c) && c.os != c.usr)
			v->cpl_filtered = true;
	}
}
