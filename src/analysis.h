#ifndef PGNETPROF_ANALYSIS_H
#define PGNETPROF_ANALYSIS_H

#include <stdint.h>

#include "options.h"
#include "output.h"

/* Outputs that aggregate statements instead of printing each: set up from
 * the options at the start of tracing (now_ns: epoch ns). */
const struct pgn_output *pgn_hist_output(const struct pgn_options *o, int64_t now_ns);
const struct pgn_output *pgn_model_output(const struct pgn_options *o);
const struct pgn_output *pgn_requests_output(const struct pgn_options *o);
const struct pgn_output *pgn_top_output(const struct pgn_options *o, int64_t now_ns);

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
