/* pmu/sample_ring.c: a full ring drops and counts, never corrupts. */
#include "unit.h"

#include "pmu/sample_ring.h"

static struct sample slots[8];

static struct sample numbered(uint64_t n)
{
	struct sample s;

	memset(&s, 0, sizeof(s));
	s.tsc = n;
	s.rip = 0xffffffff81000000ull + n;
	s.mode = (uint8_t)(n % 3);
	s.chain_depth = (uint8_t)(n % (SAMPLE_CHAIN_MAX + 1));
	for (unsigned j = 0; j < s.chain_depth; j++)
		s.chain[j] = n * 7 + j;
	return s;
}

/* A sample comes out as it went in: its fields and the chain entries in
 * use (the rest of a slot is not copied). */
static void assert_same_sample(const struct sample *a, const struct sample *b)
{
	assert_memory_equal(a, b, __builtin_offsetof(struct sample, chain));
	assert_memory_equal(a->chain, b->chain, a->chain_depth * sizeof(a->chain[0]));
}

static void test_capacity_must_be_a_power_of_two(void **state)
{
	struct sample_ring r;

	assert_int_equal(sample_ring_init(&r, slots, 6), -1);
	assert_int_equal(sample_ring_init(&r, slots, 0), -1);
	assert_int_equal(sample_ring_init(&r, slots, 8), 0);
}

static void test_samples_come_out_in_order(void **state)
{
	struct sample_ring r;
	struct sample s, out;
	uint64_t i;

	sample_ring_init(&r, slots, 8);
	assert_false(sample_ring_pop(&r, &out));
	for (i = 0; i < 5; i++) {
		s = numbered(i);
		assert_true(sample_ring_push(&r, &s));
	}
	assert_int_equal(sample_ring_used(&r), 5);
	for (i = 0; i < 5; i++) {
		assert_true(sample_ring_pop(&r, &out));
		s = numbered(i);
		assert_same_sample(&out, &s);
	}
	assert_false(sample_ring_pop(&r, &out));
}

static void test_full_ring_drops_and_counts_without_overwriting(void **state)
{
	struct sample_ring r;
	struct sample s, out;
	uint64_t i;

	sample_ring_init(&r, slots, 8);
	for (i = 0; i < 12; i++) {
		s = numbered(i);
		assert_int_equal(sample_ring_push(&r, &s), i < 8);
	}
	assert_int_equal(r.dropped, 4);
	assert_int_equal(sample_ring_used(&r), 8);
	for (i = 0; i < 8; i++) { /* the oldest eight, intact */
		assert_true(sample_ring_pop(&r, &out));
		s = numbered(i);
		assert_same_sample(&out, &s);
	}
}

static void test_wraps_around_many_times(void **state)
{
	struct sample_ring r;
	struct sample s, out;
	uint64_t i, next = 0;

	sample_ring_init(&r, slots, 8);
	for (i = 0; i < 10000; i++) {
		s = numbered(i);
		assert_true(sample_ring_push(&r, &s));
		if (i % 3 != 2) { /* the consumer keeps up, mostly */
			assert_true(sample_ring_pop(&r, &out));
			assert_int_equal(out.tsc, next++);
		}
		while (sample_ring_used(&r) > 6) {
			assert_true(sample_ring_pop(&r, &out));
			assert_int_equal(out.tsc, next++);
		}
	}
	assert_int_equal(r.dropped, 0);
}

static void test_counters_near_wraparound(void **state)
{
	struct sample_ring r;
	struct sample s = numbered(1), out;
	int i;

	sample_ring_init(&r, slots, 8);
	r.head = r.tail = UINT64_MAX - 3; /* the 64-bit counters themselves wrap */
	for (i = 0; i < 8; i++)
		assert_true(sample_ring_push(&r, &s));
	assert_false(sample_ring_push(&r, &s));
	assert_int_equal(sample_ring_used(&r), 8);
	for (i = 0; i < 8; i++)
		assert_true(sample_ring_pop(&r, &out));
	assert_false(sample_ring_pop(&r, &out));
}

static void test_clear_keeps_the_drop_count(void **state)
{
	struct sample_ring r;
	struct sample s = numbered(3), out;
	int i;

	sample_ring_init(&r, slots, 8);
	for (i = 0; i < 9; i++)
		sample_ring_push(&r, &s);
	sample_ring_clear(&r);
	assert_false(sample_ring_pop(&r, &out));
	assert_int_equal(r.dropped, 1);
	assert_true(sample_ring_push(&r, &s));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_capacity_must_be_a_power_of_two),
		cmocka_unit_test(test_samples_come_out_in_order),
		cmocka_unit_test(test_full_ring_drops_and_counts_without_overwriting),
		cmocka_unit_test(test_wraps_around_many_times),
		cmocka_unit_test(test_counters_near_wraparound),
		cmocka_unit_test(test_clear_keeps_the_drop_count),
	};

	return cmocka_run_group_tests_name("sample_ring", tests, NULL, NULL);
}
