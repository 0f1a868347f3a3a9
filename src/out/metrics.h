/*
 * --metrics-listen: Prometheus metrics of the statements reported, per
 * normalized statement, and of pgnetprof's own health. The aggregate is a
 * sink of the report (tracing thread); the HTTP server renders it from its
 * own thread, so every call takes the aggregate's lock.
 */
#ifndef PGNETPROF_METRICS_H
#define PGNETPROF_METRICS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/socket.h>

#include "output.h"

struct pgn_metrics;

/* What the tracer and the store say of themselves, refreshed every poll. */
struct pgn_health {
	uint64_t lost_records, lost_backends, wire_lost, wire_encrypted, probe_hits;
	int store;		/* --store in use: its three below are exported */
	uint64_t store_backlog, stored, store_dropped;
};

/* top_k: fingerprints with series of their own; probes: the set in use */
struct pgn_metrics *pgn_metrics_new(unsigned top_k, const char *probes);
/* the kernel hooks in use, once the tracer has chosen them */
void pgn_metrics_set_backend(struct pgn_metrics *m, const char *backend);
void pgn_metrics_set_health(struct pgn_metrics *m, const struct pgn_health *h);
/* The text exposition format (version 0.0.4), malloc'ed; NULL: no memory.
 * The top K fingerprints by bytes have series of their own, chosen anew
 * at each render; a fingerprint's series counts from when it got one (its
 * first statement while fewer than K had one), and "other" has everything
 * else, so every counter only grows. */
char *pgn_metrics_render(struct pgn_metrics *m, size_t *len);
void pgn_metrics_free(struct pgn_metrics *m);

/* The sink: ctx is the struct pgn_metrics. */
extern const struct pgn_output pgn_output_metrics;

/* An address to listen on (--metrics-listen). */
struct pgn_listen {
	bool set;
	struct sockaddr_storage sa;
	char text[64];		/* as given */
};

/* The HTTP server of GET /metrics; prints why and returns NULL when it
 * cannot listen. */
struct pgn_metrics_server;
struct pgn_metrics_server *pgn_metrics_serve(const struct pgn_listen *l, struct pgn_metrics *m);
void pgn_metrics_server_stop(struct pgn_metrics_server *s);

#endif
