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

#endif
