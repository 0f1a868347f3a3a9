/* Pipelined executions held until their answers (src/record/answers.c). */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

#include "answers.h"
#include "merge.h"

#define PID 7
#define MAX_OUT 16

static struct pgn_stmt_rec out[MAX_OUT];
static int nout;

static void collect(void *arg, const struct pgn_stmt_rec *rec)
{
	(void)arg;
	assert_true(nout < MAX_OUT);
	memcpy(&out[nout++], rec, pgn_stmt_rec_size(rec));
}

/* A statement record: @rx request bytes, @tx response so far. */
static int stmt(const char *q, __u64 rx, __u64 tx, __u8 awaiting, __u8 status, __u8 skip_follows)
{
	static struct pgn_stmt_rec r;

	memset(&r, 0, sizeof(r));
	r.type = PGN_REC_STATEMENT;
	r.pid = PID;
	r.t.rx.bytes = rx;
	r.t.tx.bytes = tx;
	r.awaiting = awaiting;
	r.status = status;
	r.skip_follows = skip_follows;
	r.query_len = strlen(q);
	memcpy(r.query, q, r.query_len);
	if (pgn_answers_statement(&r, collect, NULL))
		return 1;
	collect(NULL, &r);
	return 0;
}

static void answer(__u64 tx, __u8 status, __u8 skipped, __u8 skip_follows)
{
	struct pgn_answer_rec a = {
		.type = PGN_REC_ANSWER, .pid = PID, .status = status, .skipped = skipped,
		.skip_follows = skip_follows, .last_tx_ns = 99,
	};

	a.t.tx.bytes = tx;
	pgn_answers_answer(&a, collect, NULL);
}

static int setup(void **state)
{
	(void)state;
	nout = 0;
	pgn_merge_forget(PID);
	return 0;
}

/* Held until answered, reported in order, each with its own response. */
static void test_in_order(void **state)
{
	(void)state;
	assert_true(stmt("a", 10, 0, 1, PGN_STMT_OK, 0));
	assert_true(stmt("b", 11, 5, 1, PGN_STMT_OK, 0));
	assert_int_equal(nout, 0);
	answer(70, PGN_STMT_OK, 0, 0);
	answer(71, PGN_STMT_OK, 0, 0);
	assert_false(stmt("c", 12, 373, 0, PGN_STMT_OK, 0));
	assert_int_equal(nout, 3);
	assert_string_equal(out[0].query, "a");
	assert_int_equal(out[0].t.tx.bytes, 70);
	assert_int_equal(out[0].last_tx_ns, 99);
	assert_int_equal(out[0].awaiting, 0);
	assert_int_equal(out[1].t.tx.bytes, 76);	/* what it had, and its answer */
	assert_string_equal(out[2].query, "c");
}

/* An answer delivered before its statement (its stage flushed late) is
 * kept for it, not lost. */
static void test_early_answer(void **state)
{
	(void)state;
	answer(70, PGN_STMT_OK, 0, 0);
	assert_true(stmt("a", 10, 0, 1, PGN_STMT_OK, 0));
	assert_int_equal(nout, 1);
	assert_int_equal(out[0].t.tx.bytes, 70);
	pgn_answers_release(PID, collect, NULL);
}

/* A failure takes in the executions the server skipped: an awaiting one
 * its answer names, then the open one, marked skipped, the last of its
 * cycle; none of them is reported, and the session counts them merged. */
static void test_failure_takes_in_skipped(void **state)
{
	(void)state;
	assert_true(stmt("a", 10, 0, 1, PGN_STMT_OK, 0));
	assert_true(stmt("b", 11, 0, 1, PGN_STMT_OK, 0));
	assert_true(stmt("c", 12, 0, 1, PGN_STMT_OK, 0));
	answer(40, PGN_STMT_ERROR, 1, 1);	/* a failed, b skipped, more follow */
	assert_int_equal(nout, 0);
	assert_true(stmt("d", 13, 6, 0, PGN_STMT_SKIPPED, 0));
	assert_int_equal(nout, 1);
	assert_string_equal(out[0].query, "a");
	assert_int_equal(out[0].status, PGN_STMT_ERROR);
	assert_int_equal(out[0].t.rx.bytes, 10 + 11 + 13);
	assert_int_equal(out[0].t.tx.bytes, 46);
	assert_int_equal(pgn_merge_forget(PID), 2);
	pgn_answers_release(PID, collect, NULL);
	assert_int_equal(nout, 2);	/* c, never answered, as it is */
	assert_string_equal(out[1].query, "c");
}

/* A statement that neither awaits nor was skipped releases what is held:
 * answers lost, nothing held past the next statement. */
static void test_release_on_next(void **state)
{
	(void)state;
	assert_true(stmt("a", 10, 3, 1, PGN_STMT_OK, 0));
	assert_false(stmt("q", 14, 66, 0, PGN_STMT_OK, 0));
	assert_int_equal(nout, 2);
	assert_string_equal(out[0].query, "a");
	assert_int_equal(out[0].t.tx.bytes, 3);
	assert_string_equal(out[1].query, "q");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup(test_in_order, setup),
		cmocka_unit_test_setup(test_early_answer, setup),
		cmocka_unit_test_setup(test_failure_takes_in_skipped, setup),
		cmocka_unit_test_setup(test_release_on_next, setup),
	};

	return cmocka_run_group_tests_name("answers", tests, NULL, NULL);
}
