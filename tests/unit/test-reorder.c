/* Each backend's records handed on in its sequence, whatever order the
 * per-CPU stages delivered them in; what a release gives up for lost. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <cmocka.h>
#include <linux/types.h>

#include "pgnetprof.h"
#include "reorder.h"

/* What was delivered, as "S<pid>.<seq>" (statement), "E..." (endpoint),
 * "X..." (session), "?" (not a backend's record), in order. */
static char got[512];

static void deliver(void *arg, const void *rec, size_t size)
{
	const struct pgn_stmt_rec *st = rec;
	const struct pgn_session_rec *se = rec;
	const struct pgn_endpoint_rec *ep = rec;
	char one[32];

	(void)arg;
	if (size < sizeof(__u32))
		snprintf(one, sizeof(one), "? ");
	else if (st->type == PGN_REC_STATEMENT)
		snprintf(one, sizeof(one), "S%u.%u ", st->pid, st->seq);
	else if (st->type == PGN_REC_SESSION)
		snprintf(one, sizeof(one), "X%u.%u ", se->pid, se->seq);
	else if (st->type == PGN_REC_ENDPOINT)
		snprintf(one, sizeof(one), "E%u.%u ", ep->pid, ep->seq);
	else
		snprintf(one, sizeof(one), "? ");
	strncat(got, one, sizeof(got) - strlen(got) - 1);
}

static struct pgn_stmt_rec stmt_rec;

static void stmt(struct pgn_reorder *ro, __u32 pid, __u64 start, __u32 seq)
{
	stmt_rec = (struct pgn_stmt_rec){ .type = PGN_REC_STATEMENT, .pid = pid,
					  .proc_start_ns = start, .seq = seq };
	pgn_reorder_push(ro, &stmt_rec, offsetof(struct pgn_stmt_rec, query) + 1);
	memset(&stmt_rec, 0xa5, sizeof(stmt_rec));	/* the ring's bytes are reused */
}

static void endpoint(struct pgn_reorder *ro, __u32 pid, __u64 start, __u32 seq)
{
	struct pgn_endpoint_rec r = { .type = PGN_REC_ENDPOINT, .pid = pid,
				      .proc_start_ns = start, .seq = seq };

	pgn_reorder_push(ro, &r, sizeof(r));
}

static void session(struct pgn_reorder *ro, __u32 pid, __u64 start, __u32 seq)
{
	struct pgn_session_rec r = { .type = PGN_REC_SESSION, .pid = pid,
				     .proc_start_ns = start, .seq = seq };

	pgn_reorder_push(ro, &r, sizeof(r));
}

static int setup(void **state)
{
	static struct pgn_reorder ro;

	got[0] = 0;
	pgn_reorder_init(&ro, deliver, NULL);
	*state = &ro;
	return 0;
}

static int teardown(void **state)
{
	pgn_reorder_free(*state);
	return 0;
}

static void test_in_order_passes_at_once(void **state)
{
	struct pgn_reorder *ro = *state;

	endpoint(ro, 10, 1, 0);
	stmt(ro, 10, 1, 1);
	stmt(ro, 11, 5, 0);
	stmt(ro, 10, 1, 2);
	assert_string_equal(got, "E10.0 S10.1 S11.0 S10.2 ");
}

/* A backend moved CPU: its later records came first. */
static void test_early_records_wait_for_the_missing(void **state)
{
	struct pgn_reorder *ro = *state;

	stmt(ro, 10, 1, 2);
	session(ro, 10, 1, 3);
	stmt(ro, 11, 5, 0);
	assert_string_equal(got, "S11.0 ");
	endpoint(ro, 10, 1, 0);
	assert_string_equal(got, "S11.0 E10.0 ");
	stmt(ro, 10, 1, 1);
	assert_string_equal(got, "S11.0 E10.0 S10.1 S10.2 X10.3 ");
	/* the session ended the backend: a new one with its pid starts at 0 */
	stmt(ro, 10, 9, 0);
	assert_string_equal(got, "S11.0 E10.0 S10.1 S10.2 X10.3 S10.0 ");
}

/* What was missing at two drains in a row was lost. */
static void test_release_gives_up_the_lost(void **state)
{
	struct pgn_reorder *ro = *state;

	stmt(ro, 10, 1, 0);
	stmt(ro, 10, 1, 4);
	stmt(ro, 10, 1, 2);
	stmt(ro, 12, 1, 1);
	assert_string_equal(got, "S10.0 ");
	pgn_reorder_release(ro);
	assert_string_equal(got, "S10.0 ");
	pgn_reorder_release(ro);
	assert_string_equal(got, "S10.0 S10.2 S10.4 S12.1 ");
	/* the count goes on from the last one delivered */
	stmt(ro, 10, 1, 5);
	assert_string_equal(got, "S10.0 S10.2 S10.4 S12.1 S10.5 ");
	/* one given up for lost that still comes is not dropped */
	stmt(ro, 10, 1, 3);
	assert_string_equal(got, "S10.0 S10.2 S10.4 S12.1 S10.5 S10.3 ");
}

/* A record staged on a CPU whose stage the drain had just flushed, its
 * successor sent alone and read in the same drain: the successor waits for
 * it over one drain, and they come out in order; the end flushes all. */
static void test_one_drain_late_keeps_order(void **state)
{
	struct pgn_reorder *ro = *state;

	stmt(ro, 10, 1, 0);
	stmt(ro, 10, 1, 2);	/* 1 still in a stage */
	pgn_reorder_release(ro);
	assert_string_equal(got, "S10.0 ");
	stmt(ro, 10, 1, 1);	/* the next drain's flush */
	assert_string_equal(got, "S10.0 S10.1 S10.2 ");
	stmt(ro, 10, 1, 4);
	pgn_reorder_flush(ro);
	assert_string_equal(got, "S10.0 S10.1 S10.2 S10.4 ");
}

/* The session's own release ends the backend too. */
static void test_session_released_ends_the_backend(void **state)
{
	struct pgn_reorder *ro = *state;

	session(ro, 10, 1, 2);
	pgn_reorder_release(ro);
	pgn_reorder_release(ro);
	stmt(ro, 10, 1, 0);	/* the same process counts afresh: nothing held */
	assert_string_equal(got, "X10.2 S10.0 ");
}

/* A new process on a pid whose session record was lost. */
static void test_pid_reuse_lets_the_old_go(void **state)
{
	struct pgn_reorder *ro = *state;

	stmt(ro, 10, 1, 3);
	stmt(ro, 10, 2, 0);
	assert_string_equal(got, "S10.3 S10.0 ");
}

static void test_foreign_records_pass(void **state)
{
	struct pgn_reorder *ro = *state;
	__u32 odd = 99;

	pgn_reorder_push(ro, &odd, sizeof(odd));
	pgn_reorder_push(ro, &odd, 2);
	stmt_rec = (struct pgn_stmt_rec){ .type = PGN_REC_STATEMENT, .pid = 10, .seq = 7 };
	pgn_reorder_push(ro, &stmt_rec, 16);	/* too short to carry its number */
	assert_string_equal(got, "? ? S10.7 ");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_in_order_passes_at_once, setup, teardown),
		cmocka_unit_test_setup_teardown(test_early_records_wait_for_the_missing, setup, teardown),
		cmocka_unit_test_setup_teardown(test_one_drain_late_keeps_order, setup, teardown),
		cmocka_unit_test_setup_teardown(test_release_gives_up_the_lost, setup, teardown),
		cmocka_unit_test_setup_teardown(test_session_released_ends_the_backend, setup, teardown),
		cmocka_unit_test_setup_teardown(test_pid_reuse_lets_the_old_go, setup, teardown),
		cmocka_unit_test_setup_teardown(test_foreign_records_pass, setup, teardown),
	};

	return cmocka_run_group_tests_name("reorder", tests, NULL, NULL);
}
