#ifndef PGNETPROF_TRACER_H
#define PGNETPROF_TRACER_H

#include "options.h"
#include "output.h"
#include "reorder.h"
#include "target.h"

struct pgn_tracer;

/* Opens, loads and (unless load_only) attaches everything; picks the hook
 * backend when o->backend is auto. Every record, the kernel's and the
 * end-of-trace flush's, goes to deliver in its backend's order. Prints why
 * and returns NULL on failure. */
struct pgn_tracer *pgn_tracer_start(const struct pgn_options *o, const struct pgn_target *t,
				     pgn_deliver_fn deliver, void *arg);
enum pgn_hook_backend pgn_tracer_backend(const struct pgn_tracer *tr);
/* Waits up to timeout_ms for records and delivers them. */
int pgn_tracer_poll(struct pgn_tracer *tr, int timeout_ms);
/* The monotonic time before which every statement that ended has been
 * reported: now, after consuming the records that arrived meanwhile. (No
 * scan of the backends: its cost would grow with idle ones.) */
__u64 pgn_tracer_settled(struct pgn_tracer *tr);
/* Detaches, drains, delivers what is still open, and fills the summary's
 * loss and probe counters. */
void pgn_tracer_finish(struct pgn_tracer *tr, struct pgn_summary *sum);
/* The kernel's loss and probe counters so far, into the summary. */
void pgn_tracer_counters(struct pgn_tracer *tr, struct pgn_summary *sum);
void pgn_tracer_free(struct pgn_tracer *tr);
/* Stops following a process (the results writer's own backend); arg is
 * the tracer. Safe from any thread. */
void pgn_tracer_forget(pid_t pid, void *arg);

#endif
