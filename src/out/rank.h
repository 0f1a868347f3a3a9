#ifndef PGNETPROF_RANK_H
#define PGNETPROF_RANK_H

#include <stddef.h>
#include <stdint.h>

/*
 * Nearest-rank quantiles of a stream of values (--top's p99) in bounded
 * memory: exact up to PGN_RANK_EXACT values, then from a log-linear
 * histogram whose buckets are 1/32 of their power of two wide (the answer
 * is the bucket's top: at most ~3% above the exact one).
 */
#define PGN_RANK_EXACT 1024
#define PGN_RANK_SUB 32		/* buckets per power of two */

struct pgn_rank {
	uint64_t *exact;	/* the values while there are few; sorted by pgn_rank_sort */
	size_t n, cap;
	uint32_t *hist;		/* once there were more: counts per bucket */
	uint64_t total;
};

/* -1 when out of memory (the value is not counted). */
int pgn_rank_add(struct pgn_rank *r, uint64_t v);
/* Sorts the exact values; needed before pgn_rank_percentile. */
void pgn_rank_sort(struct pgn_rank *r);
/* The smallest value with pct percent of all at or below it (0 if none). */
uint64_t pgn_rank_percentile(const struct pgn_rank *r, unsigned pct);
void pgn_rank_free(struct pgn_rank *r);

#endif
