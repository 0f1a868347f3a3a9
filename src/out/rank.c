/* Quantiles exact while values are few, from a log-linear histogram after. */
#include <stdlib.h>

#include "rank.h"

#define LOG_SUB 5	/* PGN_RANK_SUB = 1 << LOG_SUB */
#define BUCKETS (PGN_RANK_SUB + (64 - LOG_SUB) * PGN_RANK_SUB)

/* Values below PGN_RANK_SUB have a bucket each; above, a power of two
 * 2^e is split into PGN_RANK_SUB buckets by the bits after the top one. */
static size_t bucket(uint64_t v)
{
	int e;

	if (v < PGN_RANK_SUB)
		return v;
	e = 63 - __builtin_clzll(v);
	return PGN_RANK_SUB + (size_t)(e - LOG_SUB) * PGN_RANK_SUB +
	       ((v >> (e - LOG_SUB)) & (PGN_RANK_SUB - 1));
}

/* The largest value in bucket b. */
static uint64_t bucket_top(size_t b)
{
	size_t e, sub;

	if (b < PGN_RANK_SUB)
		return b;
	e = (b - PGN_RANK_SUB) / PGN_RANK_SUB + LOG_SUB;
	sub = (b - PGN_RANK_SUB) % PGN_RANK_SUB;
	return ((uint64_t)(PGN_RANK_SUB + sub + 1) << (e - LOG_SUB)) - 1;
}

static int to_hist(struct pgn_rank *r)
{
	r->hist = calloc(BUCKETS, sizeof(*r->hist));
	if (!r->hist)
		return -1;
	for (size_t i = 0; i < r->n; i++)
		r->hist[bucket(r->exact[i])]++;
	free(r->exact);
	r->exact = NULL;
	r->n = r->cap = 0;
	return 0;
}

int pgn_rank_add(struct pgn_rank *r, uint64_t v)
{
	uint64_t *e;

	if (!r->hist && r->n == PGN_RANK_EXACT && to_hist(r))
		return -1;
	if (r->hist) {
		r->hist[bucket(v)]++;
	} else {
		if (r->n == r->cap) {
			e = realloc(r->exact, (r->cap ? r->cap * 2 : 16) * sizeof(*e));
			if (!e)
				return -1;
			r->exact = e;
			r->cap = r->cap ? r->cap * 2 : 16;
		}
		r->exact[r->n++] = v;
	}
	r->total++;
	return 0;
}

static int by_u64(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;

	return (x > y) - (x < y);
}

void pgn_rank_sort(struct pgn_rank *r)
{
	if (r->exact)
		qsort(r->exact, r->n, sizeof(*r->exact), by_u64);
}

uint64_t pgn_rank_percentile(const struct pgn_rank *r, unsigned pct)
{
	uint64_t rank = (r->total * pct + 99) / 100, seen = 0;	/* ceil, in integers */

	if (!r->total)
		return 0;
	if (rank < 1)
		rank = 1;
	if (!r->hist)
		return r->exact[rank - 1];
	for (size_t b = 0; b < BUCKETS; b++)
		if ((seen += r->hist[b]) >= rank)
			return bucket_top(b);
	return 0;
}

void pgn_rank_free(struct pgn_rank *r)
{
	free(r->exact);
	free(r->hist);
	*r = (struct pgn_rank){ 0 };
}
