/* The results writer's throughput: N synthetic statement rows through the
 * same buffer, thread and COPY batches as --store, timed until committed.
 * Usage: store-rate CONNINFO ROWS */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "store.h"

static double now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

int main(int argc, char **argv)
{
	static struct pgn_stmt_rec r;
	struct pgn_stmt_view v = { .r = &r, .protocol = "simple" };
	struct pgn_store_config c = { .host = "store-rate", .drain_s = 60, .partition_s = 86400 };
	struct pgn_store *s;
	uint64_t stored, dropped;
	unsigned long rows;
	double t0, t;

	if (argc != 3 || !(rows = strtoul(argv[2], NULL, 10))) {
		fprintf(stderr, "usage: store-rate CONNINFO ROWS\n");
		return 2;
	}
	c.conninfo = argv[1];
	c.buffer_rows = rows;
	s = pgn_store_open(&c);
	if (!s || pgn_store_start(s, NULL, NULL))
		return 1;
	strcpy(v.time, "2026-11-22T10:00:00.000001Z");
	strcpy(v.client, "127.0.0.1:40000");
	strcpy(v.who.user, "bench");
	strcpy(v.who.database, "bench");
	strcpy(v.fingerprint, "0123456789abcdef");
	v.normalized = "UPDATE pgbench_accounts SET abalance = abalance + $1 WHERE aid = $2;";
	r.t.rx.bytes = 120;
	r.t.tx.bytes = 400;
	t0 = now_s();
	for (unsigned long i = 0; i < rows; i++) {
		r.pid = 1000 + i % 50;
		snprintf(v.session, sizeof(v.session), "6740a1b2.%x", r.pid);
		r.query_len = snprintf(r.query, sizeof(r.query),
			"UPDATE pgbench_accounts SET abalance = abalance + %lu WHERE aid = %lu;", i % 5000, i);
		v.query = r.query;
		v.query_len = r.query_len;
		pgn_store_statement(s, &v);
	}
	pgn_store_close(s, &stored, &dropped);
	t = now_s() - t0;
	printf("%lu %llu %llu %.3f\n", rows, (unsigned long long)stored, (unsigned long long)dropped, t);
	return stored == rows ? 0 : 1;
}
