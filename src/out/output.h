#ifndef PGNETPROF_OUTPUT_H
#define PGNETPROF_OUTPUT_H

#include <stdint.h>
#include <stdio.h>
#include <stdio_ext.h>
#include <unistd.h>
#include <linux/types.h>

#include "pgnetprof.h"
#include "proctitle.h"
#include "server.h"

/* A statement record with everything userspace adds to it. */
struct pgn_stmt_view {
	const struct pgn_stmt_rec *r;
	char time[64];		/* RFC 3339 UTC, first request byte */
	char session[40];
	struct pgn_who who;
	const struct pgn_server *server;	/* NULL: unknown */
	unsigned ns_pid;	/* the pid in a pid namespace of its own; 0: none */
	char client[64];	/* "addr:port", "[v6addr]:port" or "[local]" */
	char laddr[48];		/* server address, raddr the client's; "[local]" */
	char raddr[48];
	unsigned rport;
	const char *query;	/* the text shown: r->query, or redacted */
	size_t query_len;
	char fingerprint[17];
	const char *normalized;	/* constants as $n; NULL: libpg_query cannot parse */
	const char *protocol;	/* "simple" or "extended" */
	int error;		/* the statement failed */
	uint64_t exec_ns;
	uint64_t response_ns;
	int64_t arrival_ns;	/* epoch: first request byte; 0 if none */
	int64_t completion_ns;	/* epoch: last response byte; 0 if none */
};

struct pgn_session_view {
	const struct pgn_session_rec *r;
	char start[64];
	char end[64];
	char session[40];
	struct pgn_who who;
	const struct pgn_server *server;	/* NULL: unknown */
	unsigned ns_pid;	/* as in the statement view */
	char client[64];
	char laddr[48], raddr[48];
	uint64_t statements;	/* as reported (a Parse joined to its execution is one) */
	uint64_t startup_ns;
	int open;		/* still open when tracing ended */
};

struct pgn_summary {
	uint64_t statements;	/* printed */
	uint64_t filtered;	/* dropped by --min-bytes/--min-duration */
	uint64_t sessions;
	uint64_t rx_bytes;	/* over printed statements */
	uint64_t tx_bytes;
	uint64_t lost_records;	/* ring buffer full */
	uint64_t lost_backends;	/* backend table full */
	uint64_t wire_lost;	/* --probes wire: sessions whose framing was lost */
	uint64_t wire_encrypted;	/* and sessions encrypted: no statements */
	uint64_t probe_hits;	/* USDT probe hits, all processes of the binary */
	int store;		/* --store in use */
	uint64_t stored;	/* rows written by --store */
	uint64_t store_dropped;	/* rows --store could not keep or write */
	double seconds;
};

/* Where reported records go: printed (text, json), aggregated by an
 * analysis (histograms, model, top: no session or summary of their own,
 * but a tick after every poll), or stored (--store). ctx is the sink's
 * own: the FILE a printer writes, the store's handle. */
struct pgn_output {
	void (*statement)(void *ctx, const struct pgn_stmt_view *v);
	void (*session)(void *ctx, const struct pgn_session_view *v);
	void (*summary)(void *ctx, const struct pgn_summary *s);
	/* now_ns (epoch); settled_ns: no statement arriving earlier is still
	 * to come, but for one that runs longer than pgnetprof waits for it
	 * (computed only when a sink sets needs_settled) */
	void (*tick)(void *ctx, int64_t now_ns, int64_t settled_ns);
	/* tracing ended: write out what is held, add its counts to *s */
	void (*finish)(void *ctx, struct pgn_summary *s);
	int needs_settled;
	int every_statement;	/* an aggregate: it counts what --min-* leave out */
};

struct pgn_sink {
	const struct pgn_output *out;
	void *ctx;
};

extern const struct pgn_output pgn_output_text;
extern const struct pgn_output pgn_output_json;

/*
 * A stream records are printed to: only the caller's thread writes it
 * (stdio's per-call locking, taken once the --store writer thread exists,
 * was most of the cost); a file or pipe is written a MiB at a time, not
 * every 4 KiB (a write a few records), as pgnetprof flushes after each
 * poll anyway. A terminal keeps its line buffering.
 */
static inline void pgn_output_stream(FILE *f)
{
	static char buf[1 << 20];

	__fsetlocking(f, FSETLOCKING_BYCALLER);
	if (!isatty(fileno(f)))
		setvbuf(f, buf, _IOFBF, sizeof(buf));
}

static inline const char *pgn_transport_name(unsigned transport)
{
	switch (transport) {
	case PGN_TRANSPORT_TCP4: return "tcp4";
	case PGN_TRANSPORT_TCP6: return "tcp6";
	case PGN_TRANSPORT_UNIX: return "unix";
	default: return "";
	}
}

#endif
