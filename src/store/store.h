#ifndef PGNETPROF_STORE_H
#define PGNETPROF_STORE_H

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "output.h"

/* The results database (--store): rows go from the tracing loop into a
 * bounded buffer, and a writer thread copies them in batches. */
struct pgn_store;

/* Called with the pid of each connection the writer opens, when that
 * backend runs on this host, so the tracer can forget it. */
typedef void (*pgn_store_mute_fn)(pid_t pid, void *arg);

struct pgn_store_config {
	const char *conninfo;	/* libpq conninfo or URI; PG* variables apply */
	const char *host;	/* the host column */
	size_t buffer_rows;	/* rows kept while the server is away */
	unsigned drain_s;	/* at exit, how long to wait for an absent server */
	int statements;		/* a row per statement reported (--store-statements) */
	unsigned partition_s;	/* --partition-width */
	unsigned retention_s;	/* --retention; 0: keep everything */
};

/* Connects and checks the schema; prints why and returns NULL on failure. */
struct pgn_store *pgn_store_open(const struct pgn_store_config *c);
/* Mutes the current connection's backend and starts the writer thread. */
int pgn_store_start(struct pgn_store *s, pgn_store_mute_fn mute, void *arg);
/* Never block: a full buffer drops the row and counts it. */
void pgn_store_statement(struct pgn_store *s, const struct pgn_stmt_view *v);
void pgn_store_session(struct pgn_store *s, const struct pgn_session_view *v);
/* A fingerprint's texts (stored once, whoever writes it first), and a
 * rollup row (rollup.h); a row the rollups could not keep, counted. */
void pgn_store_fingerprint(struct pgn_store *s, const struct pgn_stmt_view *v);
struct pgn_rollup_row;
void pgn_store_rollup(struct pgn_store *s, const struct pgn_rollup_row *r);
void pgn_store_drop(struct pgn_store *s);
/* Writes what is buffered (waiting up to drain_s for an absent server),
 * stops the writer and frees everything; accepts NULL. */
void pgn_store_close(struct pgn_store *s, uint64_t *stored, uint64_t *dropped);

/* Rows buffered, written and dropped so far (from any thread). */
void pgn_store_stats(struct pgn_store *s, uint64_t *backlog, uint64_t *stored, uint64_t *dropped);

/* The report's sink whose ctx is an open, started store: it closes the
 * store when tracing ends. */
extern const struct pgn_output pgn_output_store;

/* A copy of a conninfo given on the command line (NULL: out of memory),
 * its password overwritten where it was (in argv, which every local user
 * can read in /proc/PID/cmdline). */
char *pgn_conninfo_take(char *arg);

/* --init-store: creates or upgrades the schema; 0 on success. */
int pgn_store_init_schema(const char *conninfo);

#endif
