/*
 * --store's rollups: per interval, one row per server, normalized
 * statement, database, user, client address and protocol, with the
 * statements' counts and sums and a log2 histogram of their response times
 * (sql/migrations/007-rollups.sql). A sink of the report, ahead of the
 * store it writes to; an interval's rows go out at the first tick after it
 * ends, the last (partial) one when tracing ends.
 */
#ifndef PGNETPROF_ROLLUP_H
#define PGNETPROF_ROLLUP_H

#include <stdint.h>

#include "output.h"
#include "store.h"

#define PGN_ROLLUP_BUCKETS 32

struct pgn_rollup_key {
	uint64_t fingerprint;
	unsigned server_port;	/* 0: unknown */
	char data_directory[256];
	char database[64], user[64];
	char client_addr[48];	/* "": a Unix socket */
	char protocol[12];
};

struct pgn_rollup_row {
	struct pgn_rollup_key k;
	int64_t start_ns;	/* epoch */
	unsigned seconds;
	uint64_t calls, errors;
	uint64_t rx_bytes, tx_bytes, rx_calls, tx_calls, rx_segs, tx_segs;
	uint64_t rx_ns, tx_ns, tx_wait_ns, exec_ns, response_ns, max_response_ns, retrans;
	uint64_t hist[PGN_ROLLUP_BUCKETS];	/* response us: < 1, then [2^(i-1), 2^i) */
};

struct pgn_rollup;

/* Rollups of interval_s seconds (aligned to the epoch) into @s. */
struct pgn_rollup *pgn_rollup_new(struct pgn_store *s, unsigned interval_s, int64_t now_ns);
void pgn_rollup_free(struct pgn_rollup *r);

/* The sink: ctx is the struct pgn_rollup; it sees every statement. */
extern const struct pgn_output pgn_output_rollup;

/* The bucket of a response time */
unsigned pgn_rollup_bucket(uint64_t response_ns);

#endif
