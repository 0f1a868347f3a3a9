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

/* JSON escaping into room bytes at a time, as the JSON writer goes on
 * when its line is full: the result must not depend on where it stops. */
static const char *json_in(size_t room, const char *s, size_t len)
{
	char piece[64];
	size_t o = 0, used, n;

	assert_true(room <= sizeof(piece));
	while (len) {
		n = pgn_escape_json(piece, room, s, len, &used);
		assert_true(n <= room);
		assert_true(used > 0);
		memcpy(out + o, piece, n);
		o += n;
		s += used;
		len -= used;
	}
	out[o] = 0;
	return out;
}

static const char *json(const char *s, size_t len)
{
	char whole[sizeof(out)];

	strcpy(whole, json_in(64, s, len));
	for (size_t room = PGN_JSON_ESCAPE_MAX; room < 64; room++)
		assert_string_equal(json_in(room, s, len), whole);
	return strcpy(out, whole);
}

static void test_json(void **state)
{
	(void)state;
	assert_string_equal(json("a\"b\\c", 5), "a\\\"b\\\\c");
	assert_string_equal(json("l1\nl2\t\r", 7), "l1\\nl2\\t\\r");
	assert_string_equal(json("\x01\x1b\x7f", 3), "\\u0001\\u001b\\u007f");
	assert_string_equal(json("caf\xc3\xa9 \xe2\x82\xac", 9), "caf\xc3\xa9 \xe2\x82\xac");
	/* invalid UTF-8: stray continuation, truncated, overlong, surrogate */
	assert_string_equal(json("\x80", 1), "\\ufffd");
	assert_string_equal(json("x\xe2\x82", 3), "x\\ufffd\\ufffd");
	assert_string_equal(json("\xc0\xaf", 2), "\\ufffd\\ufffd");
	assert_string_equal(json("\xed\xa0\x80", 3), "\\ufffd\\ufffd\\ufffd");
	/* C1 control and the JavaScript line separators */
	assert_string_equal(json("\xc2\x85\xe2\x80\xa8", 5), "\\u0085\\u2028");
	/* an embedded NUL is data too */
	assert_string_equal(json("a\0b", 3), "a\\u0000b");
}

/* Plain text is taken 8 bytes at a time: every byte value, at every place
 * of such a word, is escaped as it is alone. */
static void test_json_every_byte(void **state)
{
	char text[17], alone[16], want[64];

	(void)state;
	for (int b = 0; b < 256; b++) {
		char c = (char)b;

		strcpy(alone, json_in(64, &c, 1));
		for (int at = 0; at < 16; at++) {
			for (int i = 0; i < 16; i++)
				text[i] = 'a' + i;
			text[at] = c;
			text[16] = 0;
			snprintf(want, sizeof(want), "%.*s%s%s", at, text, alone, text + at + 1);
			assert_string_equal(json(text, 16), want);
		}
	}
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
		cmocka_unit_test(test_json_every_byte),
		cmocka_unit_test(test_text),
	};

	return cmocka_run_group_tests_name("escape", tests, NULL, NULL);
}
