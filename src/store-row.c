/* Records as COPY text-format lines for the results tables. */
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "escape.h"
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

static void who(struct pgn_buf *b, const struct pgn_who *w, const char *client,
		const struct pgn_server *s)
{
	char addr[64];

	pgn_client_addr(client, addr, sizeof(addr));
	field(b, w->user);
	field(b, w->database);
	field(b, client);
	field(b, addr);
	num_or_null(b, s ? s->pid : 0);
	num_or_null(b, s ? s->port : 0);
	field(b, s ? s->data_directory : "");
}

void pgn_row_statement(struct pgn_buf *b, const char *host, const struct pgn_stmt_view *v)
{
	const struct pgn_stmt_rec *r = v->r;
	const struct pgn_traffic *t = &r->t;

	field(b, host);
	field(b, v->time);
	num(b, r->pid);
	num_or_null(b, v->ns_pid);
	field(b, v->session);
	who(b, &v->who, v->client, v->server);
	put(b, "\t", 1);
	pgn_copy_text(b, v->query, v->query_len);
	field(b, v->fingerprint);
	if (v->normalized) {
		put(b, "\t", 1);
		pgn_copy_text(b, v->normalized, strlen(v->normalized));
	} else {
		put(b, "\t\\N", 3);
	}
	field(b, v->protocol);
	field(b, v->error ? "error" : "ok");
	field(b, r->pipelined ? "t" : "f");
	num(b, t->rx.bytes);
	num(b, t->tx.bytes);
	num(b, t->rx.calls);
	num(b, t->tx.calls);
	num(b, t->rx.segs);
	num(b, t->tx.segs);
	num(b, t->rx.ns);
	num(b, t->tx.ns);
	num(b, t->tx_wait_ns);
	num(b, v->exec_ns);
	num(b, v->response_ns);
	num(b, r->srtt_us);
	num(b, t->retrans);
	num(b, r->out_rx_bytes);
	num(b, r->out_tx_bytes);
	put(b, "\n", 1);
}

void pgn_row_session(struct pgn_buf *b, const char *host, const struct pgn_session_view *v)
{
	const struct pgn_session_rec *r = v->r;

	field(b, host);
	field(b, v->session);
	num(b, r->pid);
	num_or_null(b, v->ns_pid);
	who(b, &v->who, v->client, v->server);
	field(b, pgn_transport_name(r->ep.transport));
	field(b, v->start);
	field(b, v->end);
	field(b, v->open ? "t" : "f");
	num(b, v->statements);
	num(b, r->total.rx.bytes);
	num(b, r->total.tx.bytes);
	num(b, r->total.rx.calls);
	num(b, r->total.tx.calls);
	num(b, r->startup.rx.bytes);
	num(b, r->startup.tx.bytes);
	num(b, v->startup_ns);
	num_or_null(b, r->handshake_us);
	num(b, r->unattributed.rx.bytes);
	num(b, r->unattributed.tx.bytes);
	num(b, r->out_rx_bytes);
	num(b, r->out_tx_bytes);
	put(b, "\n", 1);
}
