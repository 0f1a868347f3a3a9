/* --store's rollups: statements summed per interval and key. */
#include <stdlib.h>
#include <string.h>

#include "clock.h"
#include "rollup.h"
#include "store-row.h"

struct pgn_rollup {
	struct pgn_store *store;
	int64_t interval_ns;
	int64_t start_ns;	/* of the interval being summed */
	struct pgn_rollup_row *tab;	/* open addressing, a power of two */
	size_t cap, n;
	uint64_t *seen;		/* fingerprints stored, open addressing */
	size_t seen_cap, seen_n;
};

static int64_t interval_start(const struct pgn_rollup *r, int64_t ns)
{
	return ns - ns % r->interval_ns;
}

struct pgn_rollup *pgn_rollup_new(struct pgn_store *s, unsigned interval_s, int64_t now_ns)
{
	struct pgn_rollup *r = calloc(1, sizeof(*r));

	if (!r)
		return NULL;
	r->store = s;
	r->interval_ns = interval_s * 1000000000LL;
	r->start_ns = interval_start(r, now_ns);
	return r;
}

unsigned pgn_rollup_bucket(uint64_t response_ns)
{
	uint64_t us = response_ns / 1000;
	unsigned b = 0;

	while (us && b < PGN_ROLLUP_BUCKETS - 1) {
		us >>= 1;
		b++;
	}
	return b;
}

static uint64_t hash(const void *p, size_t len)
{
	const unsigned char *s = p;
	uint64_t h = 1469598103934665603ULL;

	for (size_t i = 0; i < len; i++)
		h = (h ^ s[i]) * 1099511628211ULL;
	return h;
}

static size_t slot(const struct pgn_rollup_row *tab, size_t cap, const struct pgn_rollup_key *k)
{
	size_t i = hash(k, sizeof(*k)) & (cap - 1);

	while (tab[i].calls && memcmp(&tab[i].k, k, sizeof(*k)))
		i = (i + 1) & (cap - 1);
	return i;
}

static int grow(struct pgn_rollup *r)
{
	size_t cap = r->cap ? r->cap * 2 : 256;
	struct pgn_rollup_row *tab = calloc(cap, sizeof(*tab));

	if (!tab)
		return -1;
	for (size_t i = 0; i < r->cap; i++)
		if (r->tab[i].calls)
			tab[slot(tab, cap, &r->tab[i].k)] = r->tab[i];
	free(r->tab);
	r->tab = tab;
	r->cap = cap;
	return 0;
}

/* Puts fp in an open-addressing set (0 marks an empty slot); whether it
 * was not there yet. */
static int set_put(uint64_t *t, size_t cap, uint64_t fp)
{
	size_t i = hash(&fp, sizeof(fp)) & (cap - 1);

	for (; t[i]; i = (i + 1) & (cap - 1))
		if (t[i] == fp)
			return 0;
	t[i] = fp;
	return 1;
}

/* Whether the fingerprint is new to this run (then it is remembered). */
static int first_sight(struct pgn_rollup *r, uint64_t fp)
{
	fp |= !fp;
	if ((r->seen_n + 1) * 2 > r->seen_cap) {
		size_t cap = r->seen_cap ? r->seen_cap * 2 : 256;
		uint64_t *t = calloc(cap, sizeof(*t));

		if (!t)
			return 1;	/* stored again: the database keeps one */
		for (size_t j = 0; j < r->seen_cap; j++)
			if (r->seen[j])
				set_put(t, cap, r->seen[j]);
		free(r->seen);
		r->seen = t;
		r->seen_cap = cap;
	}
	if (!set_put(r->seen, r->seen_cap, fp))
		return 0;
	r->seen_n++;
	return 1;
}

static void key_of(const struct pgn_stmt_view *v, struct pgn_rollup_key *k)
{
	memset(k, 0, sizeof(*k));
	k->fingerprint = strtoull(v->fingerprint, NULL, 16);
	if (v->server) {
		k->server_port = v->server->port;
		snprintf(k->data_directory, sizeof(k->data_directory), "%.*s", (int)sizeof(k->data_directory) - 1,
			 v->server->data_directory);
	}
	snprintf(k->database, sizeof(k->database), "%s", v->who.database);
	snprintf(k->user, sizeof(k->user), "%s", v->who.user);
	pgn_client_addr(v->client, k->client_addr, sizeof(k->client_addr));
	snprintf(k->protocol, sizeof(k->protocol), "%s", v->protocol);
}

static void add(struct pgn_rollup_row *row, const struct pgn_stmt_view *v)
{
	const struct pgn_traffic *t = &v->r->t;

	row->calls++;
	row->errors += !!v->error;
	row->rx_bytes += t->rx.bytes;
	row->tx_bytes += t->tx.bytes;
	row->rx_calls += t->rx.calls;
	row->tx_calls += t->tx.calls;
	row->rx_segs += t->rx.segs;
	row->tx_segs += t->tx.segs;
	row->rx_ns += t->rx.ns;
	row->tx_ns += t->tx.ns;
	row->tx_wait_ns += t->tx_wait_ns;
	row->exec_ns += v->exec_ns;
	row->response_ns += v->response_ns;
	if (v->response_ns > row->max_response_ns)
		row->max_response_ns = v->response_ns;
	row->retrans += t->retrans;
	row->hist[pgn_rollup_bucket(v->response_ns)]++;
}

static void rollup_statement(void *ctx, const struct pgn_stmt_view *v)
{
	struct pgn_rollup *r = ctx;
	struct pgn_rollup_key k;
	struct pgn_rollup_row *row;

	key_of(v, &k);
	if (first_sight(r, k.fingerprint))
		pgn_store_fingerprint(r->store, v);
	if ((r->n + 1) * 2 > r->cap && grow(r)) {
		pgn_store_drop(r->store);	/* no memory: counted as a dropped row */
		return;
	}
	row = &r->tab[slot(r->tab, r->cap, &k)];
	if (!row->calls) {
		row->k = k;
		r->n++;
	}
	add(row, v);
}

/* The interval's rows to the store, ending at end_ns. */
static void flush(struct pgn_rollup *r, int64_t end_ns)
{
	for (size_t i = 0; i < r->cap; i++) {
		if (!r->tab[i].calls)
			continue;
		r->tab[i].start_ns = r->start_ns;
		r->tab[i].seconds = (end_ns - r->start_ns + 999999999) / 1000000000;
		pgn_store_rollup(r->store, &r->tab[i]);
	}
	if (r->n)
		memset(r->tab, 0, r->cap * sizeof(*r->tab));
	r->n = 0;
}

static void rollup_tick(void *ctx, int64_t now_ns, int64_t settled_ns)
{
	struct pgn_rollup *r = ctx;

	(void)settled_ns;
	if (now_ns < r->start_ns + r->interval_ns)
		return;
	flush(r, r->start_ns + r->interval_ns);
	r->start_ns = interval_start(r, now_ns);
}

static void rollup_finish(void *ctx, struct pgn_summary *s)
{
	struct pgn_rollup *r = ctx;
	int64_t now = pgn_real_ns(), end = r->start_ns + r->interval_ns;

	(void)s;
	flush(r, now < end ? now : end);
}

const struct pgn_output pgn_output_rollup = {
	.statement = rollup_statement,
	.tick = rollup_tick,
	.finish = rollup_finish,
	.every_statement = 1,
};

void pgn_rollup_free(struct pgn_rollup *r)
{
	if (!r)
		return;
	free(r->tab);
	free(r->seen);
	free(r);
}
