#include "pmu/hw_sampler.h"
#include "pmu/msr.h"

static uint64_t bits(unsigned n)
{
	return n >= 64 ? ~0ull : (1ull << n) - 1;
}

uint64_t hw_sampler_max_period(const struct pmu_caps *caps, bool fixed, bool full_width_writes)
{
	unsigned width = fixed ? caps->fixed_width : caps->gp_width;

	/* A legacy write to IA32_PMCx sets bits 31:0 and copies bit 31 into
	 * the bits above (SDM Vol. 3B, 20.2.6 "Full-Width Writes"): -period
	 * must fit in 31 bits.  Otherwise keep the top bit, as Linux does. */
	if (!fixed && !full_width_writes && width > 32)
		width = 32;
	return width ? bits(width - 1) : 0;
}

int hw_sampler_choose(struct hw_sampler *s, const struct pmu_caps *caps, bool full_width_writes,
		      const struct pmu_event *event, uint16_t code, uint64_t period,
		      const char **why)
{
	*s = (struct hw_sampler){ 0 };
	if (caps->version < 2) {
		*why = "sampling needs IA32_PERF_GLOBAL_CTRL and _STATUS (PMU version 2 or later)";
		return -1;
	}
	if (event && event->fixed != PMU_NO_FIXED_COUNTER && event->fixed < caps->fixed_counters) {
		s->fixed = true;
		s->index = event->fixed;
	} else if (caps->gp_counters == 0) {
		*why = "the PMU has no general-purpose counter for this event";
		return -1;
	} else if (event && event->cpuid_ebx_bit < caps->event_vector_length &&
		   (caps->events_unavailable >> event->cpuid_ebx_bit) & 1) {
		*why = "CPUID.0AH:EBX says this CPU does not count that event";
		return -1;
	}
	if (period == 0 || period > hw_sampler_max_period(caps, s->fixed, full_width_writes)) {
		*why = "the period does not fit the counter";
		return -1;
	}
	s->full_width = !s->fixed && full_width_writes;
	s->width_mask = bits(s->fixed ? caps->fixed_width : caps->gp_width);
	s->global_bit = s->fixed ? 1ull << (GLOBAL_FIXED_SHIFT + s->index) : 1ull << s->index;
	/* Count at every privilege level, in root and non-root mode alike:
	 * VMX does not filter counting (SDM Vol. 3C, 26.1: only the VM-exit
	 * and VM-entry controls for PERF_GLOBAL_CTRL switch it). */
	s->select = (code & 0xffffu) | EVTSEL_USR | EVTSEL_OS | EVTSEL_INT | EVTSEL_EN;
	s->period = period;
	return 0;
}

static uint32_t counter_msr(const struct hw_sampler *s)
{
	if (s->fixed)
		return MSR_IA32_FIXED_CTR0 + s->index;
	return (s->full_width ? MSR_IA32_A_PMC0 : MSR_IA32_PMC0) + s->index;
}

/* -period: the counter overflows (wraps to 0) after exactly 'period'
 * events, and that sets its GLOBAL_STATUS bit (SDM Vol. 3B, 20.2.2). */
static int reload(struct hw_sampler *s)
{
	uint64_t value = (0 - s->period) & s->width_mask;

	if (!s->fixed && !s->full_width)
		value &= 0xffffffffu;
	return s->ops.write(s->ops.ctx, counter_msr(s), value);
}

static int fixed_field(struct hw_sampler *s, uint64_t field)
{
	uint64_t ctrl;
	unsigned shift = 4 * s->index;

	if (s->ops.read(s->ops.ctx, MSR_IA32_FIXED_CTR_CTRL, &ctrl) < 0)
		return -1;
	ctrl = (ctrl & ~(0xfull << shift)) | (field << shift);
	return s->ops.write(s->ops.ctx, MSR_IA32_FIXED_CTR_CTRL, ctrl);
}

int hw_sampler_start(struct hw_sampler *s)
{
	int bad = 0;

	bad |= s->ops.write(s->ops.ctx, MSR_IA32_PERF_GLOBAL_CTRL, 0);
	bad |= reload(s);
	if (s->fixed)
		bad |= fixed_field(s, FIXED_CTRL_OS | FIXED_CTRL_USR | FIXED_CTRL_PMI);
	else
		bad |= s->ops.write(s->ops.ctx, MSR_IA32_PERFEVTSEL0 + s->index, s->select);
	bad |= s->ops.write(s->ops.ctx, MSR_IA32_PERF_GLOBAL_OVF_CTRL, s->global_bit);
	if (bad) {
		hw_sampler_stop(s);
		return -1;
	}
	s->ops.arm_lvtpc(s->ops.ctx);
	if (s->ops.write(s->ops.ctx, MSR_IA32_PERF_GLOBAL_CTRL, s->global_bit) < 0) {
		hw_sampler_stop(s);
		return -1;
	}
	return 0;
}

void hw_sampler_stop(struct hw_sampler *s)
{
	s->ops.write(s->ops.ctx, MSR_IA32_PERF_GLOBAL_CTRL, 0);
	if (s->fixed)
		fixed_field(s, 0);
	else
		s->ops.write(s->ops.ctx, MSR_IA32_PERFEVTSEL0 + s->index, 0);
	s->ops.write(s->ops.ctx, MSR_IA32_PERF_GLOBAL_OVF_CTRL, s->global_bit);
	s->ops.write(s->ops.ctx, counter_msr(s), 0);
}

bool hw_sampler_pmi(struct hw_sampler *s, void (*take_sample)(void *ctx), void *ctx)
{
	uint64_t status;

	if (s->ops.read(s->ops.ctx, MSR_IA32_PERF_GLOBAL_STATUS, &status) < 0 ||
	    !(status & s->global_bit)) {
		s->foreign++;
		return false;
	}
	/* Freeze, so that this handler is not counted into the next period;
	 * take the sample; reload; clear the overflow (and the buffer and
	 * condition bits, which would otherwise stay set); unmask the LVT
	 * entry the APIC masked on delivery; unfreeze. */
	s->ops.write(s->ops.ctx, MSR_IA32_PERF_GLOBAL_CTRL, 0);
	take_sample(ctx);
	reload(s);
	s->ops.write(s->ops.ctx, MSR_IA32_PERF_GLOBAL_OVF_CTRL,
		     s->global_bit | (status & (GLOBAL_STATUS_OVF_BUF | GLOBAL_STATUS_COND_CHGD)));
	s->ops.arm_lvtpc(s->ops.ctx);
	s->ops.write(s->ops.ctx, MSR_IA32_PERF_GLOBAL_CTRL, s->global_bit);
	s->pmis++;
	return true;
}

void hw_sample_for_pmi(const struct pmi_context *c, struct sample *s)
{
	s->tsc = c->tsc;
	s->cpu = c->cpu;
	s->guest_cr3 = c->guest_cr3;
	s->chain_depth = 0;
	if (c->root) {
		s->mode = SAMPLE_PMUVISOR;
		s->rip = c->root_rip;
		s->exit_reason = c->exit_reason;
		return;
	}
	s->mode = c->guest_cpl == 3 ? SAMPLE_GUEST_USER : SAMPLE_GUEST_KERNEL;
	s->rip = c->guest_rip;
	s->exit_reason = 0;
}
