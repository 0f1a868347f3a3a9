/* pgnetprof's own CPU per statement record, from the kernel's record to
 * its JSON line in a file: what the tracer pays for each statement beside
 * reading the ring buffer. pgbench's select-only statement from 4
 * sessions, its text prepared ($1) or with a new literal each time (simple).
 * Usage: record-rate STATEMENTS FILE   prints: prepared_ns simple_ns
 * (CPU time per record, the best of 5 runs; FILE is truncated each run). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "output.h"
#include "pgnetprof.h"
#include "report.h"

#define SESSIONS 4

static double cpu_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
	return ts.tv_sec * 1e9 + ts.tv_nsec;
}

static void endpoint(struct pgn_report *r, unsigned pid)
{
	static const char startup[] = "user\0postgres\0database\0postgres\0application_name\0pgbench\0";
	struct pgn_endpoint_rec e = {
		.type = PGN_REC_ENDPOINT,
		.pid = pid,
		.proc_start_ns = pid * 1000ULL,
		.ep = { .transport = PGN_TRANSPORT_TCP4, .lport = 5432, .rport = 40000 + pid,
			.laddr = { 127, 0, 0, 1 }, .raddr = { 127, 0, 0, 1 }, .server_pid = 1 },
	};

	memcpy(e.ep.startup, startup, sizeof(startup));
	e.ep.startup_len = sizeof(startup);
	snprintf(e.ep.title, sizeof(e.ep.title), "postgres: postgres postgres 127.0.0.1(%u) idle", 40000 + pid);
	pgn_report_deliver(r, &e, sizeof(e));
}

static void statement(struct pgn_report *r, unsigned long i, int simple)
{
	static struct pgn_stmt_rec s;
	unsigned pid = 100 + i % SESSIONS;
	uint64_t t = 1000000000ULL + i * 100000;

	s = (struct pgn_stmt_rec){
		.type = PGN_REC_STATEMENT,
		.pid = pid,
		.proc_start_ns = pid * 1000ULL,
		.request_ns = t,
		.start_ns = t + 1000,
		.done_ns = t + 50000,
		.last_tx_ns = t + 56000,
		.t = { .rx = { 49, 1, 1, 850 }, .tx = { 71, 1, 1, 6000 } },
		.srtt_us = 635,
		.protocol = simple ? PGN_PROTO_SIMPLE : PGN_PROTO_EXTENDED,
		.status_hits = simple ? 0 : 2,
		.seq = i / SESSIONS,
	};
	s.query_len = simple ? snprintf(s.query, sizeof(s.query),
					"SELECT abalance FROM pgbench_accounts WHERE aid = %lu;", i * 7919 % 1000000)
			     : snprintf(s.query, sizeof(s.query), "SELECT abalance FROM pgbench_accounts WHERE aid = $1;");
	pgn_report_deliver(r, &s, offsetof(struct pgn_stmt_rec, query) + s.query_len + 1);
}

static double run(unsigned long n, const char *path, int simple)
{
	struct pgn_report r;
	FILE *f = fopen(path, "w");
	double t0;

	if (!f) {
		perror(path);
		exit(1);
	}
	pgn_output_stream(f);	/* as pgnetprof's stdout */
	pgn_report_init(&r);
	pgn_report_add_sink(&r, &pgn_output_json, f);
	for (unsigned pid = 100; pid < 100 + SESSIONS; pid++)
		endpoint(&r, pid);
	t0 = cpu_ns();
	for (unsigned long i = 0; i < n; i++)
		statement(&r, i, simple);
	fclose(f);
	t0 = (cpu_ns() - t0) / n;
	pgn_report_finish(&r);
	return t0;
}

int main(int argc, char **argv)
{
	unsigned long n = argc == 3 ? strtoul(argv[1], NULL, 10) : 0;
	double best[2] = { 0, 0 };

	if (!n) {
		fprintf(stderr, "usage: record-rate STATEMENTS FILE\n");
		return 2;
	}
	for (int round = 0; round < 5; round++)
		for (int simple = 0; simple < 2; simple++) {
			double ns = run(n, argv[2], simple);

			if (!best[simple] || ns < best[simple])
				best[simple] = ns;
		}
	printf("%.0f %.0f\n", best[0], best[1]);
	return 0;
}
