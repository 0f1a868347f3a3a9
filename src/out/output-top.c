/* --top N: the normalized statements costing most, per -i interval (or
 * once, at exit): calls, bytes, mean and p99 response, tx_wait share. */
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "analysis.h"
#include "clock.h"
#include "escape.h"
#include "rank.h"

struct group {
	uint64_t key;		/* the fingerprint as a number; 0: empty slot */
	char fingerprint[17];
	char *text;		/* normalized text, else the first text seen */
	uint64_t calls, rx, tx, response_ns, wait_ns;
	struct pgn_rank times;	/* response times, for the p99: bounded memory */
};

static struct {
	struct pgn_top_config c;
	int64_t next_ns, since_ns;
	struct group *tab;	/* open addressing, a power of two */
	size_t cap, n;
	uint64_t statements;
} ts;

static struct group *find(uint64_t key)
{
	size_t i = key & (ts.cap - 1);

	while (ts.tab[i].key && ts.tab[i].key != key)
		i = (i + 1) & (ts.cap - 1);
	return &ts.tab[i];
}

static int grow_table(void)
{
	struct group *old = ts.tab;
	size_t old_cap = ts.cap;

	ts.cap = ts.cap ? ts.cap * 2 : 256;
	ts.tab = calloc(ts.cap, sizeof(*ts.tab));
	if (!ts.tab) {
		ts.tab = old;
		ts.cap = old_cap;
		return -1;
	}
	for (size_t i = 0; i < old_cap; i++)
		if (old[i].key)
			*find(old[i].key) = old[i];
	free(old);
	return 0;
}

static void top_statement(void *ctx, const struct pgn_stmt_view *v)
{
	FILE *f = ctx;
	uint64_t key = strtoull(v->fingerprint, NULL, 16) | 1;	/* never 0 */
	struct group *g;

	(void)f;
	if ((ts.n + 1) * 2 > ts.cap && grow_table())
		return;
	g = find(key);
	if (!g->key) {
		g->key = key;
		memcpy(g->fingerprint, v->fingerprint, sizeof(g->fingerprint));
		g->text = v->normalized ? strdup(v->normalized) : strndup(v->query, v->query_len);
		ts.n++;
	}
	g->calls++;
	g->rx += v->r->t.rx.bytes;
	g->tx += v->r->t.tx.bytes;
	g->response_ns += v->response_ns;
	g->wait_ns += v->r->t.tx_wait_ns;
	pgn_rank_add(&g->times, v->response_ns);
	ts.statements++;
}

/* Nearest-rank p99 (the smallest value with 99% at or below it) of
 * times sorted by print_table. */
static uint64_t p99(const struct group *g)
{
	return pgn_rank_percentile(&g->times, 99);
}

static uint64_t sort_value(const struct group *g)
{
	switch (ts.c.sort) {
	case PGN_SORT_CALLS: return g->calls;
	case PGN_SORT_RX: return g->rx;
	case PGN_SORT_TX: return g->tx;
	case PGN_SORT_TIME: return g->response_ns;
	case PGN_SORT_P99: return p99(g);
	case PGN_SORT_WAIT: return g->wait_ns;
	default: return g->rx + g->tx;
	}
}

static int by_cost(const void *a, const void *b)
{
	uint64_t x = sort_value(*(struct group *const *)a), y = sort_value(*(struct group *const *)b);

	if (x != y)
		return x < y ? 1 : -1;
	return strcmp((*(struct group *const *)a)->fingerprint, (*(struct group *const *)b)->fingerprint);
}

static void print_table(FILE *f, int64_t now_ns)
{
	static const char *const sort_label[] = { "bytes", "calls", "rx bytes", "tx bytes",
						  "response time", "p99 response", "tx wait" };
	struct group **rows = calloc(ts.n ? ts.n : 1, sizeof(*rows));
	size_t n = 0;
	time_t now = now_ns / 1000000000LL;
	char hms[16];
	struct tm tm;

	if (!rows)
		return;
	for (size_t i = 0; i < ts.cap; i++)
		if (ts.tab[i].key) {
			pgn_rank_sort(&ts.tab[i].times);
			rows[n++] = &ts.tab[i];
		}
	qsort(rows, n, sizeof(*rows), by_cost);
	strftime(hms, sizeof(hms), "%H:%M:%S", localtime_r(&now, &tm));
	fprintf(f, "\n%s  top %u of %zu normalized statements by %s, %llu executions in %.1f s\n", hms,
		ts.c.n, n, sort_label[ts.c.sort], (unsigned long long)ts.statements,
		(now_ns - ts.since_ns) / 1e9);
	fprintf(f, "%-16s %8s %12s %12s %11s %11s %7s  %s\n", "FINGERPRINT", "CALLS", "RX_BYTES",
		"TX_BYTES", "MEAN_RESP", "P99_RESP", "TX_WAIT", "QUERY");
	for (size_t i = 0; i < n && i < ts.c.n; i++) {
		struct group *g = rows[i];

		fprintf(f, "%-16s %8llu %12llu %12llu %9.3fms %9.3fms %6.1f%%  ", g->fingerprint,
			(unsigned long long)g->calls, (unsigned long long)g->rx, (unsigned long long)g->tx,
			g->response_ns / 1e6 / g->calls, p99(g) / 1e6,
			g->response_ns ? 100.0 * g->wait_ns / g->response_ns : 0.0);
		pgn_escape_text(f, g->text ? g->text : "", g->text ? strlen(g->text) : 0);
		fputc('\n', f);
	}
	free(rows);
	fflush(f);
}

static void reset(int64_t now_ns)
{
	for (size_t i = 0; i < ts.cap; i++) {
		free(ts.tab[i].text);
		pgn_rank_free(&ts.tab[i].times);
	}
	memset(ts.tab, 0, ts.cap * sizeof(*ts.tab));
	ts.n = 0;
	ts.statements = 0;
	ts.since_ns = now_ns;
}

static void top_tick(void *ctx, int64_t now_ns, int64_t settled_ns)
{
	FILE *f = ctx;

	(void)settled_ns;
	if (!pgn_interval_due(&ts.next_ns, ts.c.interval_s, now_ns))
		return;
	print_table(f, now_ns);
	reset(now_ns);
}

static void top_finish(void *ctx, struct pgn_summary *s)
{
	FILE *f = ctx;

	(void)s;
	print_table(f, pgn_real_ns());
	reset(0);
	free(ts.tab);
	ts.tab = NULL;
	ts.cap = 0;
}

static const struct pgn_output top_output = {
	.statement = top_statement,
	.tick = top_tick,
	.finish = top_finish,
};

const struct pgn_output *pgn_top_output(const struct pgn_top_config *c, int64_t now_ns)
{
	ts.c = *c;
	ts.since_ns = now_ns;
	ts.next_ns = c->interval_s ? now_ns + c->interval_s * 1000000000LL : 0;
	return &top_output;
}
