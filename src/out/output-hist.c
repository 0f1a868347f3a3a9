/* --hist METRIC: log2 histograms of a per-statement metric, like bcc's
 * tcprtt: every -i seconds (else at exit), optionally one per local (-b)
 * or remote (-B) address, with the average (-e) and timestamps (-T). */
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "analysis.h"
#include "hist.h"

#define MAX_KEYS 1024

static struct {
	struct pgn_hist_config c;
	int64_t next_ns;	/* next periodic print; 0: only at exit */
	struct keyed {
		char key[64];
		struct pgn_hist h;
	} *tab;
	size_t n;
	uint64_t overflow;	/* statements of addresses beyond MAX_KEYS */
} hs;

static uint64_t metric_value(const struct pgn_stmt_view *v)
{
	uint64_t ms = hs.c.ms;

	switch (hs.c.metric) {
	case PGN_METRIC_RESPONSE: return v->response_ns / (ms ? 1000000 : 1000);
	case PGN_METRIC_EXEC: return v->exec_ns / (ms ? 1000000 : 1000);
	case PGN_METRIC_RTT: return v->r->srtt_us / (ms ? 1000 : 1);
	case PGN_METRIC_TX_BYTES: return v->r->t.tx.bytes;
	default: return v->r->t.rx.bytes;
	}
}

static const char *unit(void)
{
	if (hs.c.metric == PGN_METRIC_TX_BYTES || hs.c.metric == PGN_METRIC_RX_BYTES)
		return "bytes";
	return hs.c.ms ? "msecs" : "usecs";
}

static struct pgn_hist *hist_of(const char *key)
{
	struct keyed *t;

	for (size_t i = 0; i < hs.n; i++)
		if (!strcmp(hs.tab[i].key, key))
			return &hs.tab[i].h;
	if (hs.n == MAX_KEYS || !(t = realloc(hs.tab, (hs.n + 1) * sizeof(*t))))
		return NULL;
	hs.tab = t;
	memset(&t[hs.n], 0, sizeof(t[hs.n]));
	snprintf(t[hs.n].key, sizeof(t[hs.n].key), "%s", key);
	return &t[hs.n++].h;
}

static void hist_statement(void *ctx, const struct pgn_stmt_view *v)
{
	FILE *f = ctx;
	const char *key = hs.c.by == 'b' ? v->laddr : hs.c.by == 'B' ? v->raddr : "";
	struct pgn_hist *h = hist_of(key);

	(void)f;
	if (h)
		pgn_hist_add(h, metric_value(v));
	else
		hs.overflow++;
}

static int by_key(const void *a, const void *b)
{
	return strcmp(((const struct keyed *)a)->key, ((const struct keyed *)b)->key);
}

static void print_all(FILE *f)
{
	char ts[16];
	time_t now = time(NULL);
	struct tm tm;

	fputc('\n', f);
	if (hs.c.timestamps) {
		strftime(ts, sizeof(ts), "%H:%M:%S", localtime_r(&now, &tm));
		fprintf(f, "%-8s\n", ts);
	}
	qsort(hs.tab, hs.n, sizeof(*hs.tab), by_key);
	for (size_t i = 0; i < hs.n; i++) {
		const struct pgn_hist *h = &hs.tab[i].h;

		if (hs.c.by == 'b')
			fprintf(f, "Local Address = %s ", hs.tab[i].key);
		else if (hs.c.by == 'B')
			fprintf(f, "Remote Address = %s ", hs.tab[i].key);
		else
			fputs("All Addresses = ****** ", f);
		if (hs.c.extension)
			fprintf(f, "[AVG %llu]", (unsigned long long)(h->count ? h->sum / h->count : 0));
		fputc('\n', f);
		pgn_hist_print(f, h, unit());
	}
	if (hs.overflow)
		fprintf(f, "(%llu statements from more than %d addresses not shown)\n",
			(unsigned long long)hs.overflow, MAX_KEYS);
	hs.n = 0;
	hs.overflow = 0;
	fflush(f);
}

static void hist_tick(void *ctx, int64_t now_ns, int64_t settled_ns)
{
	FILE *f = ctx;

	(void)settled_ns;
	if (pgn_interval_due(&hs.next_ns, hs.c.interval_s, now_ns))
		print_all(f);
}

static void hist_finish(void *ctx, struct pgn_summary *s)
{
	FILE *f = ctx;

	(void)s;
	print_all(f);
	free(hs.tab);
	hs.tab = NULL;
}

static const struct pgn_output hist_output = {
	.statement = hist_statement,
	.tick = hist_tick,
	.finish = hist_finish,
};

const struct pgn_output *pgn_hist_output(const struct pgn_hist_config *c, int64_t now_ns)
{
	hs.c = *c;
	hs.next_ns = c->interval_s ? now_ns + c->interval_s * 1000000000LL : 0;
	return &hist_output;
}
