/* The fingerprint cache: the same answer as libpg_query on its own, for any
 * text in any order, with one parse per statement shape where it can. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <cmocka.h>
#include <pg_query.h>

#include "fingerprint.h"

/* What libpg_query says of a text, straight: normalized and fingerprint
 * ("": it cannot parse the text). */
static void direct(const char *q, char *norm, size_t nlen, char fp[17])
{
	PgQueryNormalizeResult n = pg_query_normalize(q);
	PgQueryFingerprintResult f = pg_query_fingerprint(q);

	norm[0] = fp[0] = 0;
	if (!n.error && n.normalized_query)
		snprintf(norm, nlen, "%s", n.normalized_query);
	if (!f.error && f.fingerprint_str)
		snprintf(fp, 17, "%s", f.fingerprint_str);
	pg_query_free_normalize_result(n);
	pg_query_free_fingerprint_result(f);
}

/* Ours: libpg_query's normalized text; the fingerprint into @ours, and
 * libpg_query's own into @theirs. */
static void assert_as_libpg_query(const char *q, char ours[17], char theirs[17])
{
	struct pgn_text_info info;
	char norm[4096];

	pgn_text_analyze(q, strlen(q), &info);
	direct(q, norm, sizeof(norm), theirs);
	memcpy(ours, info.fingerprint, 17);
	if (!norm[0]) {
		assert_null(info.normalized);
		return;
	}
	if (!info.normalized || strcmp(info.normalized, norm))
		fail_msg("%s: got '%s', libpg_query says '%s'", q, info.normalized ? info.normalized : "(null)",
			 norm);
}

/* Each group: texts of one shape or nearly, the first of which primes the
 * cache; literals our lexer and libpg_query read alike, and unlike. */
static const char *const groups[][4] = {
	{ "select abalance from pgbench_accounts where aid = 12345;",
	  "select abalance from pgbench_accounts where aid = 7;",
	  "select abalance from pgbench_accounts where aid = 99999999;" },
	{ "UPDATE pgbench_accounts SET abalance = abalance + -4036 WHERE aid = 12;",
	  "UPDATE pgbench_accounts SET abalance = abalance + 17 WHERE aid = 5;",
	  "UPDATE pgbench_accounts SET abalance = abalance + -1 WHERE aid = 5;" },
	{ "select a - 1 from t", "select a - 22 from t", "select a -1 from t" },
	{ "select 1 /* a */ + 2 -- b\n", "select 3 /* c */ + 4 -- d\n" },
	{ "select -1", "select - 1", "select -2.5e3" },
	{ "select 'x', E'a\\'b', $$c$$, $q$d$q$ from t1 where c2 = 3",
	  "select 'yy', E'\\n', $$$$, $q$e$q$ from t1 where c2 = 4" },
	{ "select * from t where a in (1, 2, 3)", "select * from t where a in (4, 5, 6)" },
	{ "select * from t where a = $1 and b = 5", "select * from t where a = $1 and b = 6" },
	{ "select '1'::int, interval '1 day', 1.5, .5, 1e5",
	  "select '2'::int, interval '2 days', 2.5, .7, 2e5" },
	{ "select true, null, 'a' is not null", "select false, null, 'b' is not null" },
	{ "SET work_mem = '64MB'", "SET work_mem = '1GB'" },
	{ "create table t (a int default 5)", "create table t (a int default 6)" },
	{ "select 1 /* 5 */ -- 6\n", "select 2 /* 5 */ -- 6\n" },
	{ "COMMENT ON TABLE t IS 'a'", "COMMENT ON TABLE t IS 'b'" },
	{ "NOTIFY ch, 'x'", "NOTIFY ch, 'y'" },
	{ "create server s foreign data wrapper w options (host 'a', password 'b')",
	  "create server s foreign data wrapper w options (host 'cc', password 'dd')" },
	{ "alter role r password 'x' valid until '2030-01-01'", "alter role r password 'y' valid until '2031-01-01'" },
	{ "select \"col 1\" from \"t 2\" where x = 3", "select \"col 1\" from \"t 2\" where x = 4" },
	{ "select data ? 'k' from j", "select data ? 'l' from j" },
	{ "select array[1, 2][1]", "select array[3, 4][2]" },
	{ "select -(987654)", "select -(12)" },
	{ "select 'unterminated", "select 'unterminated too" },
	{ "not sql at all 5", "not sql at all 6" },
};

/*
 * A group's fingerprint is libpg_query's where libpg_query gives all its
 * texts one fingerprint (it leaves their constants out); where it keeps
 * them (some utility statements), ours is still one for the group.
 * Unparsable texts have a hash of their own.
 */
static void assert_group(const char *const *texts)
{
	char ours[4][17], theirs[4][17];
	int blind = 1, parsed = 1;
	size_t n = 0;

	for (; n < 4 && texts[n]; n++) {
		assert_as_libpg_query(texts[n], ours[n], theirs[n]);
		blind &= !strcmp(theirs[n], theirs[0]);
		parsed &= theirs[n][0] != 0;
	}
	for (size_t i = 0; parsed && i < n; i++) {
		if (blind && strcmp(ours[i], theirs[i]))
			fail_msg("%s: %s, libpg_query says %s", texts[i], ours[i], theirs[i]);
		if (strcmp(ours[i], ours[0]))
			fail_msg("%s: %s, but %s: %s", texts[i], ours[i], texts[0], ours[0]);
	}
}

static void test_same_as_libpg_query(void **state)
{
	(void)state;
	/* twice: the second time every text is a cache hit one way or another */
	for (int round = 0; round < 2; round++)
		for (size_t g = 0; g < sizeof(groups) / sizeof(groups[0]); g++)
			assert_group(groups[g]);
}

/* Fingerprints do not tell constants apart, even where libpg_query's
 * normalization mangles them. */
static void test_stable_across_constants(void **state)
{
	static const char *const pairs[][2] = {
		{ "select -(987654)", "select -(12)" },
		{ "select - (987654) from t", "select - (3) from t" },
		{ "ALTER ROLE bob PASSWORD 'a'", "ALTER ROLE bob PASSWORD 'bb'" },
	};
	struct pgn_text_info a, b;
	char fa[17];

	(void)state;
	for (size_t i = 0; i < sizeof(pairs) / sizeof(pairs[0]); i++) {
		pgn_text_analyze(pairs[i][0], strlen(pairs[i][0]), &a);
		memcpy(fa, a.fingerprint, 17);
		pgn_text_analyze(pairs[i][1], strlen(pairs[i][1]), &b);
		if (strcmp(fa, b.fingerprint))
			fail_msg("'%s' %s, '%s' %s", pairs[i][0], fa, pairs[i][1], b.fingerprint);
	}
}

/* pgbench's statements, every literal different: one parse per shape. */
static void test_one_parse_per_shape(void **state)
{
	char q[128], ours[17], theirs[17];
	unsigned long before;

	(void)state;
	snprintf(q, sizeof(q), "SELECT abalance FROM pgbench_accounts WHERE aid = %d;", 1);
	assert_as_libpg_query(q, ours, theirs);
	snprintf(q, sizeof(q), "UPDATE pgbench_tellers SET tbalance = tbalance + %d WHERE tid = %d;", -5, 1);
	assert_as_libpg_query(q, ours, theirs);
	before = pgn_text_parses();
	for (int i = 2; i < 1000; i++) {
		struct pgn_text_info info;

		snprintf(q, sizeof(q), "SELECT abalance FROM pgbench_accounts WHERE aid = %d;", i * 7919);
		pgn_text_analyze(q, strlen(q), &info);
		snprintf(q, sizeof(q), "UPDATE pgbench_tellers SET tbalance = tbalance + %d WHERE tid = %d;",
			 i % 2 ? -i : i, i);
		pgn_text_analyze(q, strlen(q), &info);
	}
	assert_int_equal(pgn_text_parses(), before);
	/* a shape whose constants libpg_query keeps (a utility statement's)
	 * is parsed every time, each text keeping its own */
	before = pgn_text_parses();
	for (int i = 0; i < 10; i++) {
		snprintf(q, sizeof(q), "COMMENT ON TABLE t IS 'note %d'", i);
		assert_as_libpg_query(q, ours, theirs);
	}
	assert_int_equal(pgn_text_parses(), before + 10);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_same_as_libpg_query),
		cmocka_unit_test(test_stable_across_constants),
		cmocka_unit_test(test_one_parse_per_shape),
	};

	return cmocka_run_group_tests_name("fingerprint", tests, NULL, NULL);
}
