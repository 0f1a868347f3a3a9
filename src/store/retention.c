/* The writer's upkeep of the partitions: pgnetprof.maintain. */
#include <stdio.h>
#include <string.h>

#include "retention.h"
#include "store-schema.h"

#define MAINTAIN_SQL "SELECT action, partition FROM pgnetprof.maintain($1::interval, $2::interval)"
/* pgnetprof.maintain waits at most 5 s per lock; moving rows out of a
 * default partition is what may take longer */
#define MAINTAIN_TIMEOUT "SET LOCAL statement_timeout = '60s'"

static uint64_t period_ms(const struct pgn_retention *r)
{
	uint64_t half = r->width_s * 500ULL;

	return half > 3600000 ? 3600000 : half < 500 ? 500 : half;
}

uint64_t pgn_retention_wait_ms(const struct pgn_retention *r, uint64_t now_ms)
{
	return r->next_ms > now_ms ? r->next_ms - now_ms : 0;
}

static void report(struct pgn_retention *r, const PGresult *res, const char *why)
{
	if (why) {
		if (!r->failing)
			fprintf(stderr, "pgnetprof: partition upkeep (pgnetprof.maintain) failed, rows go to the default partitions meanwhile; retrying every %llu s: %s",
				(unsigned long long)(period_ms(r) + 999) / 1000, why);
		r->failing = 1;
		return;
	}
	if (r->failing)
		fprintf(stderr, "pgnetprof: partition upkeep works again\n");
	r->failing = 0;
	for (int i = 0; i < PQntuples(res); i++)
		if (!strcmp(PQgetvalue(res, i, 0), "dropped"))
			fprintf(stderr, "pgnetprof: retention: dropped %s (older than %u s)\n",
				PQgetvalue(res, i, 1), r->retention_s);
}

int pgn_retention_run(struct pgn_retention *r, PGconn *c, uint64_t now_ms)
{
	char retention[32], width[32];
	const char *params[] = { r->retention_s ? retention : NULL, width };
	PGresult *res = NULL;
	int ok;

	r->next_ms = now_ms + period_ms(r);
	snprintf(retention, sizeof(retention), "%u seconds", r->retention_s);
	snprintf(width, sizeof(width), "%u seconds", r->width_s);
	/* quiet: report() says a failure once, not every turn */
	ok = !pgn_store_exec(c, "BEGIN", NULL) && !pgn_store_exec(c, MAINTAIN_TIMEOUT, NULL);
	if (ok) {
		res = PQexecParams(c, MAINTAIN_SQL, 2, NULL, params, NULL, NULL, 0);
		ok = PQresultStatus(res) == PGRES_TUPLES_OK && !pgn_store_exec(c, "COMMIT", NULL);
	}
	report(r, res, ok ? NULL : PQerrorMessage(c));
	if (!ok && PQstatus(c) == CONNECTION_OK)
		PQclear(PQexec(c, "ROLLBACK"));
	PQclear(res);
	return ok ? 0 : -1;
}
