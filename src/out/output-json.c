/* JSON Lines: one object per record, "type" first; field names are a contract. */
#include <string.h>

#include "escape.h"
#include "fields.h"
#include "output.h"

/* A record's line is built here and written with one call: a stdio call for
 * each key and value was most of the tool's own CPU per statement, and a
 * busy server sends tens of thousands a second. A line longer than this
 * (long texts) goes out in pieces. */
static struct {
	char b[1 << 16];
	size_t len;
} line;

static void line_end(FILE *f)
{
	fwrite(line.b, 1, line.len, f);
	line.len = 0;
}

/*
 * The writers of a field are inlined into each record's function: a key is
 * then a literal whose length and copy the compiler works out, not a
 * strlen and a memcpy call for each of a record's ~40 fields.
 */
#define WRITER static inline __attribute__((always_inline))

/* Where n more bytes go (n <= sizeof(line.b)) */
WRITER char *room(FILE *f, size_t n)
{
	if (sizeof(line.b) - line.len < n)
		line_end(f);
	return line.b + line.len;
}

/* Short pieces: keys, numbers, literals */
WRITER void put(FILE *f, const char *s, size_t n)
{
	memcpy(room(f, n), s, n);
	line.len += n;
}

#define PUT(f, literal) put(f, literal, sizeof(literal) - 1)
#define KEY(name) ",\"" name "\":"

WRITER void str(FILE *f, const char *k, const char *s, size_t len)
{
	size_t used;

	put(f, k, strlen(k));
	PUT(f, "\"");
	while (len) {
		line.len += pgn_escape_json(room(f, 4096), 4096, s, len, &used);
		s += used;
		len -= used;
	}
	PUT(f, "\"");
}

/* Unknown (empty) values are null, never a made-up string. */
WRITER void null(FILE *f, const char *k)
{
	put(f, k, strlen(k));
	PUT(f, "null");
}

WRITER void str_or_null(FILE *f, const char *k, const char *s)
{
	if (*s)
		str(f, k, s, strlen(s));
	else
		null(f, k);
}

WRITER void num(FILE *f, const char *k, unsigned long long v)
{
	char digits[20], *p = digits + sizeof(digits);

	do
		*--p = '0' + v % 10;
	while (v /= 10);
	put(f, k, strlen(k));
	put(f, p, digits + sizeof(digits) - p);
}

WRITER void num_or_null(FILE *f, const char *k, unsigned long long v)
{
	if (v)
		num(f, k, v);
	else
		null(f, k);
}

WRITER void boolean(FILE *f, const char *k, int v)
{
	put(f, k, strlen(k));
	if (v)
		PUT(f, "true");
	else
		PUT(f, "false");
}

WRITER void opt(FILE *f, const char *k, const char *s)
{
	if (s)
		str(f, k, s, strlen(s));
	else
		null(f, k);
}

/* The writer of each kind of field (fields.h) */
#define JSON_STR(f, k, v) str(f, k, v, strlen(v))
#define JSON_STRN(f, k, v) str_or_null(f, k, v)
#define JSON_TEXT(f, k, v) str(f, k, (v).p, (v).len)
#define JSON_NUM(f, k, v) num(f, k, v)
#define JSON_NUMN(f, k, v) num_or_null(f, k, v)
#define JSON_BOOL(f, k, v) boolean(f, k, v)
#define JSON_OPT(f, k, v) opt(f, k, v)
#define JSON_WHERE_B(kind, name, value) JSON_##kind(f, KEY(#name), value);
#define JSON_WHERE_J(kind, name, value) JSON_WHERE_B(kind, name, value)
#define JSON_WHERE_S(kind, name, value)
#define JSON_FIELD(name, kind, where, value) JSON_WHERE_##where(kind, name, value)

static void json_statement(void *ctx, const struct pgn_stmt_view *v)
{
	FILE *f = ctx;
	const struct pgn_stmt_rec *r = v->r;
	const struct pgn_traffic *t = &r->t;

	PUT(f, "{\"type\":\"statement\"");
	PGN_STATEMENT_FIELDS(JSON_FIELD)
	PUT(f, "}\n");
	line_end(f);
}

static void json_session(void *ctx, const struct pgn_session_view *v)
{
	FILE *f = ctx;
	const struct pgn_session_rec *r = v->r;

	PUT(f, "{\"type\":\"session\"");
	PGN_SESSION_FIELDS(JSON_FIELD)
	PUT(f, "}\n");
	line_end(f);
}

static void json_summary(void *ctx, const struct pgn_summary *s)
{
	FILE *f = ctx;
	char seconds[512];	/* any double's %.3f fits */

	PUT(f, "{\"type\":\"summary\"");
	put(f, seconds, snprintf(seconds, sizeof(seconds), KEY("seconds") "%.3f", s->seconds));
	PGN_SUMMARY_FIELDS(JSON_FIELD)
	PUT(f, "}\n");
	line_end(f);
}

const struct pgn_output pgn_output_json = {
	.statement = json_statement,
	.session = json_session,
	.summary = json_summary,
};
