#include "pmu/vpmu_regs.h"
#include "pmu/msr.h"
#include "lib/string.h"

const uint16_t vpmu_fixed_event[VPMU_MAX_FIXED] = { 0x00c0, 0x003c, 0x013c, 0x00a4 };

static uint64_t mask(unsigned width)
{
	return width >= 64 ? ~0ull : (1ull << width) - 1;
}

static uint64_t counter_bits(const struct vpmu_config *c)
{
	return mask(c->gp) | (c->version >= 2 ? mask(c->fixed) << GLOBAL_FIXED_SHIFT : 0);
}

void vpmu_reset(struct vpmu_regs *r, const struct vpmu_config *cfg)
{
	memset(r, 0, sizeof(*r));
	r->cfg = *cfg;
	if (r->cfg.gp > VPMU_MAX_GP)
		r->cfg.gp = VPMU_MAX_GP;
	if (r->cfg.fixed > VPMU_MAX_FIXED)
		r->cfg.fixed = VPMU_MAX_FIXED;
	r->global_ctrl = mask(r->cfg.gp);
}

void vpmu_cpuid(const struct vpmu_config *c, uint32_t *eax, uint32_t *ebx, uint32_t *ecx,
		uint32_t *edx)
{
	/* EAX: version, counters, width, length of the EBX event vector;
	 * EDX (version 2+): fixed counters and their width. */
	*eax = (c->version & 0xff) | (c->gp & 0xff) << 8 | (c->gp_width & 0xff) << 16 | 7u << 24;
	*ebx = c->events_unavailable & 0x7f;
	*ecx = 0;
	*edx = c->version >= 2 ? (c->fixed & 0x1f) | (c->fixed_width & 0xff) << 5 : 0;
}

/* Which counter an MSR names: -1 if none. */
static int index_in(uint32_t msr, uint32_t base, unsigned count)
{
	return msr >= base && msr < base + count ? (int)(msr - base) : -1;
}

int vpmu_rdmsr(const struct vpmu_regs *r, uint32_t msr, uint64_t *v)
{
	const struct vpmu_config *c = &r->cfg;
	int i;

	if ((i = index_in(msr, MSR_IA32_PMC0, c->gp)) >= 0 ||
	    (c->full_width_writes && (i = index_in(msr, MSR_IA32_A_PMC0, c->gp)) >= 0))
		*v = r->pmc[i];
	else if ((i = index_in(msr, MSR_IA32_PERFEVTSEL0, c->gp)) >= 0)
		*v = r->evtsel[i];
	else if (c->version >= 2 && (i = index_in(msr, MSR_IA32_FIXED_CTR0, c->fixed)) >= 0)
		*v = r->fixed[i];
	else if (c->version >= 2 && msr == MSR_IA32_FIXED_CTR_CTRL)
		*v = r->fixed_ctrl;
	else if (c->version >= 2 && msr == MSR_IA32_PERF_GLOBAL_CTRL)
		*v = r->global_ctrl;
	else if (c->version >= 2 && msr == MSR_IA32_PERF_GLOBAL_STATUS)
		*v = r->global_status;
	else if (c->version >= 2 && msr == MSR_IA32_PERF_GLOBAL_OVF_CTRL)
		*v = 0; /* write-1-to-clear: reads as 0 */
	else
		return -1;
	return 0;
}

int vpmu_wrmsr(struct vpmu_regs *r, uint32_t msr, uint64_t v)
{
	const struct vpmu_config *c = &r->cfg;
	uint64_t status_bits = counter_bits(c) | GLOBAL_STATUS_OVF_BUF | GLOBAL_STATUS_COND_CHGD;
	int i;

	if ((i = index_in(msr, MSR_IA32_PMC0, c->gp)) >= 0) {
		/* A legacy write sets bits 31:0 and copies bit 31 upwards
		 * (SDM Vol. 3B, 20.2.6); the rest of EDX is ignored. */
		uint64_t low = v & 0xffffffffu;

		r->pmc[i] = (low & 0x80000000u ? low | ~0xffffffffull : low) & mask(c->gp_width);
	} else if (c->full_width_writes && (i = index_in(msr, MSR_IA32_A_PMC0, c->gp)) >= 0) {
		if (v & ~mask(c->gp_width))
			return -1;
		r->pmc[i] = v;
	} else if ((i = index_in(msr, MSR_IA32_PERFEVTSEL0, c->gp)) >= 0) {
		if (v >> 32)
			return -1; /* reserved (or TSX bits this PMU lacks) */
		r->evtsel[i] = v;
	} else if (c->version >= 2 && (i = index_in(msr, MSR_IA32_FIXED_CTR0, c->fixed)) >= 0) {
		if (v & ~mask(c->fixed_width))
			return -1;
		r->fixed[i] = v;
	} else if (c->version >= 2 && msr == MSR_IA32_FIXED_CTR_CTRL) {
		if (v & ~mask(4 * c->fixed))
			return -1;
		r->fixed_ctrl = v;
	} else if (c->version >= 2 && msr == MSR_IA32_PERF_GLOBAL_CTRL) {
		if (v & ~counter_bits(c))
			return -1;
		r->global_ctrl = v;
	} else if (c->version >= 2 && msr == MSR_IA32_PERF_GLOBAL_OVF_CTRL) {
		if (v & ~status_bits)
			return -1;
		r->global_status &= ~v;
	} else if (c->version >= 4 && msr == MSR_IA32_PERF_GLOBAL_STATUS_SET) {
		if (v & ~status_bits)
			return -1;
		r->global_status |= v;
	} else {
		return -1; /* GLOBAL_STATUS is read-only; the others do not exist */
	}
	return 0;
}

int vpmu_rdpmc(const struct vpmu_regs *r, uint32_t ecx, uint64_t *v)
{
	/* ECX bit 30 selects the fixed counters (SDM Vol. 2B, RDPMC). */
	uint32_t index = ecx & 0x3fffffffu;

	if (ecx & (1u << 30)) {
		if (r->cfg.version < 2 || index >= r->cfg.fixed || (ecx & 0x80000000u))
			return -1;
		*v = r->fixed[index];
		return 0;
	}
	if (index >= r->cfg.gp || (ecx & 0x80000000u))
		return -1;
	*v = r->pmc[index];
	return 0;
}

/* 'n' more events on a counter of 'width_mask': true if it wrapped past
 * its top (overflowed) on the way. */
static bool add(uint64_t *counter, uint64_t width_mask, uint64_t n)
{
	bool wrapped = n > width_mask - *counter;

	*counter = (*counter + n) & width_mask;
	return wrapped;
}

bool vpmu_counter(const struct vpmu_regs *r, unsigned bit, struct vpmu_counter *c)
{
	uint64_t field;

	if (bit < GLOBAL_FIXED_SHIFT) {
		if (bit >= r->cfg.gp)
			return false;
		*c = (struct vpmu_counter){ false, bit, r->evtsel[bit] & EVTSEL_OS,
					    r->evtsel[bit] & EVTSEL_USR, r->evtsel[bit] & EVTSEL_INT,
					    r->cfg.gp_width };
		return true;
	}
	bit -= GLOBAL_FIXED_SHIFT;
	if (r->cfg.version < 2 || bit >= r->cfg.fixed)
		return false;
	field = (r->fixed_ctrl >> (4 * bit)) & 0xf;
	*c = (struct vpmu_counter){ true, bit, field & FIXED_CTRL_OS, field & FIXED_CTRL_USR,
				    field & FIXED_CTRL_PMI, r->cfg.fixed_width };
	return true;
}

uint64_t vpmu_count_on(struct vpmu_regs *r, uint64_t counters, uint64_t n, unsigned cpl)
{
	uint64_t pmi = 0;

	while (counters) {
		unsigned bit = (unsigned)__builtin_ctzll(counters);
		struct vpmu_counter c;

		counters &= counters - 1;
		if (!vpmu_counter(r, bit, &c) || !(cpl == 0 ? c.os : c.usr) ||
		    !add(vpmu_counter_value(r, &c), mask(c.width), n))
			continue;
		r->global_status |= 1ull << bit;
		if (c.interrupt)
			pmi |= 1ull << bit;
	}
	return pmi;
}

uint64_t vpmu_counting(const struct vpmu_regs *r, uint16_t code)
{
	const struct vpmu_config *c = &r->cfg;
	uint64_t counters = 0;
	unsigned i;

	for (i = 0; i < c->gp; i++)
		if ((r->evtsel[i] & EVTSEL_EN) && (r->evtsel[i] & 0xffff) == code &&
		    (c->version < 2 || (r->global_ctrl & (1ull << i))))
			counters |= 1ull << i;
	for (i = 0; c->version >= 2 && i < c->fixed; i++)
		if (vpmu_fixed_event[i] == code && (r->global_ctrl & (1ull << (GLOBAL_FIXED_SHIFT + i))))
			counters |= 1ull << (GLOBAL_FIXED_SHIFT + i);
	return counters;
}

uint64_t vpmu_enabled(const struct vpmu_regs *r)
{
	const struct vpmu_config *c = &r->cfg;
	uint64_t counters = 0;
	unsigned i;

	for (i = 0; i < c->gp; i++)
		if ((r->evtsel[i] & EVTSEL_EN) && (c->version < 2 || (r->global_ctrl & (1ull << i))))
			counters |= 1ull << i;
	for (i = 0; c->version >= 2 && i < c->fixed; i++)
		if (((r->fixed_ctrl >> (4 * i)) & (FIXED_CTRL_OS | FIXED_CTRL_USR)) &&
		    (r->global_ctrl & (1ull << (GLOBAL_FIXED_SHIFT + i))))
			counters |= 1ull << (GLOBAL_FIXED_SHIFT + i);
	return counters;
}

uint64_t vpmu_count(struct vpmu_regs *r, uint16_t code, uint64_t n, unsigned cpl)
{
	return vpmu_count_on(r, vpmu_counting(r, code), n, cpl);
}
