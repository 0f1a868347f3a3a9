/* JSON Lines: one object per record, "type" first; field names are a contract. */
#include <string.h>

#include "escape.h"
#include "fields.h"
#include "output.h"

/* Keys and numbers without printf: formatting is most of the tool's own CPU
 * per statement, and a busy server sends tens of thousands a second. */
static void key(FILE *f, const char *key)
{
	fputs(",\"", f);
	fputs(key, f);
	fputs("\":", f);
}

static void str(FILE *f, const char *k, const char *s, size_t len)
{
	key(f, k);
	fputc('"', f);
	pgn_escape_json(f, s, len);
	fputc('"', f);
}

/* Unknown (empty) values are null, never a made-up string. */
static void str_or_null(FILE *f, const char *k, const char *s)
{
	if (*s)
		str(f, k, s, strlen(s));
	else
		key(f, k), fputs("null", f);
}

static void num(FILE *f, const char *k, unsigned long long v)
{
	char digits[20], *p = digits + sizeof(digits);

	do
		*--p = '0' + v % 10;
	while (v /= 10);
	key(f, k);
	fwrite(p, 1, digits + sizeof(digits) - p, f);
}

static void num_or_null(FILE *f, const char *k, unsigned long long v)
{
	if (v)
		num(f, k, v);
	else
		key(f, k), fputs("null", f);
}

/* The writer of each kind of field (fields.h) */
#define JSON_STR(f, k, v) str(f, k, v, strlen(v))
#define JSON_STRN(f, k, v) str_or_null(f, k, v)
#define JSON_TEXT(f, k, v) str(f, k, (v).p, (v).len)
#define JSON_NUM(f, k, v) num(f, k, v)
#define JSON_NUMN(f, k, v) num_or_null(f, k, v)
#define JSON_BOOL(f, k, v) (key(f, k), fputs((v) ? "true" : "false", f))
#define JSON_OPT(f, k, v) opt(f, k, v)
#define JSON_WHERE_B(kind, name, value) JSON_##kind(f, #name, value);
#define JSON_WHERE_J(kind, name, value) JSON_WHERE_B(kind, name, value)
#define JSON_WHERE_S(kind, name, value)
#define JSON_FIELD(name, kind, where, value) JSON_WHERE_##where(kind, name, value)

static void opt(FILE *f, const char *k, const char *s)
{
	if (s)
		str(f, k, s, strlen(s));
	else
		key(f, k), fputs("null", f);
}

static void json_statement(void *ctx, const struct pgn_stmt_view *v)
{
	FILE *f = ctx;
	const struct pgn_stmt_rec *r = v->r;
	const struct pgn_traffic *t = &r->t;

	fputs("{\"type\":\"statement\"", f);
	PGN_STATEMENT_FIELDS(JSON_FIELD)
	fputs("}\n", f);
}

static void json_session(void *ctx, const struct pgn_session_view *v)
{
	FILE *f = ctx;
	const struct pgn_session_rec *r = v->r;

	fputs("{\"type\":\"session\"", f);
	PGN_SESSION_FIELDS(JSON_FIELD)
	fputs("}\n", f);
}

static void json_summary(void *ctx, const struct pgn_summary *s)
{
	FILE *f = ctx;

	fputs("{\"type\":\"summary\"", f);
	fprintf(f, ",\"seconds\":%.3f", s->seconds);
	num(f, "statements", s->statements);
	num(f, "filtered", s->filtered);
	num(f, "sessions", s->sessions);
	num(f, "rx_bytes", s->rx_bytes);
	num(f, "tx_bytes", s->tx_bytes);
	num(f, "lost_records", s->lost_records);
	num(f, "lost_backends", s->lost_backends);
	num(f, "wire_lost_sessions", s->wire_lost);
	num(f, "encrypted_sessions", s->wire_encrypted);
	num(f, "probe_hits", s->probe_hits);
	num(f, "stored", s->stored);
	num(f, "store_dropped", s->store_dropped);
	fputs("}\n", f);
}

const struct pgn_output pgn_output_json = {
	.statement = json_statement,
	.session = json_session,
	.summary = json_summary,
};
