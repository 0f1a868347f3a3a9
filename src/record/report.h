#ifndef PGNETPROF_REPORT_H
#define PGNETPROF_REPORT_H

#include <stddef.h>
#include <stdint.h>

#include "output.h"
#include "pidtab.h"

#define PGN_SINKS_MAX 4		/* a printer or an analysis, rollups, --store, metrics */

/* Turns kernel records into views (names, times, fingerprints), filters
 * and counts them, and hands each to every sink: what --min-* leave out,
 * to the aggregates (rollups, metrics) only. */
struct pgn_report {
	struct pgn_sink sinks[PGN_SINKS_MAX];
	unsigned nsinks;
	int aggregates;		/* a sink counts every statement, --min-* or not */
	int64_t mono_to_real_ns;	/* CLOCK_REALTIME - CLOCK_MONOTONIC */
	uint64_t min_bytes;
	uint64_t min_duration_ns;
	int redact;		/* --redact: normalized (or scrubbed) texts only */
	int executor_times;	/* --probes full: exec_ns from PortalRun */
	struct pgn_pidtab endpoints;	/* by pid: the last endpoint, formatted */
	int64_t second;		/* the second second_str shows, UTC */
	char second_str[80];
	struct pgn_summary sum;
};

void pgn_report_init(struct pgn_report *r);
void pgn_report_add_sink(struct pgn_report *r, const struct pgn_output *out, void *ctx);
/* A record from the kernel or the end-of-trace flush, in its backend's
 * order (a pgn_deliver_fn: arg is the report). A malformed one is skipped
 * and said. */
void pgn_report_deliver(void *arg, const void *rec, size_t size);
/* After every poll: whether a sink needs the settled time; then the tick. */
int pgn_report_needs_settled(const struct pgn_report *r);
void pgn_report_tick(struct pgn_report *r, int64_t now_ns, int64_t settled_ns);
/* End of tracing: reports what is still held back (see merge.h, answers.h),
 * finishes every sink (which adds its counts to the summary) and frees
 * what was kept per backend. */
void pgn_report_finish(struct pgn_report *r);

#endif
