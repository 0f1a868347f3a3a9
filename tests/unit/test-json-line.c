/* The JSON writer's lines: one per record, whole however long its texts. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "escape.h"
#include "output.h"

static struct pgn_stmt_rec rec;

/* @s escaped whole, between quotes */
static char *quoted(const char *s, size_t len)
{
	char *q = malloc(len * PGN_JSON_ESCAPE_MAX + 3);
	size_t used, n;

	assert_non_null(q);
	q[0] = '"';
	n = pgn_escape_json(q + 1, len * PGN_JSON_ESCAPE_MAX, s, len, &used);
	assert_int_equal(used, len);
	strcpy(q + 1 + n, "\"");
	return q;
}

/* Texts escaping to more than the writer's 64 KiB line, two records in a
 * row: each is one line, its texts whole, the second after the first. */
static void test_long_hostile_texts(void **state)
{
	static const char piece[] = "\x01\"\\\xc3\xa9\xe2\x80\xa8\x7f";
	char normalized[4 * PGN_QUERY_MAX];
	struct pgn_stmt_view v = { .r = &rec, .protocol = "simple", .normalized = normalized };
	char *out = NULL, *q, *n, *line2;
	size_t size;
	FILE *f = open_memstream(&out, &size);

	(void)state;
	while (rec.query_len + sizeof(piece) < PGN_QUERY_MAX) {
		memcpy(rec.query + rec.query_len, piece, sizeof(piece) - 1);
		rec.query_len += sizeof(piece) - 1;
	}
	snprintf(normalized, sizeof(normalized), "%s%s%s", rec.query, rec.query, rec.query);
	v.query = rec.query;
	v.query_len = rec.query_len;
	pgn_output_json.statement(f, &v);
	pgn_output_json.statement(f, &v);
	fclose(f);

	q = quoted(rec.query, rec.query_len);
	n = quoted(normalized, strlen(normalized));
	assert_true(strlen(q) + strlen(n) > 1 << 16);
	line2 = strchr(out, '\n') + 1;
	assert_int_equal(line2 - out, size / 2);
	assert_memory_equal(out, line2, size / 2);
	assert_int_equal(strchr(line2, '\n') - out, size - 1);
	assert_true(!strncmp(out, "{\"type\":\"statement\",", 20));
	assert_non_null(strstr(out, q));
	assert_non_null(strstr(out, n));
	free(q);
	free(n);
	free(out);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_long_hostile_texts),
	};

	return cmocka_run_group_tests_name("json-line", tests, NULL, NULL);
}
