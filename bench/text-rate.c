/* pgnetprof's own CPU per statement for the text: normalizing and
 * fingerprinting pgbench's statements, every literal different, through
 * the cache (one libpg_query parse per statement shape) against a parse of
 * each (what every statement cost before the shape cache).
 * Usage: text-rate STATEMENTS   prints: cached_ns parsed_ns parses */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <pg_query.h>

#include "fingerprint.h"

static double now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1e9 + ts.tv_nsec;
}

/* pgbench's tpcb-like and select-only statements, the i-th of each */
static void statement(char *q, size_t len, unsigned long i)
{
	long delta = (long)(i * 2654435761u % 10001) - 5000;

	switch (i % 4) {
	case 0:
		snprintf(q, len, "SELECT abalance FROM pgbench_accounts WHERE aid = %lu;", i * 7919 % 100000);
		break;
	case 1:
		snprintf(q, len, "UPDATE pgbench_accounts SET abalance = abalance + %ld WHERE aid = %lu;",
			 delta, i % 100000);
		break;
	case 2:
		snprintf(q, len, "UPDATE pgbench_tellers SET tbalance = tbalance + %ld WHERE tid = %lu;",
			 delta, i % 10);
		break;
	default:
		snprintf(q, len, "INSERT INTO pgbench_history (tid, bid, aid, delta, mtime) "
			 "VALUES (%lu, 1, %lu, %ld, CURRENT_TIMESTAMP);", i % 10, i % 100000, delta);
	}
}

int main(int argc, char **argv)
{
	unsigned long n = argc == 2 ? strtoul(argv[1], NULL, 10) : 0, parses;
	struct pgn_text_info info;
	char q[256];
	double t0, cached, parsed;

	if (!n) {
		fprintf(stderr, "usage: text-rate STATEMENTS\n");
		return 2;
	}
	t0 = now_ns();
	for (unsigned long i = 0; i < n; i++) {
		statement(q, sizeof(q), i);
		pgn_text_analyze(q, strlen(q), &info);
	}
	cached = (now_ns() - t0) / n;
	parses = pgn_text_parses();
	t0 = now_ns();
	for (unsigned long i = 0; i < n; i++) {
		PgQueryNormalizeResult r;
		PgQueryFingerprintResult f;

		statement(q, sizeof(q), i);
		r = pg_query_normalize(q);
		f = pg_query_fingerprint(r.normalized_query ? r.normalized_query : q);
		pg_query_free_fingerprint_result(f);
		pg_query_free_normalize_result(r);
	}
	parsed = (now_ns() - t0) / n;
	printf("%.0f %.0f %lu\n", cached, parsed, parses);
	return 0;
}
