#ifndef PGNETPROF_REPORT_H
#define PGNETPROF_REPORT_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "output.h"
#include "pidtab.h"
#include "store.h"

/* Turns kernel records into printed rows: names, times, filters, totals. */
struct pgn_report {
	const struct pgn_output *out;
	FILE *f;
	int64_t mono_to_real_ns;	/* CLOCK_REALTIME - CLOCK_MONOTONIC */
	uint64_t min_bytes;
	uint64_t min_duration_ns;
	int redact;		/* --redact: normalized (or scrubbed) texts only */
	int executor_times;	/* --probes full: exec_ns from PortalRun */
	struct pgn_store *store;	/* --store, or NULL */
	struct pgn_pidtab endpoints;	/* by pid: the last pgn_endpoint_rec */
	struct pgn_summary sum;
};

void pgn_report_init(struct pgn_report *r, const struct pgn_output *out, FILE *f);
/* A record from the ring buffer (open = 0) or the end-of-trace flush
 * (open = 1). Returns -1 on a malformed record. */
int pgn_report_record(struct pgn_report *r, const void *data, size_t size, int open);
/* End of tracing: reports what is still held back (see merge.h) and
 * frees what was kept per backend. */
void pgn_report_finish(struct pgn_report *r);

#endif
