/* --metrics-listen: statements aggregated per fingerprint for Prometheus. */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "escape.h"
#include "metrics.h"

#ifndef PACKAGE_VERSION
#define PACKAGE_VERSION "unknown"
#endif

/* Fingerprints followed; beyond, statements count in "other" alone. */
#define MAX_FINGERPRINTS 65536
#define QUERY_LABEL_MAX 200

/* The response-time histogram's upper bounds, seconds and ns. */
static const char *const bucket_le[] = {
	"0.0001", "0.00025", "0.0005", "0.001", "0.0025", "0.005", "0.01", "0.025",
	"0.05", "0.1", "0.25", "0.5", "1", "2.5", "5", "10",
};
static const uint64_t bucket_ns[] = {
	100000, 250000, 500000, 1000000, 2500000, 5000000, 10000000, 25000000,
	50000000, 100000000, 250000000, 500000000, 1000000000, 2500000000, 5000000000, 10000000000,
};
#define NBUCKETS (sizeof(bucket_ns) / sizeof(bucket_ns[0]))

/* Each counter of a fingerprint, one array so that sums are one loop. */
enum {
	C_CALLS, C_ERRORS, C_RX_BYTES, C_TX_BYTES, C_NETWORK_NS, C_RESPONSE_NS,
	C_BUCKET0,	/* NBUCKETS of them, not cumulative */
	C_N = C_BUCKET0 + NBUCKETS,
};

struct fingerprint {
	uint64_t key;
	int used, exported;
	uint64_t total[C_N];
	uint64_t base[C_N];	/* total when it last got series of its own */
	char *query;		/* its normalized text, as first seen */
};

struct pgn_metrics {
	pthread_mutex_t lock;
	unsigned top_k;
	const char *probes, *backend;	/* pgnetprof_info's labels */
	struct fingerprint *tab;	/* open addressing, a power of two */
	size_t cap, n;
	size_t exported;	/* fingerprints with series of their own */
	uint64_t all[C_N];	/* every statement's, "other" is this minus the exported */
	uint64_t sessions;
	struct pgn_health health;
};

struct pgn_metrics *pgn_metrics_new(unsigned top_k, const char *probes)
{
	struct pgn_metrics *m = calloc(1, sizeof(*m));

	if (!m)
		return NULL;
	m->top_k = top_k;
	m->probes = probes;
	m->backend = "";
	pthread_mutex_init(&m->lock, NULL);
	return m;
}

void pgn_metrics_set_backend(struct pgn_metrics *m, const char *backend)
{
	pthread_mutex_lock(&m->lock);
	m->backend = backend;
	pthread_mutex_unlock(&m->lock);
}

static uint64_t hex_key(const char *fp)
{
	return strtoull(fp, NULL, 16);
}

static size_t slot_of(const struct fingerprint *tab, size_t cap, uint64_t key)
{
	size_t i = (key * 0x9e3779b97f4a7c15ULL) >> 20 & (cap - 1);

	while (tab[i].used && tab[i].key != key)
		i = (i + 1) & (cap - 1);
	return i;
}

static int grow(struct pgn_metrics *m)
{
	size_t cap = m->cap ? m->cap * 2 : 1024;
	struct fingerprint *tab = calloc(cap, sizeof(*tab));

	if (!tab)
		return -1;
	for (size_t i = 0; i < m->cap; i++)
		if (m->tab[i].used)
			tab[slot_of(tab, cap, m->tab[i].key)] = m->tab[i];
	free(m->tab);
	m->tab = tab;
	m->cap = cap;
	return 0;
}

/* Its entry, made on first sight; NULL beyond MAX_FINGERPRINTS. */
static struct fingerprint *fingerprint_of(struct pgn_metrics *m, const struct pgn_stmt_view *v)
{
	uint64_t key = hex_key(v->fingerprint);
	struct fingerprint *f;

	if (m->cap) {
		f = &m->tab[slot_of(m->tab, m->cap, key)];
		if (f->used)
			return f;
	}
	if (m->n == MAX_FINGERPRINTS || ((m->n + 1) * 2 > m->cap && grow(m)))
		return NULL;
	f = &m->tab[slot_of(m->tab, m->cap, key)];
	f->used = 1;
	f->key = key;
	/* while there is room, a series from its first statement on */
	f->exported = m->exported < m->top_k;
	m->exported += f->exported;
	if (v->normalized)
		f->query = strndup(v->normalized, QUERY_LABEL_MAX);
	else
		f->query = strndup(v->query, v->query_len < QUERY_LABEL_MAX ? v->query_len : QUERY_LABEL_MAX);
	m->n++;
	return f;
}

static void count(uint64_t *c, const struct pgn_stmt_view *v)
{
	const struct pgn_traffic *t = &v->r->t;
	size_t b = 0;

	c[C_CALLS]++;
	c[C_ERRORS] += !!v->error;
	c[C_RX_BYTES] += t->rx.bytes;
	c[C_TX_BYTES] += t->tx.bytes;
	c[C_NETWORK_NS] += t->rx.ns + t->tx.ns + t->tx_wait_ns;
	c[C_RESPONSE_NS] += v->response_ns;
	while (b < NBUCKETS && v->response_ns > bucket_ns[b])
		b++;
	if (b < NBUCKETS)
		c[C_BUCKET0 + b]++;
}

static void metrics_statement(void *ctx, const struct pgn_stmt_view *v)
{
	struct pgn_metrics *m = ctx;
	struct fingerprint *f;

	pthread_mutex_lock(&m->lock);
	count(m->all, v);
	f = fingerprint_of(m, v);
	if (f)
		count(f->total, v);
	pthread_mutex_unlock(&m->lock);
}

static void metrics_session(void *ctx, const struct pgn_session_view *v)
{
	struct pgn_metrics *m = ctx;

	(void)v;
	pthread_mutex_lock(&m->lock);
	m->sessions++;
	pthread_mutex_unlock(&m->lock);
}

const struct pgn_output pgn_output_metrics = {
	.statement = metrics_statement,
	.session = metrics_session,
	.every_statement = 1,
};

void pgn_metrics_set_health(struct pgn_metrics *m, const struct pgn_health *h)
{
	pthread_mutex_lock(&m->lock);
	m->health = *h;
	pthread_mutex_unlock(&m->lock);
}

static uint64_t bytes_of(const struct fingerprint *f)
{
	return f->total[C_RX_BYTES] + f->total[C_TX_BYTES];
}

static int by_bytes(const void *a, const void *b)
{
	uint64_t x = bytes_of(*(struct fingerprint *const *)a), y = bytes_of(*(struct fingerprint *const *)b);

	return x < y ? 1 : x > y ? -1 : 0;
}

/*
 * The top K by bytes get series of their own: one that enters counts from
 * now (its past stays in "other"), one that leaves takes what it counted
 * back to "other", so no series ever goes down. Until K have series, a
 * new fingerprint has one from its first statement.
 */
static struct fingerprint **pick_top(struct pgn_metrics *m, size_t *k)
{
	struct fingerprint **v = malloc((m->n ? m->n : 1) * sizeof(*v));
	size_t n = 0;

	if (!v)
		return NULL;
	for (size_t i = 0; i < m->cap; i++)
		if (m->tab[i].used)
			v[n++] = &m->tab[i];
	qsort(v, n, sizeof(*v), by_bytes);
	*k = n < m->top_k ? n : m->top_k;
	for (size_t i = 0; i < n; i++) {
		int top = i < *k;

		if (top && !v[i]->exported)
			memcpy(v[i]->base, v[i]->total, sizeof(v[i]->base));
		v[i]->exported = top;
	}
	m->exported = *k;
	return v;
}

/* A label value: UTF-8, \ " and newline escaped, controls as spaces. */
static void label(FILE *f, const char *s)
{
	size_t len = strlen(s), n;
	unsigned cp;

	for (size_t i = 0; i < len; i += n) {
		n = pgn_utf8_decode((const unsigned char *)s + i, len - i, &cp);
		if (!n) {
			fputs("\xef\xbf\xbd", f);
			n = 1;
		} else if (s[i] == '\\' || s[i] == '"') {
			fprintf(f, "\\%c", s[i]);
		} else if (s[i] == '\n') {
			fputs("\\n", f);
		} else if (cp < 0x20 || cp == 0x7f) {
			fputc(' ', f);
		} else {
			fwrite(s + i, 1, n, f);
		}
	}
}

/* The per-fingerprint families: name, type, help, the counter or NULL */
static const struct family {
	const char *name, *type, *help;
	int counter;		/* index, or -1: the histogram */
	double scale;		/* ns to seconds */
} families[] = {
	{ "pgnetprof_statements_total", "counter", "Statements reported.", C_CALLS, 1 },
	{ "pgnetprof_statement_errors_total", "counter", "Statements the server answered with an error.", C_ERRORS, 1 },
	{ "pgnetprof_statement_rx_bytes_total", "counter", "Bytes received from the client for statements.", C_RX_BYTES, 1 },
	{ "pgnetprof_statement_tx_bytes_total", "counter", "Bytes sent to the client for statements.", C_TX_BYTES, 1 },
	{ "pgnetprof_statement_network_seconds_total", "counter",
	  "Time inside the statements' send and recv calls, and blocked on a full socket.", C_NETWORK_NS, 1e-9 },
	{ "pgnetprof_statement_response_seconds", "histogram",
	  "First request byte to last response byte, per statement.", -1, 1e-9 },
};

static void series(FILE *f, const struct family *fam, const char *fp, const uint64_t *c)
{
	uint64_t cum = 0;

	if (fam->counter >= 0) {
		if (fam->scale == 1)
			fprintf(f, "%s{fingerprint=\"%s\"} %llu\n", fam->name, fp, (unsigned long long)c[fam->counter]);
		else
			fprintf(f, "%s{fingerprint=\"%s\"} %.9f\n", fam->name, fp, c[fam->counter] * fam->scale);
		return;
	}
	for (size_t b = 0; b < NBUCKETS; b++) {
		cum += c[C_BUCKET0 + b];
		fprintf(f, "%s_bucket{fingerprint=\"%s\",le=\"%s\"} %llu\n", fam->name, fp, bucket_le[b],
			(unsigned long long)cum);
	}
	fprintf(f, "%s_bucket{fingerprint=\"%s\",le=\"+Inf\"} %llu\n", fam->name, fp,
		(unsigned long long)c[C_CALLS]);
	fprintf(f, "%s_sum{fingerprint=\"%s\"} %.9f\n", fam->name, fp, c[C_RESPONSE_NS] * 1e-9);
	fprintf(f, "%s_count{fingerprint=\"%s\"} %llu\n", fam->name, fp, (unsigned long long)c[C_CALLS]);
}

static void statement_families(FILE *f, struct pgn_metrics *m, struct fingerprint **top, size_t k)
{
	uint64_t own[C_N], other[C_N];
	char fp[17];

	memcpy(other, m->all, sizeof(other));
	for (size_t i = 0; i < k; i++)
		for (int c = 0; c < C_N; c++)
			other[c] -= top[i]->total[c] - top[i]->base[c];
	for (size_t j = 0; j < sizeof(families) / sizeof(families[0]); j++) {
		fprintf(f, "# HELP %s %s\n# TYPE %s %s\n", families[j].name, families[j].help, families[j].name,
			families[j].type);
		for (size_t i = 0; i < k; i++) {
			for (int c = 0; c < C_N; c++)
				own[c] = top[i]->total[c] - top[i]->base[c];
			snprintf(fp, sizeof(fp), "%016llx", (unsigned long long)top[i]->key);
			series(f, &families[j], fp, own);
		}
		series(f, &families[j], "other", other);
	}
	fputs("# HELP pgnetprof_statement_info The normalized text of a fingerprint with series of its own.\n"
	      "# TYPE pgnetprof_statement_info gauge\n", f);
	for (size_t i = 0; i < k; i++) {
		fprintf(f, "pgnetprof_statement_info{fingerprint=\"%016llx\",query=\"",
			(unsigned long long)top[i]->key);
		label(f, top[i]->query ? top[i]->query : "");
		fputs("\"} 1\n", f);
	}
}

static void one(FILE *f, const char *name, const char *type, const char *help, uint64_t v)
{
	fprintf(f, "# HELP %s %s\n# TYPE %s %s\n%s %llu\n", name, help, name, type, name, (unsigned long long)v);
}

static void health_families(FILE *f, const struct pgn_metrics *m)
{
	const struct pgn_health *h = &m->health;

	fputs("# HELP pgnetprof_info The tracer: its version, kernel hooks and probe set.\n"
	      "# TYPE pgnetprof_info gauge\n", f);
	fprintf(f, "pgnetprof_info{version=\"%s\",backend=\"%s\",probes=\"%s\"} 1\n", PACKAGE_VERSION,
		m->backend, m->probes);
	one(f, "pgnetprof_sessions_total", "counter", "Sessions reported.", m->sessions);
	one(f, "pgnetprof_fingerprints", "gauge", "Normalized statements seen (at most 65536 followed).", m->n);
	one(f, "pgnetprof_lost_records_total", "counter", "Records lost: the ring buffer was full.", h->lost_records);
	one(f, "pgnetprof_lost_backends_total", "counter", "Backends not followed: no kernel memory for their state.",
	    h->lost_backends);
	one(f, "pgnetprof_wire_lost_sessions_total", "counter",
	    "Sessions whose bytes stopped being the protocol (--probes wire).", h->wire_lost);
	one(f, "pgnetprof_encrypted_sessions_total", "counter", "Encrypted sessions (--probes wire).",
	    h->wire_encrypted);
	one(f, "pgnetprof_probe_hits_total", "counter", "USDT probe hits, all processes of the binary.",
	    h->probe_hits);
	if (!h->store)
		return;
	one(f, "pgnetprof_store_backlog_rows", "gauge", "Rows waiting for the results database.", h->store_backlog);
	one(f, "pgnetprof_stored_rows_total", "counter", "Rows written to the results database.", h->stored);
	one(f, "pgnetprof_store_dropped_rows_total", "counter", "Rows the results database could not take.",
	    h->store_dropped);
}

char *pgn_metrics_render(struct pgn_metrics *m, size_t *len)
{
	struct fingerprint **top;
	char *buf = NULL;
	size_t k = 0;
	FILE *f = open_memstream(&buf, len);

	if (!f)
		return NULL;
	pthread_mutex_lock(&m->lock);
	top = pick_top(m, &k);
	if (top)
		statement_families(f, m, top, k);
	health_families(f, m);
	pthread_mutex_unlock(&m->lock);
	free(top);
	if (fclose(f) || !top) {
		free(buf);
		return NULL;
	}
	return buf;
}

void pgn_metrics_free(struct pgn_metrics *m)
{
	if (!m)
		return;
	for (size_t i = 0; i < m->cap; i++)
		free(m->tab[i].query);
	free(m->tab);
	pthread_mutex_destroy(&m->lock);
	free(m);
}
