/* The pid table under merge.c and the endpoint records: collisions,
 * removals inside a cluster, growth, iteration, and probes that stay short
 * however many connections come and go. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include "pidtab.h"

#define VAL(pid) ((void *)(uintptr_t)((pid) * 2 + 1))

/* Three pids whose probes start at the same slot of a 64-slot table. */
static void colliding(struct pgn_pidtab *t, uint32_t out[3])
{
	size_t n = 0, want = pgn_pidtab_home(t, 5);

	out[n++] = 5;
	for (uint32_t p = 6; n < 3; p++)
		if (pgn_pidtab_home(t, p) == want)
			out[n++] = p;
}

static void test_collisions_and_take(void **state)
{
	struct pgn_pidtab t = { 0 };
	uint32_t c[3];

	(void)state;
	assert_null(pgn_pidtab_get(&t, 5));
	assert_int_equal(pgn_pidtab_put(&t, 5, VAL(5)), 0);	/* 64 slots at first */
	colliding(&t, c);
	assert_int_equal(pgn_pidtab_put(&t, c[1], VAL(c[1])), 0);
	assert_int_equal(pgn_pidtab_put(&t, c[2], VAL(c[2])), 0);
	assert_ptr_equal(pgn_pidtab_get(&t, c[1]), VAL(c[1]));
	/* taking the first of the chain keeps the others reachable */
	assert_ptr_equal(pgn_pidtab_take(&t, 5), VAL(5));
	assert_null(pgn_pidtab_get(&t, 5));
	assert_ptr_equal(pgn_pidtab_get(&t, c[1]), VAL(c[1]));
	assert_ptr_equal(pgn_pidtab_get(&t, c[2]), VAL(c[2]));
	assert_null(pgn_pidtab_take(&t, 5));
	/* ... and so does taking the middle one */
	assert_ptr_equal(pgn_pidtab_take(&t, c[1]), VAL(c[1]));
	assert_ptr_equal(pgn_pidtab_get(&t, c[2]), VAL(c[2]));
	/* a put replaces */
	assert_int_equal(pgn_pidtab_put(&t, c[2], VAL(1)), 0);
	assert_ptr_equal(pgn_pidtab_get(&t, c[2]), VAL(1));
	assert_int_equal(t.used, 1);
	assert_int_equal(t.cap, 64);
	pgn_pidtab_clear(&t);
	assert_int_equal(t.cap, 0);
}

/* The longest run of occupied slots: what a look-up of an absent pid
 * (one per simple statement) may walk. */
static size_t longest_cluster(const struct pgn_pidtab *t)
{
	size_t longest = 0, run = 0;

	for (size_t i = 0; i < 2 * t->cap; i++) {	/* twice: a cluster may wrap */
		run = t->slots[i % t->cap].pid ? run + 1 : 0;
		if (run > longest)
			longest = run;
	}
	return longest;
}

/* Connections come and go for ever: 300 live backends, pids handed out in
 * sequence and wrapping at pid_max, 2 million sessions in all. The table
 * neither grows nor lets its probes lengthen. */
static void test_churn(void **state)
{
	struct pgn_pidtab t = { 0 };
	enum { LIVE = 300, SESSIONS = 2000000, PID_MAX = 4194304 };
	uint32_t live[LIVE], next = 300;
	size_t worst = 0;

	(void)state;
	for (int i = 0; i < LIVE; i++) {
		live[i] = next++;
		assert_int_equal(pgn_pidtab_put(&t, live[i], VAL(live[i])), 0);
	}
	for (uint32_t s = 0; s < SESSIONS; s++) {
		uint32_t k = (s * 7919u) % LIVE;	/* a session ends, another starts */

		assert_ptr_equal(pgn_pidtab_take(&t, live[k]), VAL(live[k]));
		live[k] = next;
		next = next + 1 < PID_MAX ? next + 1 : 300;
		assert_int_equal(pgn_pidtab_put(&t, live[k], VAL(live[k])), 0);
		assert_null(pgn_pidtab_get(&t, live[k] + PID_MAX));	/* an absent pid */
		if (s % 100000 == 0 && longest_cluster(&t) > worst)
			worst = longest_cluster(&t);
	}
	for (int i = 0; i < LIVE; i++)
		assert_ptr_equal(pgn_pidtab_get(&t, live[i]), VAL(live[i]));
	assert_int_equal(t.used, LIVE);
	assert_true(t.cap <= 1024);
	assert_true(worst <= 32);
	pgn_pidtab_clear(&t);
}

static void test_growth_and_iteration(void **state)
{
	struct pgn_pidtab t = { 0 };
	uint32_t pid, seen = 0;
	uint64_t sum = 0;
	size_t pos = 0;
	void *val;

	(void)state;
	for (uint32_t p = 1; p <= 1000; p++)
		assert_int_equal(pgn_pidtab_put(&t, p * 7, VAL(p * 7)), 0);
	for (uint32_t p = 1; p <= 1000; p += 2)
		assert_ptr_equal(pgn_pidtab_take(&t, p * 7), VAL(p * 7));
	for (uint32_t p = 1; p <= 1000; p++)
		assert_ptr_equal(pgn_pidtab_get(&t, p * 7), p % 2 ? NULL : VAL(p * 7));
	assert_true(t.cap >= 2000);
	while (pgn_pidtab_next(&t, &pos, &pid, &val)) {
		assert_ptr_equal(val, VAL(pid));
		seen++;
		sum += pid;
	}
	assert_int_equal(seen, 500);
	assert_int_equal(sum, 7 * (2 + 1000) * 500 / 2);	/* 7 x (2 + 4 + ... + 1000) */
	pgn_pidtab_clear(&t);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_collisions_and_take),
		cmocka_unit_test(test_growth_and_iteration),
		cmocka_unit_test(test_churn),
	};

	return cmocka_run_group_tests_name("pidtab", tests, NULL, NULL);
}
