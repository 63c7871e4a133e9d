#include "pmu/probe.h"
#include "pmu/msr.h"
#include "lib/cpu_safe.h"
#include "lib/string.h"

#define PROBE_ITERATIONS 100000
#define PROBE_TEST_VALUE 0x5a5a /* below 2^31: legal for legacy 32-bit writes */

struct saved_msr {
	uint32_t msr;
	uint64_t value;
	bool valid;
};

/* Every MSR the probe changes, saved first and restored after. */
enum { SAVE_EVTSEL0, SAVE_PMC0, SAVE_FIXED_CTRL, SAVE_FIXED0, SAVE_GLOBAL_CTRL, SAVE_COUNT };

static bool access(struct pmu_probe_raw *raw, int status, uint32_t msr)
{
	if (status == 0)
		return true;
	if (!raw->faulted) {
		raw->faulted = true;
		raw->faulted_msr = msr;
	}
	return false;
}

static void run(const struct pmu_caps *caps, struct pmu_probe_raw *raw)
{
	bool global = caps->version >= 2;
	uint64_t enable = 1 | (raw->fixed_tested ? 1ull << 32 : 0);

	/* Step 1: does a counter keep what is written to it? */
	if (global && !access(raw, msr_write_safe(MSR_IA32_PERF_GLOBAL_CTRL, 0),
			      MSR_IA32_PERF_GLOBAL_CTRL))
		return;
	if (!access(raw, msr_write_safe(MSR_IA32_PERFEVTSEL0, 0), MSR_IA32_PERFEVTSEL0) ||
	    !access(raw, msr_write_safe(MSR_IA32_PMC0, raw->written), MSR_IA32_PMC0) ||
	    !access(raw, msr_read_safe(MSR_IA32_PMC0, &raw->readback), MSR_IA32_PMC0))
		return;

	/* Step 2: count instructions retired (kernel and user) over the loop. */
	if (!access(raw, msr_write_safe(MSR_IA32_PMC0, 0), MSR_IA32_PMC0) ||
	    !access(raw, msr_write_safe(MSR_IA32_PERFEVTSEL0, EVENT_INSTRUCTIONS_RETIRED |
					EVTSEL_USR | EVTSEL_OS | (global ? EVTSEL_EN : 0)),
		    MSR_IA32_PERFEVTSEL0))
		return;
	if (raw->fixed_tested &&
	    (!access(raw, msr_write_safe(MSR_IA32_FIXED_CTR0, 0), MSR_IA32_FIXED_CTR0) ||
	     /* FIXED_CTR_CTRL bits 1:0 = 3: count fixed counter 0 in rings 0-3. */
	     !access(raw, msr_write_safe(MSR_IA32_FIXED_CTR_CTRL, 3), MSR_IA32_FIXED_CTR_CTRL)))
		return;
	if (global)
		msr_write_safe(MSR_IA32_PERF_GLOBAL_CTRL, enable);
	else
		msr_write_safe(MSR_IA32_PERFEVTSEL0, EVENT_INSTRUCTIONS_RETIRED | EVTSEL_USR |
			       EVTSEL_OS | EVTSEL_EN);
	pmu_probe_loop(PROBE_ITERATIONS);
	if (global)
		msr_write_safe(MSR_IA32_PERF_GLOBAL_CTRL, 0);
	else
		msr_write_safe(MSR_IA32_PERFEVTSEL0, 0);
	access(raw, msr_read_safe(MSR_IA32_PMC0, &raw->gp_count), MSR_IA32_PMC0);
	if (raw->fixed_tested)
		access(raw, msr_read_safe(MSR_IA32_FIXED_CTR0, &raw->fixed_count),
		       MSR_IA32_FIXED_CTR0);
}

void pmu_probe(const struct pmu_caps *caps, struct pmu_probe_raw *raw)
{
	struct saved_msr saved[SAVE_COUNT] = {
		[SAVE_EVTSEL0] = { MSR_IA32_PERFEVTSEL0, 0, false },
		[SAVE_PMC0] = { MSR_IA32_PMC0, 0, false },
		[SAVE_FIXED_CTRL] = { MSR_IA32_FIXED_CTR_CTRL, 0, false },
		[SAVE_FIXED0] = { MSR_IA32_FIXED_CTR0, 0, false },
		[SAVE_GLOBAL_CTRL] = { MSR_IA32_PERF_GLOBAL_CTRL, 0, false },
	};
	struct fault_guard guard;
	int i;

	memset(raw, 0, sizeof(*raw));
	if (caps->version == 0 || caps->gp_counters == 0)
		return;
	raw->ran = true;
	raw->written = PROBE_TEST_VALUE;
	raw->loop_instructions = 2ull * PROBE_ITERATIONS + 1;
	raw->fixed_tested = caps->version >= 2 && caps->fixed_counters > 0;

	fault_guard_enter(&guard);
	for (i = 0; i < SAVE_COUNT; i++)
		saved[i].valid = msr_read_safe(saved[i].msr, &saved[i].value) == 0;
	run(caps, raw);
	for (i = SAVE_COUNT - 1; i >= 0; i--)
		if (saved[i].valid)
			msr_write_safe(saved[i].msr, saved[i].value);
	fault_guard_leave(&guard);
}
