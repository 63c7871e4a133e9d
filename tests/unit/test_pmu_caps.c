/* pmu/caps.c: CPUID.0AH decoding and the functional probe's verdict. */
#include "unit.h"

#include "pmu/caps.h"

/* CPUID.0AH as Bochs 2.7 reports it for corei7_skylake_x. */
#define BOCHS_EAX 0x07300404u
#define BOCHS_EBX 0x00000000u
#define BOCHS_EDX 0x00000603u

static struct pmu_caps bochs(void)
{
	struct pmu_caps caps;

	pmu_caps_decode(0x16, BOCHS_EAX, BOCHS_EBX, BOCHS_EDX, &caps);
	return caps;
}

/* What a PMU that counts returns for the probe's 200,001-instruction loop. */
static struct pmu_probe_raw counting(void)
{
	struct pmu_probe_raw raw = {
		.ran = true, .written = 0x5a5a, .readback = 0x5a5a,
		.loop_instructions = 200001, .gp_count = 200019,
		.fixed_tested = true, .fixed_count = 200017,
	};

	return raw;
}

static void report(struct text_buffer *b, const struct pmu_caps *caps,
		   const struct pmu_probe_raw *raw)
{
	struct out o = { text_buffer_sink, b };

	b->len = 0;
	b->text[0] = '\0';
	pmu_report(&o, caps, raw, pmu_probe_judge(caps, raw));
}

static void test_decode_bochs_leaf(void **state)
{
	struct pmu_caps caps = bochs();

	assert_int_equal(caps.version, 4);
	assert_int_equal(caps.gp_counters, 4);
	assert_int_equal(caps.gp_width, 48);
	assert_int_equal(caps.event_vector_length, 7);
	assert_int_equal(caps.fixed_counters, 3);
	assert_int_equal(caps.fixed_width, 48);
}

static void test_version1_has_no_fixed_counters(void **state)
{
	struct pmu_caps caps;

	/* Version 1 leaves EDX reserved (SDM Vol. 3B, 20.2.1). */
	pmu_caps_decode(0xa, 0x07280201, 0, 0x603, &caps);
	assert_int_equal(caps.version, 1);
	assert_int_equal(caps.gp_counters, 2);
	assert_int_equal(caps.gp_width, 40);
	assert_int_equal(caps.fixed_counters, 0);
}

static void test_no_leaf_0a_means_no_pmu(void **state)
{
	struct pmu_caps caps;
	struct pmu_probe_raw raw = { .ran = false };
	struct text_buffer b;

	pmu_caps_decode(0x7, BOCHS_EAX, 0, BOCHS_EDX, &caps);
	assert_int_equal(caps.version, 0);
	assert_int_equal(pmu_probe_judge(&caps, &raw), PMU_NONE);
	report(&b, &caps, &raw);
	assert_contains(b.text, "PMU: none advertised\n");
}

static void test_bochs_advertises_but_does_not_count(void **state)
{
	struct pmu_caps caps = bochs();
	struct pmu_probe_raw raw = counting();
	struct text_buffer b;

	/* Bochs ignores writes to the counter MSRs and reads them as 0. */
	raw.readback = 0;
	raw.gp_count = raw.fixed_count = 0;
	assert_int_equal(pmu_probe_judge(&caps, &raw), PMU_NO_VALUES);
	report(&b, &caps, &raw);
	assert_contains(b.text, "  CPUID.0AH                  version 4, 4 general-purpose counters "
				"(48 bits), 3 fixed (48 bits)\n");
	assert_contains(b.text, "  architectural events       cycles, instructions, ref-cycles, "
				"LLC-references, LLC-misses, branches, branch-misses\n");
	assert_contains(b.text, "IA32_PMC0 read back 0x0 after writing 0x5a5a\n");
	assert_contains(b.text, "PMU: advertised (version 4, 4 GP + 3 fixed counters) but does not "
				"count: its counters do not keep a written value\n");
}

static void test_counting_pmu_works(void **state)
{
	struct pmu_caps caps = bochs();
	struct pmu_probe_raw raw = counting();
	struct text_buffer b;

	assert_int_equal(pmu_probe_judge(&caps, &raw), PMU_WORKS);
	report(&b, &caps, &raw);
	assert_contains(b.text, "a loop of 200,001 instructions counted 200,019 (fixed counter 0: "
				"200,017)\n");
	assert_contains(b.text, "PMU: works (version 4, 4 GP + 3 fixed counters)\n");
}

static void test_faulting_msr_is_named(void **state)
{
	struct pmu_caps caps = bochs();
	struct pmu_probe_raw raw = { .ran = true, .faulted = true, .faulted_msr = 0x38f };
	struct text_buffer b;

	assert_int_equal(pmu_probe_judge(&caps, &raw), PMU_MSR_FAULT);
	report(&b, &caps, &raw);
	assert_contains(b.text, "MSR 0x38f raised #GP\n");
	assert_contains(b.text, "but does not count: its MSRs raise #GP\n");
}

static void test_holds_values_but_does_not_count(void **state)
{
	struct pmu_caps caps = bochs();
	struct pmu_probe_raw raw = counting();

	raw.gp_count = 0;
	raw.fixed_count = 0;
	assert_int_equal(pmu_probe_judge(&caps, &raw), PMU_NOT_COUNTING);
}

static void test_count_outside_window_is_a_miscount(void **state)
{
	struct pmu_caps caps = bochs();
	struct pmu_probe_raw raw = counting();

	raw.gp_count = raw.loop_instructions - 1; /* fewer than the loop retires */
	assert_int_equal(pmu_probe_judge(&caps, &raw), PMU_MISCOUNTS);
	raw.gp_count = raw.loop_instructions + PMU_PROBE_SLACK + 1;
	assert_int_equal(pmu_probe_judge(&caps, &raw), PMU_MISCOUNTS);
	raw.gp_count = raw.loop_instructions + PMU_PROBE_SLACK;
	assert_int_equal(pmu_probe_judge(&caps, &raw), PMU_WORKS);
	raw.fixed_count = 5; /* a broken fixed counter spoils the verdict too */
	assert_int_equal(pmu_probe_judge(&caps, &raw), PMU_MISCOUNTS);
}

static void test_unavailable_events_are_left_out(void **state)
{
	struct pmu_caps caps;
	struct pmu_probe_raw raw = counting();
	struct text_buffer b;

	/* EBX bit set = event not available: here ref-cycles (2) and LLC-misses (4). */
	pmu_caps_decode(0x16, BOCHS_EAX, 0x14, BOCHS_EDX, &caps);
	report(&b, &caps, &raw);
	assert_contains(b.text, "cycles, instructions, LLC-references, branches, branch-misses\n");
	assert_not_contains(b.text, "ref-cycles");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_decode_bochs_leaf),
		cmocka_unit_test(test_version1_has_no_fixed_counters),
		cmocka_unit_test(test_no_leaf_0a_means_no_pmu),
		cmocka_unit_test(test_bochs_advertises_but_does_not_count),
		cmocka_unit_test(test_counting_pmu_works),
		cmocka_unit_test(test_faulting_msr_is_named),
		cmocka_unit_test(test_holds_values_but_does_not_count),
		cmocka_unit_test(test_count_outside_window_is_a_miscount),
		cmocka_unit_test(test_unavailable_events_are_left_out),
	};

	return cmocka_run_group_tests_name("pmu_caps", tests, NULL, NULL);
}
