#include "pmu/prof_hw.h"
#include "pmu/hw_sampler.h"
#include "pmu/msr.h"
#include "pmu/prof.h"
#include "vmx/apic.h"
#include "vmx/pcpu.h"
#include "vmx/vmcs.h"
#include "lib/cpu.h"
#include "lib/cpu_safe.h"

#define CPUID1_ECX_PDCM (1u << 15)

static struct hw_sampler sampler;
static struct sample_ring *ring;
static volatile bool running;

/* Set-up and tear-down: every access under the #GP guard. */
static int guarded_read(void *ctx, uint32_t msr, uint64_t *v)
{
	return msr_read_guarded(msr, v);
}

static int guarded_write(void *ctx, uint32_t msr, uint64_t v)
{
	return msr_write_guarded(msr, v);
}

/* The PMI path runs in NMI context, where the guard (which swaps the
 * IDT) must not be entered again: the same MSRs were proven at start. */
static int plain_read(void *ctx, uint32_t msr, uint64_t *v)
{
	*v = rdmsr(msr);
	return 0;
}

static int plain_write(void *ctx, uint32_t msr, uint64_t v)
{
	wrmsr(msr, v);
	return 0;
}

static void arm_lvtpc(void *ctx)
{
	apic_lvtpc_write(LVT_DELIVERY_NMI);
}

int prof_hw_start(const struct pmu_event *event, uint16_t code, uint64_t period,
		  struct sample_ring *samples, const struct out *o)
{
	struct cpuid_regs leaf0 = cpuid(0, 0), leaf_a = { 0, 0, 0, 0 };
	uint64_t capabilities = 0;
	struct pmu_caps caps;
	const char *why;

	if (leaf0.eax >= 0xa)
		leaf_a = cpuid(0xa, 0);
	pmu_caps_decode(leaf0.eax, leaf_a.eax, leaf_a.ebx, leaf_a.edx, &caps);
	if (cpuid(1, 0).ecx & CPUID1_ECX_PDCM)
		msr_read_guarded(MSR_IA32_PERF_CAPABILITIES, &capabilities);
	if (hw_sampler_choose(&sampler, &caps, capabilities & PERF_CAP_FW_WRITE, event, code, period,
			      &why) < 0) {
		out_printf(o, "prof start: backend hw: %s\n", why);
		return -1;
	}
	sampler.ops = (struct pmu_ops){ guarded_read, guarded_write, arm_lvtpc, 0 };
	ring = samples;
	if (hw_sampler_start(&sampler) < 0) {
		out_printf(o, "prof start: backend hw: a PMU MSR raised #GP while programming it\n");
		return -1;
	}
	sampler.ops.read = plain_read;
	sampler.ops.write = plain_write;
	out_printf(o, "prof: counting on %s counter %u\n", sampler.fixed ? "fixed" : "general-purpose",
		   sampler.index);
	running = true;
	return 0;
}

void prof_hw_stop(void)
{
	if (!running)
		return;
	running = false;
	sampler.ops.read = guarded_read;
	sampler.ops.write = guarded_write;
	hw_sampler_stop(&sampler);
}

bool prof_hw_running(void)
{
	return running;
}

/* Runs with the PMU frozen (one counter: no PMI can interrupt it), so the
 * ring keeps a single producer even though PMIs arrive as NMIs. */
struct take {
	struct pmi_context pmi;
	const struct guest_regs *regs; /* guest PMIs: for the call chain */
};

static void take_sample(void *ctx)
{
	struct take *t = ctx;
	struct pmi_context *c = &t->pmi;
	struct sample s;

	c->tsc = rdtsc();
	c->cpu = this_pcpu()->index;
	c->guest_cr3 = vmcs_read(GUEST_CR3);
	if (!c->root) {
		c->guest_rip = vmcs_read(GUEST_RIP);
		c->guest_cpl = (unsigned)(vmcs_read(GUEST_SS_AR) >> 5) & 3; /* CPL = SS.DPL */
	}
	hw_sample_for_pmi(c, &s);
	if (t->regs)
		prof_guest_chain(&s, t->regs);
	sample_ring_push(ring, &s);
}

bool prof_hw_root_nmi(uint64_t rip, unsigned reason)
{
	struct take t = { .pmi = { .root = true, .root_rip = rip, .exit_reason = (uint16_t)reason } };

	return running && hw_sampler_pmi(&sampler, take_sample, &t);
}

bool prof_hw_guest_nmi(const struct guest_regs *regs)
{
	struct take t = { .regs = regs };

	return running && hw_sampler_pmi(&sampler, take_sample, &t);
}

void prof_hw_counts(uint64_t *pmis, uint64_t *foreign)
{
	*pmis = sampler.pmis;
	*foreign = sampler.foreign;
}
