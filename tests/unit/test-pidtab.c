/* The pid table under merge.c and the endpoint records: collisions,
 * deleted slots reused, growth, iteration. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include "pidtab.h"

#define VAL(pid) ((void *)(uintptr_t)((pid) * 2 + 1))

static void test_collisions_and_take(void **state)
{
	struct pgn_pidtab t = { 0 };

	(void)state;
	assert_null(pgn_pidtab_get(&t, 5));
	/* 64 slots at first: 5, 69 and 133 share a home slot */
	assert_int_equal(pgn_pidtab_put(&t, 5, VAL(5)), 0);
	assert_int_equal(pgn_pidtab_put(&t, 69, VAL(69)), 0);
	assert_int_equal(pgn_pidtab_put(&t, 133, VAL(133)), 0);
	assert_ptr_equal(pgn_pidtab_get(&t, 69), VAL(69));
	/* taking the first of the chain keeps the others reachable */
	assert_ptr_equal(pgn_pidtab_take(&t, 5), VAL(5));
	assert_null(pgn_pidtab_get(&t, 5));
	assert_ptr_equal(pgn_pidtab_get(&t, 133), VAL(133));
	assert_null(pgn_pidtab_take(&t, 5));
	/* a put replaces; a deleted slot is used again */
	assert_int_equal(pgn_pidtab_put(&t, 69, VAL(1)), 0);
	assert_ptr_equal(pgn_pidtab_get(&t, 69), VAL(1));
	assert_int_equal(pgn_pidtab_put(&t, 197, VAL(197)), 0);
	assert_ptr_equal(pgn_pidtab_get(&t, 197), VAL(197));
	assert_int_equal(t.cap, 64);
	pgn_pidtab_clear(&t);
	assert_int_equal(t.cap, 0);
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
	};

	return cmocka_run_group_tests_name("pidtab", tests, NULL, NULL);
}
