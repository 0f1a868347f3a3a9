#ifndef PGNETPROF_RETENTION_H
#define PGNETPROF_RETENTION_H

#include <stdint.h>
#include <libpq-fe.h>

/* The writer's upkeep of the time-partitioned tables (migration 008):
 * pgnetprof.maintain creates partitions ahead and drops those older than
 * the retention. Run at start and every half partition width, at most
 * hourly; a failure is said once, the rows meanwhile going to the default
 * partitions, and retried at the next turn. */
struct pgn_retention {
	unsigned width_s;	/* --partition-width */
	unsigned retention_s;	/* --retention; 0: keep everything */
	uint64_t next_ms;	/* on the monotonic clock; 0: now */
	int failing;
};

/* Milliseconds from @now_ms until the next run is due (0: due). */
uint64_t pgn_retention_wait_ms(const struct pgn_retention *r, uint64_t now_ms);
/* Runs pgnetprof.maintain on @c and logs what it dropped; 0 on success. */
int pgn_retention_run(struct pgn_retention *r, PGconn *c, uint64_t now_ms);

#endif
