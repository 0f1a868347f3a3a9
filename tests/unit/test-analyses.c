/* Pure pieces of the analyses: log2 histograms (bcc's layout), the
 * pt-tcp-model interval model on hand-computed examples, literal scrubbing,
 * --top's p99 in bounded memory. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "hist.h"
#include "rank.h"
#include "model.h"
#include "redact.h"

static void test_hist_slots(void **state)
{
	(void)state;
	assert_int_equal(pgn_hist_slot(0), 0);
	assert_int_equal(pgn_hist_slot(1), 0);
	assert_int_equal(pgn_hist_slot(2), 1);
	assert_int_equal(pgn_hist_slot(3), 1);
	assert_int_equal(pgn_hist_slot(4), 2);
	assert_int_equal(pgn_hist_slot(1023), 9);
	assert_int_equal(pgn_hist_slot(1024), 10);
	assert_int_equal(pgn_hist_slot(UINT64_MAX), 63);
}

static void test_hist_print(void **state)
{
	struct pgn_hist h = { 0 };
	char buf[4096];
	FILE *f = fmemopen(buf, sizeof(buf), "w");

	(void)state;
	for (int i = 0; i < 4; i++)
		pgn_hist_add(&h, 40);	/* slot 5: 32 -> 63 */
	pgn_hist_add(&h, 2);		/* slot 1 */
	pgn_hist_add(&h, 3);
	assert_int_equal(h.count, 6);
	assert_int_equal(h.sum, 165);
	pgn_hist_print(f, &h, "usecs");
	fclose(f);
	assert_string_equal(buf,
		"     usecs               : count    distribution\n"
		"         0 -> 1          : 0        |                                        |\n"
		"         2 -> 3          : 2        |********************                    |\n"
		"         4 -> 7          : 0        |                                        |\n"
		"         8 -> 15         : 0        |                                        |\n"
		"        16 -> 31         : 0        |                                        |\n"
		"        32 -> 63         : 4        |****************************************|\n");
}

static void test_hist_empty_prints_nothing(void **state)
{
	struct pgn_hist h = { 0 };
	char buf[64] = "";
	FILE *f = fmemopen(buf, sizeof(buf), "w");

	(void)state;
	pgn_hist_print(f, &h, "usecs");
	fclose(f);
	assert_string_equal(buf, "");
}

static struct pgn_model_interval got[8];
static int ngot;

static void collect(const struct pgn_model_interval *iv, void *ctx)
{
	(void)ctx;
	got[ngot++] = *iv;
}

static void model_start(struct pgn_model *m, double interval, double quantile)
{
	ngot = 0;
	pgn_model_init(m, interval, quantile);
	m->on_interval = collect;
}

#define assert_close(a, b) assert_true((a) > (b) - 1e-9 && (a) < (b) + 1e-9)

/* Requests 10.2-10.5, 10.4-11.3, 11.6-11.7, 13.2-13.4 with 1 s intervals,
 * computed by hand with pt-tcp-model's rules (see model.c). */
static void check_example(void)
{
	assert_int_equal(ngot, 3);
	/* [10.2, 11): the first interval starts at the first arrival */
	assert_close(got[0].ts, 10);
	assert_close(got[0].obs_time, 0.8);
	assert_int_equal(got[0].arrivals, 2);
	assert_int_equal(got[0].completions, 1);
	assert_close(got[0].busy_time, 0.8);
	assert_close(got[0].weighted_time, 0.9);
	assert_close(got[0].concurrency, 0.9 / 0.8);
	assert_close(got[0].throughput, 2 / 0.8);
	assert_close(got[0].sum_time, 1.2);
	assert_close(got[0].variance_mean, 0.09 / 0.6);
	assert_close(got[0].quantile_time, 0.9);
	/* [11, 13): the idle second merges into it, closed by 13.2 */
	assert_close(got[1].ts, 11);
	assert_close(got[1].obs_time, 2);
	assert_int_equal(got[1].arrivals, 1);
	assert_int_equal(got[1].completions, 2);
	assert_close(got[1].busy_time, 0.4);
	assert_close(got[1].weighted_time, 0.4);
	assert_close(got[1].concurrency, 0.2);
	assert_close(got[1].throughput, 0.5);
	assert_close(got[1].sum_time, 0.1);
	assert_close(got[1].variance_mean, 0);
	assert_close(got[1].quantile_time, 0.1);
	/* [13, 13.4): the last interval ends at the last event */
	assert_close(got[2].ts, 13);
	assert_close(got[2].obs_time, 0.4);
	assert_int_equal(got[2].arrivals, 1);
	assert_int_equal(got[2].completions, 1);
	assert_close(got[2].busy_time, 0.2);
	assert_close(got[2].concurrency, 0.5);
	assert_close(got[2].throughput, 2.5);
	assert_close(got[2].quantile_time, 0.2);
}

static void test_model_example(void **state)
{
	struct pgn_model m;

	(void)state;
	model_start(&m, 1, 0.99);
	pgn_model_add(&m, 10.2, 10.5, 10.5 - 10.2, NULL);
	pgn_model_add(&m, 10.4, 11.3, 11.3 - 10.4, NULL);
	pgn_model_add(&m, 11.6, 11.7, 11.7 - 11.6, NULL);
	pgn_model_add(&m, 13.2, 13.4, 13.4 - 13.2, NULL);
	pgn_model_finish(&m);
	check_example();
	pgn_model_free(&m);
}

/* Live: requests come in completion order and in pieces; nothing is
 * processed before the settled time, and the result is the same. */
static void test_model_live_order(void **state)
{
	struct pgn_model m;

	(void)state;
	model_start(&m, 1, 0.99);
	pgn_model_add(&m, 10.2, 10.5, 10.5 - 10.2, NULL);
	pgn_model_advance(&m, 10.3);	/* 10.4-11.3 is still running */
	assert_int_equal(ngot, 0);
	pgn_model_add(&m, 11.6, 11.7, 11.7 - 11.6, NULL);
	pgn_model_add(&m, 10.4, 11.3, 11.3 - 10.4, NULL);
	pgn_model_advance(&m, 12);
	assert_int_equal(ngot, 1);	/* 11-... stays open until a later event */
	pgn_model_add(&m, 13.2, 13.4, 13.4 - 13.2, NULL);
	pgn_model_finish(&m);
	check_example();
	pgn_model_free(&m);
}

/* A request that comes after its arrival's time was processed (it ran
 * longer than the caller waited) does not hold intervals back: it is
 * carried over, arriving when it came, in progress from then. */
static void test_model_carry_over(void **state)
{
	struct pgn_model m;

	(void)state;
	model_start(&m, 1, 0.99);
	pgn_model_add(&m, 10.1, 10.2, 0.1, NULL);
	pgn_model_add(&m, 11.1, 11.2, 0.1, NULL);
	pgn_model_add(&m, 12.1, 12.2, 0.1, NULL);
	pgn_model_advance(&m, 12.5);	/* 10.5-13.5 is still running */
	assert_int_equal(ngot, 2);	/* 10 and 11 closed on time, without it */
	assert_int_equal(got[0].arrivals, 1);
	assert_int_equal(got[1].arrivals, 1);
	assert_close(got[1].busy_time, 0.1);
	pgn_model_add(&m, 10.5, 13.5, 3, NULL);
	assert_int_equal(m.carried, 1);
	pgn_model_add(&m, 13.6, 13.7, 0.1, NULL);
	pgn_model_finish(&m);
	assert_int_equal(ngot, 4);
	/* 12: its own arrival, and the long one's from 12.5, its 3 s its own */
	assert_close(got[2].ts, 12);
	assert_int_equal(got[2].arrivals, 2);
	assert_close(got[2].sum_time, 3.1);
	assert_close(got[2].weighted_time, 0.1 + 0.5);
	assert_close(got[3].ts, 13);
	assert_int_equal(got[3].completions, 2);
	assert_close(got[3].weighted_time, 0.5 + 0.1);
	pgn_model_free(&m);
}

/* The quantile's rank is round(n * q), half to even as Perl's %.0f, and
 * a rank of 0 means the largest. */
static void test_model_quantile_rank(void **state)
{
	struct pgn_model m;
	double q[] = { 0.5, 0.5, 0.1 };
	int n[] = { 4, 5, 3 };
	double want[] = { 2, 2, 3 };	/* values are 1..n */

	(void)state;
	for (int k = 0; k < 3; k++) {
		model_start(&m, 100, q[k]);
		for (int i = 1; i <= n[k]; i++)
			pgn_model_add(&m, 10 + i * 0.001, 10 + i * 0.001 + i, i, NULL);
		pgn_model_finish(&m);
		assert_int_equal(ngot, 1);
		assert_close(got[0].quantile_time, want[k]);
		pgn_model_free(&m);
	}
}

static const char *redact(const char *s, int parsed)
{
	static char out[256];

	pgn_redact(s, strlen(s), parsed, out, sizeof(out));
	return out;
}

static void test_redact(void **state)
{
	(void)state;
	assert_string_equal(redact("select 'a''b', 42, 1.5e-3, x1 from t2 where \"c 1\" = E'\\'q'", 0),
			    "select ?, ?, ?, x1 from t2 where \"c 1\" = ?");
	assert_string_equal(redact("alter role bob password 'secr", 0), "alter role bob password ?");
	assert_string_equal(redact("select $$it's$$, $f$x$f$, $1", 0), "select ?, ?, $1");
	assert_string_equal(redact("select x'ff', b'01', .5", 0), "select ?, ?, ?");
	/* parsed: numbered after the text's own parameters, as libpg_query does */
	assert_string_equal(redact("select $2, 'a', -(987654)", 1), "select $2, $3, -($4)");
	/* comments, nested or cut, hide their words */
	assert_string_equal(redact("select 1 -- pw=hunter2\n, /* a /* b */ hunter2 */ 2", 1),
			    "select $1  \n,   $2");
	assert_string_equal(redact("select /* hunter2", 0), "select  ");
	assert_string_equal(redact("comment on table t is U&'d\\0061ta'", 1), "comment on table t is U&$1");
}

/* --top's p99: exact (nearest rank) while values are few; then within
 * 1/32 above the exact one, in memory that no longer grows per value. */
static void test_rank(void **state)
{
	struct pgn_rank r = { 0 };

	(void)state;
	assert_int_equal(pgn_rank_percentile(&r, 99), 0);
	for (uint64_t v = 100; v >= 1; v--)
		assert_int_equal(pgn_rank_add(&r, v * 1000), 0);
	pgn_rank_sort(&r);
	assert_int_equal(pgn_rank_percentile(&r, 99), 99000);
	assert_int_equal(pgn_rank_percentile(&r, 50), 50000);
	pgn_rank_free(&r);

	for (uint64_t v = 1; v <= 1000000; v++)	/* a million statements */
		assert_int_equal(pgn_rank_add(&r, (v * 7919 % 1000000 + 1) * 1000), 0);
	pgn_rank_sort(&r);
	assert_null(r.exact);
	assert_int_equal(r.total, 1000000);
	uint64_t p = pgn_rank_percentile(&r, 99), exact = 990000ull * 1000;
	assert_true(p >= exact && p <= exact + exact / 32);
	assert_true(pgn_rank_percentile(&r, 100) >= 1000000ull * 1000);
	pgn_rank_free(&r);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_hist_slots),
		cmocka_unit_test(test_hist_print),
		cmocka_unit_test(test_hist_empty_prints_nothing),
		cmocka_unit_test(test_model_example),
		cmocka_unit_test(test_model_live_order),
		cmocka_unit_test(test_model_carry_over),
		cmocka_unit_test(test_model_quantile_rank),
		cmocka_unit_test(test_redact),
		cmocka_unit_test(test_rank),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
