/*
 * libFuzzer target for the virtual PMU's register file (pmu/vpmu_regs.c),
 * which every guest RDMSR, WRMSR and RDPMC of a PMU register reaches.
 * The input is a configuration (any version, counter count and width,
 * also out of range) and then a sequence of operations: RDMSR, WRMSR,
 * RDPMC and counting events, on the PMU's MSRs and their neighbours.
 * After every operation the register file must still be one the SDM
 * allows (Vol. 3B, 20.2):
 *   - a counter never holds bits above its width, an event select none
 *     above bit 31, FIXED_CTR_CTRL none beyond its counters' fields;
 *   - GLOBAL_CTRL and GLOBAL_STATUS name only counters that exist (and
 *     the two status flags); registers of absent counters stay 0;
 * and each operation does what the SDM says it does:
 *   - a write that succeeds reads back (a legacy PMC write sign-extended
 *     from bit 31), OVF_CTRL clears and STATUS_SET sets status bits,
 *     GLOBAL_STATUS itself cannot be written;
 *   - RDPMC returns what RDMSR of the same counter returns;
 *   - counting adds exactly n, modulo the width, to the counters enabled
 *     for the event at that privilege level and to no others; a wrap sets
 *     the counter's status bit; a PMI is due only for such a counter with
 *     its interrupt enabled.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "pmu/msr.h"
#include "pmu/vpmu_regs.h"
#include "tests/fuzz/fuzz.h"

static uint64_t mask(unsigned width)
{
	return width >= 64 ? ~0ull : (1ull << width) - 1;
}

/* The counters that exist, as GLOBAL_CTRL/GLOBAL_STATUS bits. */
static uint64_t counter_bits(const struct vpmu_config *c)
{
	return mask(c->gp) | (c->version >= 2 ? mask(c->fixed) << GLOBAL_FIXED_SHIFT : 0);
}

/* The MSRs an operation names: each PMU register, and the ones either
 * side of each block (which must #GP). */
static uint32_t pick_msr(unsigned selector, uint64_t raw)
{
	static const uint32_t blocks[] = { MSR_IA32_PMC0, MSR_IA32_A_PMC0, MSR_IA32_PERFEVTSEL0,
					   MSR_IA32_FIXED_CTR0 };
	static const uint32_t single[] = { MSR_IA32_FIXED_CTR_CTRL, MSR_IA32_PERF_GLOBAL_STATUS,
					   MSR_IA32_PERF_GLOBAL_CTRL, MSR_IA32_PERF_GLOBAL_OVF_CTRL,
					   MSR_IA32_PERF_GLOBAL_STATUS_SET };
	unsigned nblocks = sizeof(blocks) / sizeof(blocks[0]), per = VPMU_MAX_GP + 2;

	if (selector < nblocks * per)
		return blocks[selector / per] + selector % per - 1;
	selector -= nblocks * per;
	if (selector < sizeof(single) / sizeof(single[0]))
		return single[selector];
	return (uint32_t)(raw >> 32);
}

static void check_invariants(const struct vpmu_regs *r)
{
	const struct vpmu_config *c = &r->cfg;
	uint64_t status_bits = counter_bits(c) | GLOBAL_STATUS_OVF_BUF | GLOBAL_STATUS_COND_CHGD;
	unsigned fixed = c->version >= 2 ? c->fixed : 0;

	CHECK(c->gp <= VPMU_MAX_GP && c->fixed <= VPMU_MAX_FIXED);
	for (unsigned i = 0; i < VPMU_MAX_GP; i++) {
		CHECK(!(r->pmc[i] & ~mask(c->gp_width)) && !(r->evtsel[i] >> 32));
		CHECK(i < c->gp || (r->pmc[i] == 0 && r->evtsel[i] == 0));
	}
	for (unsigned i = 0; i < VPMU_MAX_FIXED; i++) {
		CHECK(!(r->fixed[i] & ~mask(c->fixed_width)));
		CHECK(i < fixed || r->fixed[i] == 0);
	}
	CHECK(!(r->fixed_ctrl & ~mask(4 * fixed)));
	CHECK(!(r->global_ctrl & ~counter_bits(c)));
	CHECK(!(r->global_status & ~status_bits));
}

static void check_write(struct vpmu_regs *r, uint32_t msr, uint64_t value)
{
	uint64_t before_status = r->global_status, back = 0;
	int wrote = vpmu_wrmsr(r, msr, value);

	if (msr == MSR_IA32_PERF_GLOBAL_STATUS)
		CHECK(wrote < 0 && r->global_status == before_status);
	if (wrote < 0)
		return;
	if (msr == MSR_IA32_PERF_GLOBAL_OVF_CTRL) {
		CHECK(r->global_status == (before_status & ~value));
		return;
	}
	if (msr == MSR_IA32_PERF_GLOBAL_STATUS_SET) {
		CHECK(r->global_status == (before_status | value));
		return;
	}
	CHECK(vpmu_rdmsr(r, msr, &back) == 0);
	if (msr >= MSR_IA32_PMC0 && msr < MSR_IA32_PMC0 + VPMU_MAX_GP) {
		uint64_t low = value & 0xffffffffu;

		CHECK(back == ((low & 0x80000000u ? low | ~0xffffffffull : low) & mask(r->cfg.gp_width)));
	} else {
		CHECK(back == value);
	}
}

static void check_rdpmc(const struct vpmu_regs *r, uint32_t ecx)
{
	uint64_t by_rdpmc = 0, by_msr = 0;
	uint32_t index = ecx & 0x3fffffffu;
	uint32_t msr = (ecx & (1u << 30) ? MSR_IA32_FIXED_CTR0 : MSR_IA32_PMC0) + index;

	if (vpmu_rdpmc(r, ecx, &by_rdpmc) < 0)
		return;
	CHECK(!(ecx & 0x80000000u) && index < VPMU_MAX_GP);
	CHECK(vpmu_rdmsr(r, msr, &by_msr) == 0 && by_msr == by_rdpmc);
}

static void check_count(struct vpmu_regs *r, uint16_t code, uint64_t n, unsigned cpl, bool on,
			uint64_t chosen)
{
	struct vpmu_regs before = *r;
	uint64_t counters = on ? chosen & vpmu_enabled(r) : vpmu_counting(r, code);
	uint64_t pmi = on ? vpmu_count_on(r, counters, n, cpl) : vpmu_count(r, code, n, cpl);
	uint64_t wrapped = 0;

	for (unsigned bit = 0; bit < 64; bit++) {
		struct vpmu_counter c;
		uint64_t old, now;

		if (!vpmu_counter(&before, bit, &c))
			continue;
		old = *vpmu_counter_value(&before, &c);
		now = *vpmu_counter_value(r, &c);
		if (!(counters >> bit & 1) || !(cpl == 0 ? c.os : c.usr)) {
			CHECK(now == old);
			continue;
		}
		CHECK(now == ((old + n) & mask(c.width)));
		if (n > mask(c.width) - old) {
			wrapped |= 1ull << bit;
			CHECK(!!(pmi >> bit & 1) == c.interrupt);
		}
	}
	CHECK(r->global_status == (before.global_status | wrapped));
	CHECK(!(pmi & ~wrapped));
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct vpmu_regs r;
	struct vpmu_config cfg = {
		.version = (unsigned)take(&data, &size, 1) % 6,
		.gp = (unsigned)take(&data, &size, 1) % (VPMU_MAX_GP + 3),
		.gp_width = (unsigned)take(&data, &size, 1) % 65,
		.fixed = (unsigned)take(&data, &size, 1) % (VPMU_MAX_FIXED + 3),
		.fixed_width = (unsigned)take(&data, &size, 1) % 65,
		.events_unavailable = (uint32_t)take(&data, &size, 1),
		.full_width_writes = take(&data, &size, 1) & 1,
	};
	uint32_t eax, ebx, ecx, edx;

	vpmu_reset(&r, &cfg);
	check_invariants(&r);
	vpmu_cpuid(&r.cfg, &eax, &ebx, &ecx, &edx);
	CHECK((eax >> 8 & 0xff) == r.cfg.gp && (r.cfg.version < 2 ? edx == 0 : (edx & 0x1f) == r.cfg.fixed));
	while (size) {
		unsigned kind = (unsigned)take(&data, &size, 1), selector = (unsigned)take(&data, &size, 1);
		uint64_t value = take(&data, &size, 8), back;
		uint32_t msr = pick_msr(selector, value);

		switch (kind % 5) {
		case 0:
			vpmu_rdmsr(&r, msr, &back);
			break;
		case 1:
			check_write(&r, msr, value);
			break;
		case 2:
			check_rdpmc(&r, (uint32_t)value);
			break;
		case 3: /* an event code, an amount (up to 2^40: several wraps) */
			check_count(&r, (uint16_t)value, value >> 24, kind >> 7, false, 0);
			break;
		case 4:
			check_count(&r, 0, value >> 24, kind >> 7, true, (uint64_t)selector << 32 | (value & 0xff));
			break;
		}
		check_invariants(&r);
	}
	return 0;
}
