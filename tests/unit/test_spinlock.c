/* lib/spinlock.h: mutual exclusion and first-come-first-served order,
 * with host threads standing in for processors. */
#include "unit.h"

#include <pthread.h>

#include "lib/spinlock.h"

#define THREADS 2 /* no more than the host has cores: a ticket holder that the host
		   * deschedules holds every waiter up (root mode is never preempted) */
#define ROUNDS 20000

static struct spinlock lock = SPINLOCK_INIT;
static uint64_t counter;       /* only ever changed under the lock */
static volatile int inside;    /* holders at once: must stay 0 or 1 */
static volatile int overlaps;

static void *worker(void *arg)
{
	(void)arg;
	for (int i = 0; i < ROUNDS; i++) {
		spin_lock(&lock);
		if (++inside != 1)
			overlaps++;
		counter = counter + 1; /* a read-modify-write a race would lose */
		inside--;
		spin_unlock(&lock);
	}
	return 0;
}

static void test_no_two_holders_and_no_update_lost(void **state)
{
	pthread_t t[THREADS];

	for (int i = 0; i < THREADS; i++)
		assert_int_equal(pthread_create(&t[i], 0, worker, 0), 0);
	for (int i = 0; i < THREADS; i++)
		pthread_join(t[i], 0);
	assert_int_equal(overlaps, 0);
	assert_int_equal(counter, (uint64_t)THREADS * ROUNDS);
	assert_false(spin_is_locked(&lock));
}

static void test_tickets_are_served_in_order(void **state)
{
	struct spinlock l = SPINLOCK_INIT;

	assert_false(spin_is_locked(&l));
	spin_lock(&l);
	assert_true(spin_is_locked(&l));
	assert_int_equal(l.next, 1);
	assert_int_equal(l.serving, 0);
	spin_unlock(&l);
	assert_false(spin_is_locked(&l));
	/* The counters wrap: a lock taken 2^32 times still works. */
	l.next = l.serving = 0xffffffffu;
	spin_lock(&l);
	spin_unlock(&l);
	assert_int_equal(l.serving, 0);
	assert_false(spin_is_locked(&l));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_no_two_holders_and_no_update_lost),
		cmocka_unit_test(test_tickets_are_served_in_order),
	};

	return cmocka_run_group_tests_name("spinlock", tests, NULL, NULL);
}
