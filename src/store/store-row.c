/* Records as COPY text-format lines for the results tables. */
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "escape.h"
#include "rollup.h"
#include "store-row.h"

void pgn_buf_free(struct pgn_buf *b)
{
	free(b->p);
	memset(b, 0, sizeof(*b));
}

static int reserve(struct pgn_buf *b, size_t more)
{
	size_t cap = b->cap ? b->cap : 512;
	char *p;

	if (b->failed)
		return -1;
	if (b->len + more <= b->cap)
		return 0;
	while (cap < b->len + more)
		cap *= 2;
	p = realloc(b->p, cap);
	if (!p) {
		b->failed = 1;
		return -1;
	}
	b->p = p;
	b->cap = cap;
	return 0;
}

static void put(struct pgn_buf *b, const char *s, size_t len)
{
	if (reserve(b, len))
		return;
	memcpy(b->p + b->len, s, len);
	b->len += len;
}

static void putf(struct pgn_buf *b, const char *fmt, ...)
{
	char tmp[64];
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(tmp, sizeof(tmp), fmt, ap);
	va_end(ap);
	put(b, tmp, n < (int)sizeof(tmp) ? (size_t)n : sizeof(tmp) - 1);
}

void pgn_copy_text(struct pgn_buf *b, const char *str, size_t len)
{
	const unsigned char *s = (const unsigned char *)str;
	size_t i = 0, n;
	unsigned cp;

	while (i < len) {
		n = pgn_utf8_decode(s + i, len - i, &cp);
		if (!n) {
			put(b, "\xef\xbf\xbd", 3);
			i++;
			continue;
		}
		switch (s[i]) {
		case 0: break;
		case '\\': put(b, "\\\\", 2); break;
		case '\n': put(b, "\\n", 2); break;
		case '\r': put(b, "\\r", 2); break;
		case '\t': put(b, "\\t", 2); break;
		default: put(b, str + i, n);
		}
		i += n;
	}
}

void pgn_client_addr(const char *client, char *out, size_t len)
{
	const char *end;

	out[0] = 0;
	if (client[0] == '[') {
		end = strchr(client, ']');
		if (!end || !strcmp(client, "[local]"))
			return;
		client++;
	} else {
		end = strrchr(client, ':');
		if (!end)
			return;
	}
	if ((size_t)(end - client) < len)
		snprintf(out, len, "%.*s", (int)(end - client), client);
}

/* Fields: tab-separated; empty strings are unknown values, stored as NULL. */
static void field(struct pgn_buf *b, const char *s)
{
	if (b->len && b->p[b->len - 1] != '\n')
		put(b, "\t", 1);
	if (*s)
		pgn_copy_text(b, s, strlen(s));
	else
		put(b, "\\N", 2);
}

static void num(struct pgn_buf *b, unsigned long long v)
{
	putf(b, "\t%llu", v);
}

static void num_or_null(struct pgn_buf *b, unsigned long long v)
{
	if (v)
		num(b, v);
	else
		put(b, "\t\\N", 3);
}

static void opt(struct pgn_buf *b, const char *s)
{
	if (s) {
		put(b, "\t", 1);
		pgn_copy_text(b, s, strlen(s));
	} else {
		put(b, "\t\\N", 3);
	}
}

static void text(struct pgn_buf *b, struct pgn_span s)
{
	put(b, "\t", 1);
	pgn_copy_text(b, s.p, s.len);
}

/* The writer of each kind of field (fields.h) */
#define ROW_STR(b, v) field(b, v)
#define ROW_STRN(b, v) field(b, v)
#define ROW_TEXT(b, v) text(b, v)
#define ROW_NUM(b, v) num(b, v)
#define ROW_NUMN(b, v) num_or_null(b, v)
#define ROW_BOOL(b, v) field(b, (v) ? "t" : "f")
#define ROW_OPT(b, v) opt(b, v)
#define ROW_WHERE_B(kind, value) ROW_##kind(b, value);
#define ROW_WHERE_S(kind, value) ROW_WHERE_B(kind, value)
#define ROW_WHERE_J(kind, value)
#define ROW_FIELD(name, kind, where, value) ROW_WHERE_##where(kind, value)

void pgn_row_statement(struct pgn_buf *b, const char *host, const struct pgn_stmt_view *v)
{
	const struct pgn_stmt_rec *r = v->r;
	const struct pgn_traffic *t = &r->t;
	char client_addr[64];

	pgn_client_addr(v->client, client_addr, sizeof(client_addr));
	field(b, host);
	PGN_STATEMENT_FIELDS(ROW_FIELD)
	put(b, "\n", 1);
}

void pgn_row_session(struct pgn_buf *b, const char *host, const struct pgn_session_view *v)
{
	const struct pgn_session_rec *r = v->r;
	char client_addr[64];

	pgn_client_addr(v->client, client_addr, sizeof(client_addr));
	field(b, host);
	PGN_SESSION_FIELDS(ROW_FIELD)
	put(b, "\n", 1);
}

/* The columns of pgn_row_rollup and pgn_row_fingerprint */
const char pgn_rollup_columns[] = "host, start, seconds, server_port, data_directory, fingerprint, "
	"database, \"user\", client_addr, protocol, calls, errors, rx_bytes, tx_bytes, rx_calls, tx_calls, "
	"rx_segs, tx_segs, rx_ns, tx_ns, tx_wait_ns, exec_ns, response_ns, max_response_ns, retrans, "
	"response_hist";
const char pgn_fingerprint_columns[] = "fingerprint, normalized, query, first_seen";

static void timestamp(struct pgn_buf *b, int64_t ns)
{
	time_t sec = ns / 1000000000LL;
	struct tm tm;

	gmtime_r(&sec, &tm);
	putf(b, "\t%04d-%02d-%02d %02d:%02d:%02d+00", tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday,
	     tm.tm_hour, tm.tm_min, tm.tm_sec);
}

void pgn_row_rollup(struct pgn_buf *b, const char *host, const struct pgn_rollup_row *r)
{
	const uint64_t sums[] = {
		r->calls, r->errors, r->rx_bytes, r->tx_bytes, r->rx_calls, r->tx_calls, r->rx_segs,
		r->tx_segs, r->rx_ns, r->tx_ns, r->tx_wait_ns, r->exec_ns, r->response_ns,
		r->max_response_ns, r->retrans,
	};

	field(b, host);
	timestamp(b, r->start_ns);
	num(b, r->seconds);
	num_or_null(b, r->k.server_port);
	field(b, r->k.data_directory);
	putf(b, "\t%016llx", (unsigned long long)r->k.fingerprint);
	field(b, r->k.database);
	field(b, r->k.user);
	field(b, r->k.client_addr);
	field(b, r->k.protocol);
	for (size_t i = 0; i < sizeof(sums) / sizeof(sums[0]); i++)
		num(b, sums[i]);
	for (int i = 0; i < PGN_ROLLUP_BUCKETS; i++)
		putf(b, "%s%llu", i ? "," : "\t{", (unsigned long long)r->hist[i]);
	put(b, "}\n", 2);
}

void pgn_row_fingerprint(struct pgn_buf *b, const struct pgn_stmt_view *v, int64_t now_ns)
{
	field(b, v->fingerprint);
	opt(b, v->normalized);
	text(b, (struct pgn_span){ v->query, v->query_len });
	timestamp(b, now_ns);
	put(b, "\n", 1);
}
