#include "pmu/caps.h"
#include "lib/string.h"

#define ROW "  %-26s "

void pmu_caps_decode(uint32_t max_leaf, uint32_t eax, uint32_t ebx, uint32_t edx,
		     struct pmu_caps *caps)
{
	memset(caps, 0, sizeof(*caps));
	if (max_leaf < 0xa)
		return;
	/* CPUID.0AH (SDM Vol. 2A, CPUID, "Architectural Performance
	 * Monitoring Leaf"; Vol. 3B, 20.2). */
	caps->version = eax & 0xff;
	caps->gp_counters = (eax >> 8) & 0xff;
	caps->gp_width = (eax >> 16) & 0xff;
	caps->event_vector_length = (eax >> 24) & 0xff;
	caps->events_unavailable = ebx;
	/* EDX describes fixed counters from version 2 on. */
	if (caps->version >= 2) {
		caps->fixed_counters = edx & 0x1f;
		caps->fixed_width = (edx >> 5) & 0xff;
	}
}

static bool count_plausible(uint64_t count, uint64_t expected)
{
	return count >= expected && count <= expected + PMU_PROBE_SLACK;
}

enum pmu_verdict pmu_probe_judge(const struct pmu_caps *caps, const struct pmu_probe_raw *raw)
{
	if (caps->version == 0 || caps->gp_counters == 0 || !raw->ran)
		return PMU_NONE;
	if (raw->faulted)
		return PMU_MSR_FAULT;
	if (raw->readback != raw->written)
		return PMU_NO_VALUES;
	if (raw->gp_count == 0 && (!raw->fixed_tested || raw->fixed_count == 0))
		return PMU_NOT_COUNTING;
	if (!count_plausible(raw->gp_count, raw->loop_instructions) ||
	    (raw->fixed_tested && !count_plausible(raw->fixed_count, raw->loop_instructions)))
		return PMU_MISCOUNTS;
	return PMU_WORKS;
}

const char *pmu_verdict_name(enum pmu_verdict verdict)
{
	static const char *const names[] = {
		[PMU_NONE] = "none",
		[PMU_WORKS] = "works",
		[PMU_MSR_FAULT] = "msr-fault",
		[PMU_NO_VALUES] = "no-values",
		[PMU_NOT_COUNTING] = "not-counting",
		[PMU_MISCOUNTS] = "miscounts",
	};

	return verdict < sizeof(names) / sizeof(names[0]) ? names[verdict] : "?";
}

/* Architectural events in CPUID.0AH:EBX bit order, with perf's names. */
static const char *const event_names[] = {
	"cycles", "instructions", "ref-cycles", "LLC-references",
	"LLC-misses", "branches", "branch-misses", "topdown-slots",
};

static void report_events(const struct out *o, const struct pmu_caps *caps)
{
	unsigned i, shown = 0;

	out_printf(o, ROW, "architectural events");
	for (i = 0; i < caps->event_vector_length && i < 8; i++) {
		if (caps->events_unavailable & (1u << i))
			continue;
		out_printf(o, "%s%s", shown++ ? ", " : "", event_names[i]);
	}
	out_printf(o, "%s\n", shown ? "" : "none");
}

static void report_probe(const struct out *o, const struct pmu_probe_raw *raw,
			 enum pmu_verdict verdict)
{
	out_printf(o, ROW, "functional probe");
	switch (verdict) {
	case PMU_MSR_FAULT:
		out_printf(o, "MSR 0x%x raised #GP\n", raw->faulted_msr);
		break;
	case PMU_NO_VALUES:
		out_printf(o, "IA32_PMC0 read back 0x%lx after writing 0x%lx\n",
			   (unsigned long)raw->readback, (unsigned long)raw->written);
		break;
	default:
		out_printf(o, "a loop of %'lu instructions counted %'lu", 
			   (unsigned long)raw->loop_instructions, (unsigned long)raw->gp_count);
		if (raw->fixed_tested)
			out_printf(o, " (fixed counter 0: %'lu)", (unsigned long)raw->fixed_count);
		out_printf(o, "\n");
		break;
	}
}

static const char *const verdict_words[] = {
	[PMU_MSR_FAULT] = "its MSRs raise #GP",
	[PMU_NO_VALUES] = "its counters do not keep a written value",
	[PMU_NOT_COUNTING] = "its counters did not count a known loop",
	[PMU_MISCOUNTS] = "its counts are far from a known loop's length",
};

void pmu_verdict_line(const struct out *o, const struct pmu_caps *caps, enum pmu_verdict verdict)
{
	if (verdict == PMU_NONE)
		out_printf(o, "PMU: none advertised\n");
	else if (verdict == PMU_WORKS)
		out_printf(o, "PMU: works (version %u, %u GP + %u fixed counters)\n",
			   caps->version, caps->gp_counters, caps->fixed_counters);
	else
		out_printf(o, "PMU: advertised (version %u, %u GP + %u fixed counters) but does not "
			   "count: %s\n", caps->version, caps->gp_counters, caps->fixed_counters,
			   verdict_words[verdict]);
}

void pmu_report(const struct out *o, const struct pmu_caps *caps,
		const struct pmu_probe_raw *raw, enum pmu_verdict verdict)
{
	out_printf(o, "PMU\n");
	if (verdict == PMU_NONE) {
		out_printf(o, ROW "no architectural PMU\n", "CPUID.0AH");
	} else {
		out_printf(o, ROW "version %u, %u general-purpose counters (%u bits), %u fixed (%u bits)\n",
			   "CPUID.0AH", caps->version, caps->gp_counters, caps->gp_width,
			   caps->fixed_counters, caps->fixed_width);
		report_events(o, caps);
		report_probe(o, raw, verdict);
	}
	pmu_verdict_line(o, caps, verdict);
}
