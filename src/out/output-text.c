/* The human report: one block per statement and per session. */
#include <string.h>

#include "escape.h"
#include "output.h"

static const char *size_str(char *buf, size_t len, double v, const char *unit)
{
	static const char *const prefix[] = { "", "Ki", "Mi", "Gi", "Ti" };
	int i = 0;

	while (v >= 1024 && i < 4)
		v /= 1024, i++;
	snprintf(buf, len, i ? "%.1f %s%s" : "%.0f %s%s", v, prefix[i], unit);
	return buf;
}

static const char *ns_str(char *buf, size_t len, unsigned long long ns)
{
	if (ns < 10000)
		snprintf(buf, len, "%llu ns", ns);
	else if (ns < 10000000)
		snprintf(buf, len, "%.1f us", ns / 1e3);
	else if (ns < 10000000000ULL)
		snprintf(buf, len, "%.3f ms", ns / 1e6);
	else
		snprintf(buf, len, "%.3f s", ns / 1e9);
	return buf;
}

/* Names are the client's to choose: escaped like the query text. The
 * server is the one listening on PORT (or postmaster PID). */
static void who_line(FILE *f, const struct pgn_who *w, const char *client, const struct pgn_server *s)
{
	if (*w->user)
		pgn_escape_text(f, w->user, strlen(w->user));
	else
		fputc('?', f);
	fputc('@', f);
	if (*w->database)
		pgn_escape_text(f, w->database, strlen(w->database));
	else
		fputc('?', f);
	fprintf(f, " %s", *client ? client : "?");
	if (s && s->port)
		fprintf(f, " on :%u", s->port);
	else if (s)
		fprintf(f, " on postmaster %d", (int)s->pid);
}

static void dir_line(FILE *f, const char *name, const struct pgn_dir *d)
{
	char b[32], t[32], rate[32];

	fprintf(f, "  %s %10s in %llu calls, %llu segs, %s", name,
		size_str(b, sizeof(b), d->bytes, "B"), (unsigned long long)d->calls,
		(unsigned long long)d->segs, ns_str(t, sizeof(t), d->ns));
	if (d->ns)
		fprintf(f, " (%s)", size_str(rate, sizeof(rate), d->bytes * 1e9 / d->ns, "B/s"));
	fputc('\n', f);
}

static void text_statement(void *ctx, const struct pgn_stmt_view *v)
{
	FILE *f = ctx;
	const struct pgn_stmt_rec *r = v->r;
	char e[32], rs[32], w[32];

	fprintf(f, "%s pid %u ", v->time, r->pid);
	who_line(f, &v->who, v->client, v->server);
	fprintf(f, " %s%s %s\n  query ", v->protocol, r->pipelined ? " pipelined" : "",
		v->error ? "ERROR" : "ok");
	pgn_escape_text(f, v->query, v->query_len);
	fputs(r->truncated ? " [truncated]\n" : "\n", f);
	dir_line(f, "rx", &r->t.rx);
	dir_line(f, "tx", &r->t.tx);
	if (r->out_rx_bytes || r->out_tx_bytes)
		fprintf(f, "  outbound (the backend's own connections) rx %s tx %s\n",
			size_str(e, sizeof(e), r->out_rx_bytes, "B"), size_str(w, sizeof(w), r->out_tx_bytes, "B"));
	fprintf(f, "  exec %s  response %s  tx_wait %s  srtt %u us  retrans %llu  fingerprint %s\n\n",
		ns_str(e, sizeof(e), v->exec_ns), ns_str(rs, sizeof(rs), v->response_ns),
		ns_str(w, sizeof(w), r->t.tx_wait_ns), r->srtt_us,
		(unsigned long long)r->t.retrans, v->fingerprint);
}

static void text_session(void *ctx, const struct pgn_session_view *v)
{
	FILE *f = ctx;
	const struct pgn_session_rec *r = v->r;
	char a[32], b[32], c[32], d[32], s[32];

	fprintf(f, "%s session %s pid %u ", v->end, v->session, r->pid);
	who_line(f, &v->who, v->client, v->server);
	fprintf(f, " %s %s, started %s\n", pgn_transport_name(r->ep.transport),
		v->open ? "still open" : "ended", v->start);
	fprintf(f, "  statements %llu  rx %s in %llu calls  tx %s in %llu calls\n",
		(unsigned long long)v->statements,
		size_str(a, sizeof(a), r->total.rx.bytes, "B"), (unsigned long long)r->total.rx.calls,
		size_str(b, sizeof(b), r->total.tx.bytes, "B"), (unsigned long long)r->total.tx.calls);
	fprintf(f, "  startup rx %s tx %s in %s", size_str(c, sizeof(c), r->startup.rx.bytes, "B"),
		size_str(d, sizeof(d), r->startup.tx.bytes, "B"), ns_str(s, sizeof(s), v->startup_ns));
	if (r->handshake_us)
		fprintf(f, " (TCP handshake %u us)", r->handshake_us);
	fprintf(f, "  unattributed rx %s tx %s\n", size_str(a, sizeof(a), r->unattributed.rx.bytes, "B"),
		size_str(b, sizeof(b), r->unattributed.tx.bytes, "B"));
	if (r->out_rx_bytes || r->out_tx_bytes)
		fprintf(f, "  outbound rx %s tx %s\n", size_str(a, sizeof(a), r->out_rx_bytes, "B"),
			size_str(b, sizeof(b), r->out_tx_bytes, "B"));
	fputc('\n', f);
}

static void text_summary(void *ctx, const struct pgn_summary *s)
{
	FILE *f = ctx;
	char rx[32], tx[32];

	fprintf(f, "Summary: %.1f s, %llu statements (%llu below --min-* filters), %llu sessions, rx %s, tx %s, %llu probe hits, lost records %llu\n",
		s->seconds, (unsigned long long)s->statements, (unsigned long long)s->filtered,
		(unsigned long long)s->sessions, size_str(rx, sizeof(rx), s->rx_bytes, "B"),
		size_str(tx, sizeof(tx), s->tx_bytes, "B"), (unsigned long long)s->probe_hits,
		(unsigned long long)s->lost_records);
	if (s->store)
		fprintf(f, "Stored: %llu rows, %llu dropped\n", (unsigned long long)s->stored,
			(unsigned long long)s->store_dropped);
}

const struct pgn_output pgn_output_text = {
	.statement = text_statement,
	.session = text_session,
	.summary = text_summary,
};
