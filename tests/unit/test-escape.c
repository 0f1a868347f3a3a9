/* Escaping of arbitrary bytes for JSON and terminals. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "escape.h"

static char out[1024];

static const char *run(void (*fn)(FILE *, const char *, size_t), const char *s, size_t len)
{
	FILE *f = fmemopen(out, sizeof(out), "w");

	fn(f, s, len);
	fclose(f);
	return out;
}

static void test_json(void **state)
{
	(void)state;
	assert_string_equal(run(pgn_escape_json, "a\"b\\c", 5), "a\\\"b\\\\c");
	assert_string_equal(run(pgn_escape_json, "l1\nl2\t\r", 7), "l1\\nl2\\t\\r");
	assert_string_equal(run(pgn_escape_json, "\x01\x1b\x7f", 3), "\\u0001\\u001b\\u007f");
	assert_string_equal(run(pgn_escape_json, "caf\xc3\xa9 \xe2\x82\xac", 9), "caf\xc3\xa9 \xe2\x82\xac");
	/* invalid UTF-8: stray continuation, truncated, overlong, surrogate */
	assert_string_equal(run(pgn_escape_json, "\x80", 1), "\\ufffd");
	assert_string_equal(run(pgn_escape_json, "x\xe2\x82", 3), "x\\ufffd\\ufffd");
	assert_string_equal(run(pgn_escape_json, "\xc0\xaf", 2), "\\ufffd\\ufffd");
	assert_string_equal(run(pgn_escape_json, "\xed\xa0\x80", 3), "\\ufffd\\ufffd\\ufffd");
	/* C1 control and the JavaScript line separators */
	assert_string_equal(run(pgn_escape_json, "\xc2\x85\xe2\x80\xa8", 5), "\\u0085\\u2028");
	/* an embedded NUL is data too */
	assert_string_equal(run(pgn_escape_json, "a\0b", 3), "a\\u0000b");
}

static void test_text(void **state)
{
	(void)state;
	assert_string_equal(run(pgn_escape_text, "select 1", 8), "select 1");
	assert_string_equal(run(pgn_escape_text, "a\nb\tc\\", 6), "a\\nb\\tc\\\\");
	assert_string_equal(run(pgn_escape_text, "\x1b[31mred", 8), "\\x1b[31mred");
	assert_string_equal(run(pgn_escape_text, "\xff\xc2\x9b", 3), "\\xff\\u009b");
	assert_string_equal(run(pgn_escape_text, "\xe6\x97\xa5", 3), "\xe6\x97\xa5");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_json),
		cmocka_unit_test(test_text),
	};

	return cmocka_run_group_tests_name("escape", tests, NULL, NULL);
}
