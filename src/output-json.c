/* JSON Lines: one object per record, "type" first; field names are a contract. */
#include <string.h>

#include "escape.h"
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

static void who(FILE *f, const struct pgn_who *w, const char *client, const struct pgn_server *s)
{
	str_or_null(f, "user", w->user);
	str_or_null(f, "database", w->database);
	str_or_null(f, "client", client);
	num_or_null(f, "server_pid", s ? s->pid : 0);
	num_or_null(f, "server_port", s ? s->port : 0);
	str_or_null(f, "data_directory", s ? s->data_directory : "");
}

static void json_statement(FILE *f, const struct pgn_stmt_view *v)
{
	const struct pgn_stmt_rec *r = v->r;
	const struct pgn_traffic *t = &r->t;

	fputs("{\"type\":\"statement\"", f);
	str(f, "time", v->time, strlen(v->time));
	num(f, "pid", r->pid);
	num_or_null(f, "ns_pid", v->ns_pid);
	str(f, "session", v->session, strlen(v->session));
	who(f, &v->who, v->client, v->server);
	str(f, "query", v->query, v->query_len);
	str(f, "fingerprint", v->fingerprint, strlen(v->fingerprint));
	if (v->normalized)
		str(f, "normalized", v->normalized, strlen(v->normalized));
	else
		fputs(",\"normalized\":null", f);
	str_or_null(f, "protocol", v->protocol);
	str_or_null(f, "status", v->error ? "error" : "ok");
	key(f, "pipelined"), fputs(r->pipelined ? "true" : "false", f);
	num(f, "rx_bytes", t->rx.bytes);
	num(f, "tx_bytes", t->tx.bytes);
	num(f, "rx_calls", t->rx.calls);
	num(f, "tx_calls", t->tx.calls);
	num(f, "rx_segs", t->rx.segs);
	num(f, "tx_segs", t->tx.segs);
	num(f, "rx_ns", t->rx.ns);
	num(f, "tx_ns", t->tx.ns);
	num(f, "tx_wait_ns", t->tx_wait_ns);
	num(f, "exec_ns", v->exec_ns);
	num(f, "response_ns", v->response_ns);
	num(f, "srtt_us", r->srtt_us);
	num(f, "retrans", t->retrans);
	num(f, "outbound_rx_bytes", r->out_rx_bytes);
	num(f, "outbound_tx_bytes", r->out_tx_bytes);
	fputs("}\n", f);
}

static void json_session(FILE *f, const struct pgn_session_view *v)
{
	const struct pgn_session_rec *r = v->r;

	fputs("{\"type\":\"session\"", f);
	str(f, "session", v->session, strlen(v->session));
	num(f, "pid", r->pid);
	num_or_null(f, "ns_pid", v->ns_pid);
	who(f, &v->who, v->client, v->server);
	str_or_null(f, "transport", pgn_transport_name(r->ep.transport));
	str(f, "start", v->start, strlen(v->start));
	str(f, "end", v->end, strlen(v->end));
	num(f, "statements", v->statements);
	num(f, "rx_bytes", r->total.rx.bytes);
	num(f, "tx_bytes", r->total.tx.bytes);
	num(f, "rx_calls", r->total.rx.calls);
	num(f, "tx_calls", r->total.tx.calls);
	num(f, "startup_rx_bytes", r->startup.rx.bytes);
	num(f, "startup_tx_bytes", r->startup.tx.bytes);
	num(f, "startup_ns", v->startup_ns);
	num_or_null(f, "handshake_us", r->handshake_us);
	num(f, "unattributed_rx_bytes", r->unattributed.rx.bytes);
	num(f, "unattributed_tx_bytes", r->unattributed.tx.bytes);
	num(f, "outbound_rx_bytes", r->out_rx_bytes);
	num(f, "outbound_tx_bytes", r->out_tx_bytes);
	fputs("}\n", f);
}

static void json_summary(FILE *f, const struct pgn_summary *s)
{
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
