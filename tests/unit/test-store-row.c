/* COPY text-format rows for the results tables. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "rollup.h"
#include "store-row.h"

static char *copy_text(const char *s, size_t len)
{
	static char out[256];
	struct pgn_buf b = { 0 };

	pgn_copy_text(&b, s, len);
	assert_false(b.failed);
	assert_true(b.len < sizeof(out));
	memcpy(out, b.p, b.len);
	out[b.len] = 0;
	pgn_buf_free(&b);
	return out;
}

static void test_copy_text_escapes(void **state)
{
	(void)state;
	assert_string_equal(copy_text("a\\b\tc\nd\re", 9), "a\\\\b\\tc\\nd\\re");
	assert_string_equal(copy_text("caf\xc3\xa9", 5), "caf\xc3\xa9");
	/* a text cut at --query-max mid-character, a stray byte, an embedded NUL */
	assert_string_equal(copy_text("x\xe2\x82", 3), "x\xef\xbf\xbd\xef\xbf\xbd");
	assert_string_equal(copy_text("\xff", 1), "\xef\xbf\xbd");
	assert_string_equal(copy_text("a\0b", 3), "ab");
	/* "\." alone would end COPY data: the backslash is doubled */
	assert_string_equal(copy_text("\\.", 2), "\\\\.");
}

static void test_client_addr(void **state)
{
	char a[64];

	(void)state;
	pgn_client_addr("127.0.0.2:5432", a, sizeof(a));
	assert_string_equal(a, "127.0.0.2");
	pgn_client_addr("[::1]:40000", a, sizeof(a));
	assert_string_equal(a, "::1");
	pgn_client_addr("[local]", a, sizeof(a));
	assert_string_equal(a, "");
	pgn_client_addr("", a, sizeof(a));
	assert_string_equal(a, "");
}

static struct pgn_stmt_rec stmt_rec;

static void test_statement_row(void **state)
{
	struct pgn_server server = { .pid = 4000, .port = 5432, .data_directory = "/var/lib/pg\t15" };
	struct pgn_stmt_view v = { .r = &stmt_rec, .server = &server };
	struct pgn_buf b = { 0 };

	(void)state;
	stmt_rec.pid = 4242;
	v.error = 1;
	stmt_rec.query_len = sprintf(stmt_rec.query, "SELECT '\t'");
	stmt_rec.t.rx.bytes = 17;
	stmt_rec.t.tx.bytes = 300;
	stmt_rec.t.rx.calls = 1;
	stmt_rec.t.tx.calls = 2;
	stmt_rec.t.rx.segs = 3;
	stmt_rec.t.tx.segs = 4;
	stmt_rec.t.rx.ns = 5;
	stmt_rec.t.tx.ns = 6;
	stmt_rec.t.tx_wait_ns = 7;
	stmt_rec.t.retrans = 9;
	stmt_rec.srtt_us = 8;
	strcpy(v.time, "2026-11-22T10:00:00.000001Z");
	strcpy(v.session, "6740a1b2.1092");
	strcpy(v.who.user, "alice");	/* database unknown: NULL */
	strcpy(v.client, "[::1]:40000");
	strcpy(v.fingerprint, "0123456789abcdef");
	v.protocol = "extended";
	v.query = stmt_rec.query;
	v.query_len = stmt_rec.query_len;
	v.normalized = "SELECT $1";
	v.exec_ns = 10;
	v.response_ns = 11;
	pgn_row_statement(&b, "db1", &v);
	assert_false(b.failed);
	b.p[b.len - 1] = 0;	/* the newline */
	assert_string_equal(b.p,
		"db1\t2026-11-22T10:00:00.000001Z\t4242\t\\N\t6740a1b2.1092\talice\t\\N\t[::1]:40000\t::1\t"
		"4000\t5432\t/var/lib/pg\\t15\t"
		"SELECT '\\t'\t0123456789abcdef\tSELECT $1\textended\terror\tf\t17\t300\t1\t2\t3\t4\t5\t6\t7\t10\t11\t8\t9\t0\t0");
	pgn_buf_free(&b);
}

static void test_session_row_and_columns(void **state)
{
	struct pgn_session_rec r = { .pid = 7, .statements = 3 };
	struct pgn_session_view v = { .r = &r, .open = 1, .statements = 3 };
	struct pgn_buf b = { 0 };
	int tabs = 0, commas = 0;

	(void)state;
	r.ep.transport = PGN_TRANSPORT_UNIX;
	r.total.rx.bytes = 100;
	r.startup.tx.bytes = 50;
	strcpy(v.session, "s");
	strcpy(v.start, "2026-11-22T10:00:00.000000Z");
	strcpy(v.end, "2026-11-22T10:00:01.000000Z");
	strcpy(v.client, "[local]");
	v.startup_ns = 1234;
	pgn_row_session(&b, "h", &v);
	b.p[b.len - 1] = 0;
	/* the server unknown: NULLs */
	assert_string_equal(b.p, "h\ts\t7\t\\N\t\\N\t\\N\t[local]\t\\N\t\\N\t\\N\t\\N\tunix\t2026-11-22T10:00:00.000000Z\t"
			    "2026-11-22T10:00:01.000000Z\tt\t3\t100\t0\t0\t0\t0\t50\t1234\t\\N\t0\t0\t0\t0");
	/* one field per column of the COPY column list */
	for (char *p = b.p; *p; p++)
		tabs += *p == '\t';
	for (const char *p = PGN_SESSION_COLUMNS; *p; p++)
		commas += *p == ',';
	assert_int_equal(tabs, commas);
	pgn_buf_free(&b);
}

static void test_statement_columns(void **state)
{
	struct pgn_stmt_view v = { .r = &stmt_rec, .protocol = "simple", .query = "x", .query_len = 1 };
	struct pgn_buf b = { 0 };
	int tabs = 0, commas = 0;

	(void)state;
	pgn_row_statement(&b, "h", &v);
	for (size_t i = 0; i < b.len; i++)
		tabs += b.p[i] == '\t';
	for (const char *p = PGN_STATEMENT_COLUMNS; *p; p++)
		commas += *p == ',';
	assert_int_equal(tabs, commas);
	pgn_buf_free(&b);
}

/* a rollup row: NULL for what is unknown, the histogram as an array */
static void test_rollup_row(void **state)
{
	struct pgn_rollup_row r = {
		.k = { .fingerprint = 0x00ab, .database = "db", .user = "u", .protocol = "simple" },
		.start_ns = 1796212800LL * 1000000000LL, .seconds = 60, .calls = 3, .errors = 1,
		.rx_bytes = 10, .tx_bytes = 20, .response_ns = 7000, .max_response_ns = 5000,
		.hist = { [0] = 1, [3] = 2 },
	};
	struct pgn_buf b = { 0 };
	char want[512];
	int tabs = 0;

	(void)state;
	pgn_row_rollup(&b, "h", &r);
	snprintf(want, sizeof(want),
		 "h\t2026-12-02 12:00:00+00\t60\t\\N\t\\N\t00000000000000ab\tdb\tu\t\\N\tsimple"
		 "\t3\t1\t10\t20\t0\t0\t0\t0\t0\t0\t0\t0\t7000\t5000\t0"
		 "\t{1,0,0,2,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0}\n");
	assert_int_equal(b.len, strlen(want));
	assert_memory_equal(b.p, want, b.len);
	/* a field per column */
	for (size_t i = 0; i < b.len; i++)
		tabs += b.p[i] == '\t';
	for (const char *c = pgn_rollup_columns; (c = strchr(c, ',')); c++)
		tabs--;
	assert_int_equal(tabs, 0);
	pgn_buf_free(&b);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_copy_text_escapes),
		cmocka_unit_test(test_client_addr),
		cmocka_unit_test(test_statement_row),
		cmocka_unit_test(test_session_row_and_columns),
		cmocka_unit_test(test_statement_columns),
		cmocka_unit_test(test_rollup_row),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
