#ifndef PGNETPROF_ANALYSIS_H
#define PGNETPROF_ANALYSIS_H

#include <stdbool.h>
#include <stdint.h>

#include "output.h"

/* Outputs that aggregate statements instead of printing each, each set up
 * from a config of its own at the start of tracing (now_ns: epoch ns). */

enum pgn_metric {
	PGN_METRIC_NONE = 0,
	PGN_METRIC_RESPONSE,
	PGN_METRIC_EXEC,
	PGN_METRIC_RTT,
	PGN_METRIC_TX_BYTES,
	PGN_METRIC_RX_BYTES,
};

enum pgn_top_sort {
	PGN_SORT_BYTES = 0,
	PGN_SORT_CALLS,
	PGN_SORT_RX,
	PGN_SORT_TX,
	PGN_SORT_TIME,		/* total response time */
	PGN_SORT_P99,
	PGN_SORT_WAIT,
};

struct pgn_hist_config {
	enum pgn_metric metric;	/* --hist; NONE: off */
	bool ms;		/* -m */
	char by;		/* 'b', 'B' or 0 */
	bool extension;		/* -e */
	bool timestamps;	/* -T */
	unsigned interval_s;	/* -i; 0: at exit */
};

struct pgn_model_config {
	double interval_s;	/* --model; 0: off */
	double quantile;
};

struct pgn_top_config {
	unsigned n;		/* --top; 0: off */
	enum pgn_top_sort sort;
	unsigned interval_s;	/* -i; 0: at exit */
};

const struct pgn_output *pgn_hist_output(const struct pgn_hist_config *c, int64_t now_ns);
const struct pgn_output *pgn_model_output(const struct pgn_model_config *c);
/* pt-tcp-model's first stage (-f requests) */
const struct pgn_output *pgn_requests_output(void);
const struct pgn_output *pgn_top_output(const struct pgn_top_config *c, int64_t now_ns);

/* Every -i seconds: whether a print is due at now_ns (then *next_ns moves
 * on, skipping intervals missed while busy); never when *next_ns is 0. */
static inline int pgn_interval_due(int64_t *next_ns, unsigned interval_s, int64_t now_ns)
{
	if (!*next_ns || now_ns < *next_ns)
		return 0;
	*next_ns += interval_s * 1000000000LL;
	if (*next_ns <= now_ns)
		*next_ns = now_ns + interval_s * 1000000000LL;
	return 1;
}

#endif
