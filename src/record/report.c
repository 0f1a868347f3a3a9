/* From kernel records to rows: wall-clock times, who, client, fingerprint. */
#include <arpa/inet.h>
#include <ctype.h>
#include <stdlib.h>
#include <strings.h>
#include <string.h>
#include <time.h>

#include "answers.h"
#include "clock.h"
#include "fingerprint.h"
#include "merge.h"
#include "prepared.h"
#include "record.h"
#include "redact.h"
#include "report.h"

void pgn_report_init(struct pgn_report *r)
{
	memset(r, 0, sizeof(*r));
	r->mono_to_real_ns = pgn_mono_to_real_ns();
}

void pgn_report_add_sink(struct pgn_report *r, const struct pgn_output *out, void *ctx)
{
	if (!out || r->nsinks == PGN_SINKS_MAX)
		return;
	r->sinks[r->nsinks++] = (struct pgn_sink){ out, ctx };
	r->aggregates |= out->every_statement;
}

int pgn_report_needs_settled(const struct pgn_report *r)
{
	for (unsigned i = 0; i < r->nsinks; i++)
		if (r->sinks[i].out->needs_settled)
			return 1;
	return 0;
}

void pgn_report_tick(struct pgn_report *r, int64_t now_ns, int64_t settled_ns)
{
	for (unsigned i = 0; i < r->nsinks; i++)
		if (r->sinks[i].out->tick)
			r->sinks[i].out->tick(r->sinks[i].ctx, now_ns, settled_ns);
}

/* RFC 3339 UTC to the microsecond; the date and time of day are formatted
 * once a second (records come in thousands a second). */
static void rfc3339(struct pgn_report *r, uint64_t mono_ns, char *buf, size_t len)
{
	int64_t ns = (int64_t)mono_ns + r->mono_to_real_ns;
	time_t sec = ns / 1000000000LL;
	unsigned us = (ns % 1000000000LL) / 1000 % 1000000;
	char frac[] = ".000000Z";
	size_t n;
	struct tm tm;

	if (sec != r->second || !r->second_str[0]) {
		gmtime_r(&sec, &tm);
		snprintf(r->second_str, sizeof(r->second_str), "%04d-%02d-%02dT%02d:%02d:%02d",
			 tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec);
		r->second = sec;
	}
	for (int i = 6; i > 0; i--, us /= 10)
		frac[i] = '0' + us % 10;
	n = strlen(r->second_str);
	if (n + sizeof(frac) > len) {
		*buf = 0;
		return;
	}
	memcpy(buf, r->second_str, n);
	memcpy(buf + n, frac, sizeof(frac));
}

/* Like PostgreSQL's %c: hex start time and hex pid. */
static void session_id(const struct pgn_report *r, uint64_t start_ns, uint32_t pid, char *buf, size_t len)
{
	snprintf(buf, len, "%llx.%x",
		 (unsigned long long)(((int64_t)start_ns + r->mono_to_real_ns) / 1000000000LL), pid);
}

/* An address of an endpoint (v4-mapped IPv6 shown as IPv4); returns
 * whether it is IPv6, which needs brackets before a port. */
static int addr_str(const struct pgn_endpoint *ep, const uint8_t *addr, char *buf, size_t len)
{
	static const uint8_t v4mapped[12] = { 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff };
	char a[INET6_ADDRSTRLEN] = "";
	int v6 = 0;

	switch (ep->transport) {
	case PGN_TRANSPORT_TCP4:
		inet_ntop(AF_INET, addr, a, sizeof(a));
		break;
	case PGN_TRANSPORT_TCP6:
		v6 = memcmp(addr, v4mapped, sizeof(v4mapped)) != 0;
		inet_ntop(v6 ? AF_INET6 : AF_INET, v6 ? addr : addr + 12, a, sizeof(a));
		break;
	case PGN_TRANSPORT_UNIX:
		snprintf(a, sizeof(a), "[local]");
		break;
	}
	snprintf(buf, len, "%s", a);
	return v6;
}

/* client "addr:port", "[v6addr]:port" or "[local]"; addresses alone */
static void endpoint_strs(const struct pgn_endpoint *ep, char *client, size_t clen,
			  char *laddr, char *raddr, size_t alen)
{
	int v6 = addr_str(ep, ep->raddr, raddr, alen);

	addr_str(ep, ep->laddr, laddr, alen);
	if (ep->transport == PGN_TRANSPORT_UNIX || !*raddr)
		snprintf(client, clen, "%s", raddr);
	else
		snprintf(client, clen, v6 ? "[%s]:%u" : "%s:%u", raddr, ep->rport);
}

/* The text shown: with --redact, no constant and no comment ever appear,
 * in the text or in its normalized form (which libpg_query leaves with the
 * constants of utility statements and the comments). */
static void shown_query(const struct pgn_report *r, struct pgn_stmt_view *v)
{
	static char redacted[PGN_QUERY_MAX];

	v->query = v->r->query;
	v->query_len = v->r->query_len;
	if (!r->redact)
		return;
	v->query_len = pgn_redact(v->r->query, v->r->query_len, v->normalized != NULL, redacted,
				  sizeof(redacted));
	v->query = redacted;
	if (v->normalized)
		v->normalized = redacted;
}

/* A ROLLBACK takes its transaction down without failing. */
static int is_rollback(const char *q, size_t len)
{
	size_t i = 0, n;

	while (i < len && strchr(" \t\r\n", q[i]))
		i++;
	for (n = 0; i + n < len && isalpha((unsigned char)q[i + n]); n++)
		;
	return (n == 8 && !strncasecmp(q + i, "rollback", 8)) || (n == 5 && !strncasecmp(q + i, "abort", 5));
}

static int64_t real_ns(const struct pgn_report *r, uint64_t mono_ns)
{
	return mono_ns ? (int64_t)mono_ns + r->mono_to_real_ns : 0;
}

static uint64_t span(uint64_t from, uint64_t to)
{
	return from && to > from ? to - from : 0;
}

/*
 * The execution of a prepared statement with its Parse round trip: one
 * statement, its traffic summed, arriving with the Parse; its response
 * time is both cycles' (not the client's pause between them).
 */
static const struct pgn_stmt_rec *with_parse(const struct pgn_stmt_rec *rec, const struct pgn_stmt_rec *parse)
{
	static struct pgn_stmt_rec m;

	memcpy(&m, rec, pgn_stmt_rec_size(rec));
	pgn_traffic_add(&m.t, &parse->t);
	m.out_rx_bytes += parse->out_rx_bytes;
	m.portal_ns += parse->portal_ns;
	m.out_tx_bytes += parse->out_tx_bytes;
	if (parse->request_ns)
		m.request_ns = parse->request_ns;
	m.protocol = PGN_PROTO_EXTENDED;
	m.status |= parse->status;
	m.aborted |= parse->aborted;
	m.pipelined |= parse->pipelined;
	return &m;
}

/* A backend's latest endpoint record, with what its statements show of it
 * formatted once; it precedes all its statements. */
struct kept_endpoint {
	struct pgn_endpoint_rec rec;
	char session[40];
	struct pgn_who who;
	char client[64], laddr[48], raddr[48];
};

/* NULL when the kernel sent none for this process (a pid reused, or
 * records lost) */
static const struct kept_endpoint *endpoint_of(const struct pgn_report *r, uint32_t pid,
					       uint64_t proc_start_ns)
{
	const struct kept_endpoint *k = pgn_pidtab_get(&r->endpoints, pid);

	return k && k->rec.proc_start_ns == proc_start_ns ? k : NULL;
}

static int keep_endpoint(struct pgn_report *r, const struct pgn_endpoint_rec *rec)
{
	struct kept_endpoint *k = pgn_pidtab_get(&r->endpoints, rec->pid);

	if (!k) {
		k = malloc(sizeof(*k));
		if (!k || pgn_pidtab_put(&r->endpoints, rec->pid, k)) {
			free(k);
			return -1;
		}
	}
	k->rec = *rec;
	session_id(r, rec->proc_start_ns, rec->pid, k->session, sizeof(k->session));
	pgn_who_of(&rec->ep, &k->who);
	endpoint_strs(&rec->ep, k->client, sizeof(k->client), k->laddr, k->raddr, sizeof(k->laddr));
	return 0;
}

/* Who and where a statement's backend is, from its kept endpoint. */
static void statement_endpoint(const struct pgn_report *r, const struct pgn_stmt_rec *rec,
			       struct pgn_stmt_view *v)
{
	static const struct kept_endpoint unknown;
	const struct kept_endpoint *k = endpoint_of(r, rec->pid, rec->proc_start_ns);

	_Static_assert(sizeof(k->client) == sizeof(v->client) && sizeof(k->laddr) == sizeof(v->laddr) &&
		       sizeof(k->raddr) == sizeof(v->raddr) && sizeof(k->session) == sizeof(v->session),
		       "a kept endpoint's strings fit the view's");
	if (!k) {
		k = &unknown;
		session_id(r, rec->proc_start_ns, rec->pid, v->session, sizeof(v->session));
	} else {
		memcpy(v->session, k->session, sizeof(v->session));
	}
	v->who = k->who;
	memcpy(v->client, k->client, sizeof(v->client));
	memcpy(v->laddr, k->laddr, sizeof(v->laddr));
	memcpy(v->raddr, k->raddr, sizeof(v->raddr));
	v->server = pgn_server_of(k->rec.ep.server_pid);
	v->ns_pid = k->rec.ep.ns_pid != rec->pid ? k->rec.ep.ns_pid : 0;
	v->rport = k->rec.ep.rport;
}

static void statement(struct pgn_report *r, const struct pgn_stmt_rec *rec, const struct pgn_stmt_rec *parse)
{
	struct pgn_stmt_view v = { .r = rec };
	struct pgn_text_info text;
	uint64_t end = rec->done_ns ? rec->done_ns : rec->last_tx_ns;
	int filtered;

	v.exec_ns = r->executor_times ? rec->portal_ns : span(rec->start_ns, end);
	v.response_ns = span(rec->request_ns, rec->last_tx_ns);
	if (parse) {
		v.response_ns += span(parse->request_ns, parse->last_tx_ns);
		v.r = rec = with_parse(rec, parse);
	}
	filtered = rec->t.rx.bytes + rec->t.tx.bytes < r->min_bytes || v.response_ns < r->min_duration_ns;
	if (filtered) {
		r->sum.filtered++;
		if (!r->aggregates)
			return;
	}
	rfc3339(r, rec->request_ns ? rec->request_ns : rec->start_ns, v.time, sizeof(v.time));
	statement_endpoint(r, rec, &v);
	pgn_text_analyze(rec->query, rec->query_len, &text);
	memcpy(v.fingerprint, text.fingerprint, sizeof(v.fingerprint));
	v.normalized = text.normalized;
	shown_query(r, &v);
	v.error = rec->status != PGN_STMT_OK || (rec->aborted && !is_rollback(rec->query, rec->query_len));
	v.arrival_ns = real_ns(r, rec->request_ns);
	v.completion_ns = real_ns(r, rec->last_tx_ns);
	v.protocol = pgn_protocol_of(rec) == PGN_PROTO_EXTENDED ? "extended" : "simple";
	if (!filtered) {
		r->sum.statements++;
		r->sum.rx_bytes += rec->t.rx.bytes;
		r->sum.tx_bytes += rec->t.tx.bytes;
	}
	for (unsigned i = 0; i < r->nsinks; i++)
		if (r->sinks[i].out->statement && (!filtered || r->sinks[i].out->every_statement))
			r->sinks[i].out->statement(r->sinks[i].ctx, &v);
}

/* A statement whose response is complete (see answers.h), with the Parse
 * round trip held before it when it is that Parse's execution. */
static void report_answered(void *arg, const struct pgn_stmt_rec *rec)
{
	struct pgn_report *r = arg;
	struct pgn_stmt_rec *parse = pgn_merge_take(rec->pid);

	if (parse && pgn_merge_is_execution(rec) && parse->query_len == rec->query_len &&
	    !memcmp(parse->query, rec->query, rec->query_len)) {
		statement(r, rec, parse);
		pgn_merge_count(rec->pid);
		free(parse);
		return;
	}
	if (parse)
		statement(r, parse, NULL);
	free(parse);
	if (pgn_merge_is_parse_only(rec) && !pgn_merge_hold(rec))
		return;
	statement(r, rec, NULL);
}

static void report_statement(struct pgn_report *r, const struct pgn_stmt_rec *rec)
{
	rec = pgn_prepared_resolve(rec);
	if (!pgn_answers_statement(rec, report_answered, r))
		report_answered(r, rec);
}

void pgn_report_finish(struct pgn_report *r)
{
	struct pgn_stmt_rec *parse;
	size_t pos = 0;
	uint32_t pid;
	void *ep;

	pgn_answers_release(0, report_answered, r);
	while ((parse = pgn_merge_take_any())) {
		statement(r, parse, NULL);
		free(parse);
	}
	for (unsigned i = 0; i < r->nsinks; i++)
		if (r->sinks[i].out->finish)
			r->sinks[i].out->finish(r->sinks[i].ctx, &r->sum);
	while (pgn_pidtab_next(&r->endpoints, &pos, &pid, &ep))
		free(ep);
	pgn_pidtab_clear(&r->endpoints);
}

static void session(struct pgn_report *r, const struct pgn_session_rec *rec, int open)
{
	struct pgn_session_view v = { .r = rec, .open = open };
	struct pgn_stmt_rec *parse;

	pgn_answers_release(rec->pid, report_answered, r);
	parse = pgn_merge_take(rec->pid);
	if (parse)
		statement(r, parse, NULL);
	free(parse);
	v.statements = rec->statements - pgn_merge_forget(rec->pid);

	session_id(r, rec->proc_start_ns, rec->pid, v.session, sizeof(v.session));
	rfc3339(r, rec->proc_start_ns, v.start, sizeof(v.start));
	rfc3339(r, rec->end_ns, v.end, sizeof(v.end));
	pgn_who_of(&rec->ep, &v.who);
	v.server = pgn_server_of(rec->ep.server_pid);
	v.ns_pid = rec->ep.ns_pid != rec->pid ? rec->ep.ns_pid : 0;
	endpoint_strs(&rec->ep, v.client, sizeof(v.client), v.laddr, v.raddr, sizeof(v.laddr));
	v.startup_ns = span(rec->first_rx_ns, rec->startup_done_ns);
	r->sum.sessions++;
	for (unsigned i = 0; i < r->nsinks; i++)
		if (r->sinks[i].out->session)
			r->sinks[i].out->session(r->sinks[i].ctx, &v);
	free(pgn_pidtab_take(&r->endpoints, rec->pid));
}

static int report_record(struct pgn_report *r, const void *data, size_t size)
{
	struct pgn_rec_id id;

	if (pgn_rec_parse(data, size, &id))
		return -1;
	switch (id.type) {
	case PGN_REC_STATEMENT:
		report_statement(r, data);
		return 0;
	case PGN_REC_SESSION:
	case PGN_REC_SESSION_OPEN:
		session(r, data, id.type == PGN_REC_SESSION_OPEN);
		return 0;
	case PGN_REC_ENDPOINT:
		return keep_endpoint(r, data);
	default:	/* PGN_REC_ANSWER */
		pgn_answers_answer(data, report_answered, r);
		return 0;
	}
}

void pgn_report_deliver(void *arg, const void *rec, size_t size)
{
	if (report_record(arg, rec, size))
		fprintf(stderr, "pgnetprof: skipped a malformed record (%zu bytes)\n", size);
}
