/* The Prometheus aggregate (src/out/metrics.c): the top K by bytes, the
 * rest as "other", and no counter going down when the top K changes. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "metrics.h"

/* a statement of fingerprint fp moving bytes each way */
static void feed(struct pgn_metrics *m, const char *fp, unsigned long long bytes, int error, int n)
{
	struct pgn_stmt_rec r = { 0 };
	struct pgn_stmt_view v = { .r = &r, .error = error, .normalized = "select $1", .response_ns = 2000000 };

	snprintf(v.fingerprint, sizeof(v.fingerprint), "%s", fp);
	r.t.rx.bytes = bytes / 2;
	r.t.tx.bytes = bytes - bytes / 2;
	for (int i = 0; i < n; i++)
		pgn_output_metrics.statement(m, &v);
}

/* a series' value in rendered text; -1 when absent */
static double value(const char *text, const char *series)
{
	char needle[256];
	const char *p;

	snprintf(needle, sizeof(needle), "\n%s ", series);
	p = strstr(text, needle);
	return p ? atof(p + strlen(needle)) : -1;
}

static char *render(struct pgn_metrics *m)
{
	size_t len;
	char *t = pgn_metrics_render(m, &len);

	assert_non_null(t);
	assert_int_equal(strlen(t), len);
	return t;
}

static void test_first_k_have_series_from_the_start(void **state)
{
	struct pgn_metrics *m = pgn_metrics_new(2, "status");
	char *t;

	(void)state;
	feed(m, "00000000000000aa", 100, 0, 3);
	feed(m, "00000000000000bb", 10, 1, 2);
	feed(m, "00000000000000cc", 1, 0, 5);
	t = render(m);
	assert_true(value(t, "pgnetprof_statements_total{fingerprint=\"00000000000000aa\"}") == 3);
	assert_true(value(t, "pgnetprof_statements_total{fingerprint=\"00000000000000bb\"}") == 2);
	assert_true(value(t, "pgnetprof_statements_total{fingerprint=\"other\"}") == 5);
	assert_true(value(t, "pgnetprof_statements_total{fingerprint=\"00000000000000cc\"}") == -1);
	assert_true(value(t, "pgnetprof_statement_errors_total{fingerprint=\"00000000000000bb\"}") == 2);
	assert_true(value(t, "pgnetprof_statement_rx_bytes_total{fingerprint=\"00000000000000aa\"}") == 150);
	/* 2 ms: above le=0.001, within le=0.0025 */
	assert_true(value(t, "pgnetprof_statement_response_seconds_bucket{fingerprint=\"other\",le=\"0.001\"}") == 0);
	assert_true(value(t, "pgnetprof_statement_response_seconds_bucket{fingerprint=\"other\",le=\"0.0025\"}") == 5);
	assert_true(value(t, "pgnetprof_statement_response_seconds_bucket{fingerprint=\"other\",le=\"+Inf\"}") == 5);
	assert_true(value(t, "pgnetprof_fingerprints") == 3);
	free(t);
	pgn_metrics_free(m);
}

/* cc overtakes bb: bb's counts go back to other, cc counts from then on */
static void test_a_new_top_counts_from_its_entry(void **state)
{
	struct pgn_metrics *m = pgn_metrics_new(2, "status");
	char *t;

	(void)state;
	feed(m, "00000000000000aa", 100, 0, 3);
	feed(m, "00000000000000bb", 10, 0, 2);
	feed(m, "00000000000000cc", 1, 0, 5);
	free(render(m));
	feed(m, "00000000000000cc", 1000, 0, 1);
	t = render(m);
	assert_true(value(t, "pgnetprof_statements_total{fingerprint=\"00000000000000bb\"}") == -1);
	assert_true(value(t, "pgnetprof_statements_total{fingerprint=\"00000000000000cc\"}") == 0);
	assert_true(value(t, "pgnetprof_statements_total{fingerprint=\"other\"}") == 8);
	free(t);
	feed(m, "00000000000000cc", 1000, 0, 1);
	t = render(m);
	assert_true(value(t, "pgnetprof_statements_total{fingerprint=\"00000000000000cc\"}") == 1);
	assert_true(value(t, "pgnetprof_statements_total{fingerprint=\"other\"}") == 8);
	assert_true(value(t, "pgnetprof_statements_total{fingerprint=\"00000000000000aa\"}") == 3);
	free(t);
	pgn_metrics_free(m);
}

static void test_health_and_labels(void **state)
{
	struct pgn_metrics *m = pgn_metrics_new(1, "wire");
	struct pgn_health h = { .lost_records = 7, .probe_hits = 9, .store = 1, .store_backlog = 3 };
	struct pgn_stmt_rec r = { 0 };
	struct pgn_stmt_view v = { .r = &r, .normalized = "select \"a\\b\"\nfrom\x01t" };
	char *t;

	(void)state;
	snprintf(v.fingerprint, sizeof(v.fingerprint), "0123456789abcdef");
	pgn_output_metrics.statement(m, &v);
	pgn_metrics_set_backend(m, "fexit");
	pgn_metrics_set_health(m, &h);
	t = render(m);
	assert_true(value(t, "pgnetprof_lost_records_total") == 7);
	assert_true(value(t, "pgnetprof_probe_hits_total") == 9);
	assert_true(value(t, "pgnetprof_store_backlog_rows") == 3);
	assert_non_null(strstr(t, "pgnetprof_info{version=\"" PACKAGE_VERSION "\",backend=\"fexit\",probes=\"wire\"} 1\n"));
	/* quotes, backslashes and newlines escaped, controls as spaces */
	assert_non_null(strstr(t, "query=\"select \\\"a\\\\b\\\"\\nfrom t\"} 1\n"));
	free(t);
	pgn_metrics_free(m);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_first_k_have_series_from_the_start),
		cmocka_unit_test(test_a_new_top_counts_from_its_entry),
		cmocka_unit_test(test_health_and_labels),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
