/*
 * Records leave the kernel from per-CPU stages (see emit() in the BPF
 * program), so a backend that moved CPU can have a later record delivered
 * before an earlier one. Each carries its backend's sequence number; this
 * hands them on in that order.
 */
#ifndef PGNETPROF_REORDER_H
#define PGNETPROF_REORDER_H

#include <stddef.h>

#include "pidtab.h"

typedef void (*pgn_deliver_fn)(void *arg, const void *rec, size_t size);

struct pgn_reorder {
	struct pgn_pidtab backends;	/* by pid: struct reorder_backend */
	pgn_deliver_fn deliver;
	void *arg;
	unsigned drains;	/* pgn_reorder_release calls so far */
};

void pgn_reorder_init(struct pgn_reorder *ro, pgn_deliver_fn deliver, void *arg);
/* Delivers @rec now when it is its backend's next (and what it held that
 * follows), keeps a copy otherwise. Records that are not a backend's
 * statement, endpoint or session (malformed) are delivered at once. */
void pgn_reorder_push(struct pgn_reorder *ro, const void *rec, size_t size);
/* Every stage was flushed and the buffer drained: what was missing
 * already at the previous call was lost (and counted by the kernel), so
 * what waited for it is delivered, each backend's in order. Not what
 * began to wait since: its predecessor may have been staged on a CPU
 * whose stage was flushed just before it (the next drain brings it). */
void pgn_reorder_release(struct pgn_reorder *ro);
/* Everything held, now (the end of tracing), then frees. */
void pgn_reorder_flush(struct pgn_reorder *ro);
void pgn_reorder_free(struct pgn_reorder *ro);

#endif
