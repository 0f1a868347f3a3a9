#ifndef PGNETPROF_FLUSH_H
#define PGNETPROF_FLUSH_H

#include <linux/types.h>
#include "pgnetprof.h"
#include "reorder.h"

/* Closes a backend still open when tracing ends, with the same machine the
 * kernel runs: its open statement (whose text is @text), then its session
 * (as PGN_REC_SESSION_OPEN), numbered as the kernel numbers them and put
 * in the backend's order with the kernel's records. */
void pgn_flush_backend(struct pgn_backend *b, const struct pgn_text *text, __u64 now_ns,
		       unsigned probe_set, struct pgn_reorder *ro);

#endif
