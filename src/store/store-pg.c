/* --store: a writer thread copies buffered rows into the results database
 * in batches, reconnecting when the server goes away. */
#include <errno.h>
#include <ifaddrs.h>
#include <netinet/in.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>
#include <libpq-fe.h>

#include "clock.h"
#include "retention.h"
#include "store-row.h"
#include "store-schema.h"
#include "store.h"

#define BATCH_ROWS 50000
#define RETRY_S 1

enum pgn_table { PGN_T_STATEMENTS, PGN_T_SESSIONS, PGN_T_FINGERPRINTS, PGN_T_ROLLUPS };

struct row {
	struct row *next;
	enum pgn_table table;
	size_t len;
	char line[];
};

struct pgn_store {
	struct pgn_store_config cfg;
	PGconn *conn;
	pgn_store_mute_fn mute;
	void *mute_arg;
	struct pgn_buf scratch;	/* the tracing thread's formatting buffer */
	struct pgn_retention upkeep;	/* the writer's */
	pthread_t thread;
	int started;
	pthread_mutex_t lock;
	pthread_cond_t cond;
	/* under lock: the buffer, including the batch being written */
	struct row *head, **tail;
	size_t rows;
	int closing, finished;
	int sock;		/* the writer's connection, -1 when none */
	uint64_t stored, dropped;
};

static char rollups_copy_sql[512], fingerprints_copy_sql[256];
static const char *table_copy_sql[] = {
	[PGN_T_STATEMENTS] = "COPY pgnetprof.statements (" PGN_STATEMENT_COLUMNS ") FROM STDIN",
	[PGN_T_SESSIONS] = "COPY pgnetprof.sessions (" PGN_SESSION_COLUMNS ") FROM STDIN",
	/* into a table of the transaction's, then those not stored yet */
	[PGN_T_FINGERPRINTS] = fingerprints_copy_sql,
	[PGN_T_ROLLUPS] = rollups_copy_sql,
};

/* Is the peer of our connection on this host (so its pid is ours to mute)? */
static int peer_is_local(int fd)
{
	struct sockaddr_storage peer;
	socklen_t len = sizeof(peer);
	struct ifaddrs *ifs, *i;
	int local = 0;

	if (getpeername(fd, (struct sockaddr *)&peer, &len))
		return 0;
	if (peer.ss_family == AF_UNIX)
		return 1;
	if (getifaddrs(&ifs))
		return 0;
	for (i = ifs; i && !local; i = i->ifa_next) {
		if (!i->ifa_addr || i->ifa_addr->sa_family != peer.ss_family)
			continue;
		if (peer.ss_family == AF_INET)
			local = ((struct sockaddr_in *)i->ifa_addr)->sin_addr.s_addr ==
				((struct sockaddr_in *)&peer)->sin_addr.s_addr;
		else
			local = !memcmp(&((struct sockaddr_in6 *)i->ifa_addr)->sin6_addr,
					&((struct sockaddr_in6 *)&peer)->sin6_addr, sizeof(struct in6_addr));
	}
	freeifaddrs(ifs);
	/* 127.0.0.0/8 beyond 127.0.0.1 is loopback too */
	if (!local && peer.ss_family == AF_INET)
		local = (ntohl(((struct sockaddr_in *)&peer)->sin_addr.s_addr) >> 24) == 127;
	return local;
}

static void mute_connection(struct pgn_store *s)
{
	if (s->mute && peer_is_local(PQsocket(s->conn)))
		s->mute(PQbackendPID(s->conn), s->mute_arg);
}

struct pgn_store *pgn_store_open(const struct pgn_store_config *c)
{
	struct pgn_store *s = calloc(1, sizeof(*s));
	PGconn *why;

	if (!s) {
		fprintf(stderr, "pgnetprof: out of memory\n");
		return NULL;
	}
	s->cfg = *c;
	s->tail = &s->head;
	s->upkeep.width_s = c->partition_s;
	s->upkeep.retention_s = c->retention_s;
	snprintf(rollups_copy_sql, sizeof(rollups_copy_sql), "COPY pgnetprof.statement_rollups (%s) FROM STDIN",
		 pgn_rollup_columns);
	snprintf(fingerprints_copy_sql, sizeof(fingerprints_copy_sql), "COPY fingerprints_in (%s) FROM STDIN",
		 pgn_fingerprint_columns);
	pthread_mutex_init(&s->lock, NULL);
	pthread_cond_init(&s->cond, NULL);
	s->conn = pgn_store_connect(c->conninfo, &why);
	s->sock = s->conn ? PQsocket(s->conn) : -1;
	if (!s->conn) {
		fprintf(stderr, "pgnetprof: cannot connect to the results database (--store): %s",
			why ? PQerrorMessage(why) : "out of memory\n");
		PQfinish(why);
		pgn_store_close(s, NULL, NULL);
		return NULL;
	}
	if (pgn_store_check_schema(s->conn)) {
		pgn_store_close(s, NULL, NULL);
		return NULL;
	}
	return s;
}

/* --- the tracing thread's side ------------------------------------------- */

static void push(struct pgn_store *s, enum pgn_table table)
{
	struct row *r = s->scratch.failed ? NULL : malloc(sizeof(*r) + s->scratch.len);

	if (r) {
		r->next = NULL;
		r->table = table;
		r->len = s->scratch.len;
		memcpy(r->line, s->scratch.p, r->len);
	}
	pthread_mutex_lock(&s->lock);
	if (r && s->rows < s->cfg.buffer_rows) {
		*s->tail = r;
		s->tail = &r->next;
		s->rows++;
		pthread_cond_signal(&s->cond);
		r = NULL;
	} else {
		s->dropped++;
	}
	pthread_mutex_unlock(&s->lock);
	free(r);
	s->scratch.len = 0;
	s->scratch.failed = 0;
}

void pgn_store_statement(struct pgn_store *s, const struct pgn_stmt_view *v)
{
	pgn_row_statement(&s->scratch, s->cfg.host, v);
	push(s, PGN_T_STATEMENTS);
}

void pgn_store_fingerprint(struct pgn_store *s, const struct pgn_stmt_view *v)
{
	pgn_row_fingerprint(&s->scratch, v, pgn_real_ns());
	push(s, PGN_T_FINGERPRINTS);
}

void pgn_store_rollup(struct pgn_store *s, const struct pgn_rollup_row *r)
{
	pgn_row_rollup(&s->scratch, s->cfg.host, r);
	push(s, PGN_T_ROLLUPS);
}

void pgn_store_drop(struct pgn_store *s)
{
	pthread_mutex_lock(&s->lock);
	s->dropped++;
	pthread_mutex_unlock(&s->lock);
}

void pgn_store_session(struct pgn_store *s, const struct pgn_session_view *v)
{
	pgn_row_session(&s->scratch, s->cfg.host, v);
	push(s, PGN_T_SESSIONS);
}

/* --- the writer thread ----------------------------------------------------- */

enum outcome { WRITTEN, SERVER_AWAY, REJECTED };

/* Errors worth retrying: connection trouble, shutdown, recovery, no room. */
static int transient(const PGresult *r, PGconn *c)
{
	const char *st = PQresultErrorField(r, PG_DIAG_SQLSTATE);

	return PQstatus(c) != CONNECTION_OK || !st || !strncmp(st, "08", 2) ||
	       !strncmp(st, "57P", 3) || !strncmp(st, "53", 2) || !strcmp(st, "25006");
}

static enum outcome failed(struct pgn_store *s, PGresult *r, const char *what)
{
	enum outcome o = transient(r, s->conn) ? SERVER_AWAY : REJECTED;

	if (o == REJECTED)
		fprintf(stderr, "pgnetprof: the results database rejected a batch (%s): %s", what,
			PQerrorMessage(s->conn));
	PQclear(r);
	return o;
}

static enum outcome exec(struct pgn_store *s, const char *sql, ExecStatusType want)
{
	PGresult *r = PQexec(s->conn, sql);

	if (PQresultStatus(r) != want)
		return failed(s, r, sql);
	PQclear(r);
	return WRITTEN;
}

static enum outcome copy_table(struct pgn_store *s, struct row *batch, size_t n, enum pgn_table t)
{
	enum outcome o;
	PGresult *r;
	int ok = 1;

	for (size_t i = 0; batch && i < n; batch = batch->next, i++) {
		if (batch->table != t)
			continue;
		if (ok == 1 && (o = exec(s, table_copy_sql[t], PGRES_COPY_IN)) != WRITTEN)
			return o;
		ok = PQputCopyData(s->conn, batch->line, batch->len) == 1 ? 2 : -1;
		if (ok < 0)
			break;
	}
	if (ok == 1)
		return WRITTEN;	/* no rows for this table */
	PQputCopyEnd(s->conn, ok < 0 ? "pgnetprof: connection failed" : NULL);
	r = PQgetResult(s->conn);
	if (PQresultStatus(r) != PGRES_COMMAND_OK)
		return failed(s, r, table_copy_sql[t]);
	PQclear(r);
	while ((r = PQgetResult(s->conn)))
		PQclear(r);
	return WRITTEN;
}

/* A fingerprint's text is stored once, whoever wrote it first. */
static enum outcome copy_fingerprints(struct pgn_store *s, struct row *batch, size_t n)
{
	enum outcome o;
	size_t i = 0;

	for (struct row *r = batch; r && i < n && r->table != PGN_T_FINGERPRINTS; r = r->next, i++)
		;
	if (i == n)
		return WRITTEN;
	if ((o = exec(s, "CREATE TEMP TABLE fingerprints_in (LIKE pgnetprof.fingerprints) ON COMMIT DROP",
		      PGRES_COMMAND_OK)) != WRITTEN ||
	    (o = copy_table(s, batch, n, PGN_T_FINGERPRINTS)) != WRITTEN)
		return o;
	return exec(s, "INSERT INTO pgnetprof.fingerprints SELECT DISTINCT ON (fingerprint) * FROM fingerprints_in "
		    "ORDER BY fingerprint, first_seen ON CONFLICT (fingerprint) DO NOTHING", PGRES_COMMAND_OK);
}

static enum outcome write_batch(struct pgn_store *s, struct row *batch, size_t n)
{
	enum outcome o;

	if ((o = exec(s, "BEGIN", PGRES_COMMAND_OK)) != WRITTEN ||
	    (o = copy_table(s, batch, n, PGN_T_STATEMENTS)) != WRITTEN ||
	    (o = copy_table(s, batch, n, PGN_T_SESSIONS)) != WRITTEN ||
	    (o = copy_fingerprints(s, batch, n)) != WRITTEN ||
	    (o = copy_table(s, batch, n, PGN_T_ROLLUPS)) != WRITTEN ||
	    (o = exec(s, "COMMIT", PGRES_COMMAND_OK)) != WRITTEN) {
		if (PQstatus(s->conn) == CONNECTION_OK)
			PQclear(PQexec(s->conn, "ROLLBACK"));
		return o;
	}
	return WRITTEN;
}

/* The socket close() may shut down (see pgn_store_close), under the lock. */
static void set_sock(struct pgn_store *s, PGconn *c)
{
	pthread_mutex_lock(&s->lock);
	s->sock = c ? PQsocket(c) : -1;
	pthread_mutex_unlock(&s->lock);
}

/* A fresh connection after the server went away; says so once per outage. */
static int reconnect(struct pgn_store *s, int *away)
{
	PGconn *why;

	if (s->conn && PQstatus(s->conn) == CONNECTION_OK)
		return 0;
	set_sock(s, NULL);
	PQfinish(s->conn);
	s->conn = pgn_store_connect(s->cfg.conninfo, &why);
	set_sock(s, s->conn);
	if (!s->conn) {
		if (!*away)
			fprintf(stderr, "pgnetprof: the results database is unreachable, keeping up to %zu rows until it is back: %s",
				s->cfg.buffer_rows, why ? PQerrorMessage(why) : "out of memory\n");
		*away = 1;
		PQfinish(why);
		return -1;
	}
	mute_connection(s);
	if (*away)
		fprintf(stderr, "pgnetprof: the results database is back; writing the buffered rows\n");
	*away = 0;
	return 0;
}

static void free_rows(struct row *r, size_t n)
{
	struct row *next;

	for (size_t i = 0; r && i < n; r = next, i++) {
		next = r->next;
		free(r);
	}
}

/* Called with the lock held: the first rows, at most BATCH_ROWS. */
static struct row *detach_batch(struct pgn_store *s, size_t *n)
{
	struct row *head = s->head, **end = &s->head;

	for (*n = 0; *end && *n < BATCH_ROWS; (*n)++)
		end = &(*end)->next;
	s->head = *end;
	if (!s->head)
		s->tail = &s->head;
	*end = NULL;
	return head;
}

/* Called with the lock held: a batch that could not be written goes back. */
static void requeue_batch(struct pgn_store *s, struct row *batch, size_t n)
{
	struct row *last = batch;

	for (size_t i = 1; i < n; i++)
		last = last->next;
	last->next = s->head;
	if (!s->head)
		s->tail = &last->next;
	s->head = batch;
}

static void wait_until(struct pgn_store *s, const struct timespec *when)
{
	pthread_cond_timedwait(&s->cond, &s->lock, when);
}

/* Called with the lock held: sleeps until rows come, the store closes or
 * the partitions' upkeep is due; whether it is. */
static int wait_work(struct pgn_store *s)
{
	uint64_t ms;
	struct timespec t;

	while (!s->closing) {
		ms = pgn_retention_wait_ms(&s->upkeep, pgn_mono_ns() / 1000000);
		if (!ms)
			return 1;
		if (s->head)
			return 0;
		t = pgn_deadline_ms(ms);
		wait_until(s, &t);
	}
	return 0;
}

/* Called with the lock held, which it lets go meanwhile. */
static void keep_partitions(struct pgn_store *s, int *away)
{
	uint64_t now_ms = pgn_mono_ns() / 1000000;

	pthread_mutex_unlock(&s->lock);
	if (reconnect(s, away))
		s->upkeep.next_ms = now_ms + RETRY_S * 1000;
	else
		pgn_retention_run(&s->upkeep, s->conn, now_ms);
	pthread_mutex_lock(&s->lock);
}

static void *writer(void *arg)
{
	struct pgn_store *s = arg;
	struct timespec deadline = { 0 }, retry;
	enum outcome o = WRITTEN;
	struct row *batch;
	int away = 0;
	size_t n;

	pthread_mutex_lock(&s->lock);
	for (;;) {
		if (wait_work(s)) {
			keep_partitions(s, &away);
			continue;
		}
		if (!s->head)
			break;
		if (s->closing && !deadline.tv_sec)
			deadline = pgn_deadline(s->cfg.drain_s);
		batch = detach_batch(s, &n);
		pthread_mutex_unlock(&s->lock);
		o = reconnect(s, &away) ? SERVER_AWAY : write_batch(s, batch, n);
		pthread_mutex_lock(&s->lock);
		if (o != SERVER_AWAY) {
			s->rows -= n;
			*(o == WRITTEN ? &s->stored : &s->dropped) += n;
			free_rows(batch, n);
			continue;
		}
		requeue_batch(s, batch, n);
		retry = pgn_deadline(RETRY_S);
		if (s->closing && retry.tv_sec > deadline.tv_sec)
			break;
		wait_until(s, &retry);
	}
	/* what is left could not be written in time */
	s->dropped += s->rows;
	free_rows(s->head, s->rows);
	s->head = NULL;
	s->tail = &s->head;
	s->rows = 0;
	s->finished = 1;
	pthread_cond_broadcast(&s->cond);
	pthread_mutex_unlock(&s->lock);
	return NULL;
}

int pgn_store_start(struct pgn_store *s, pgn_store_mute_fn mute, void *arg)
{
	int err;

	s->mute = mute;
	s->mute_arg = arg;
	mute_connection(s);
	err = pthread_create(&s->thread, NULL, writer, s);
	if (err) {
		fprintf(stderr, "pgnetprof: cannot start the results writer thread: %s\n", strerror(err));
		return -1;
	}
	s->started = 1;
	return 0;
}

/* Called with the lock held: whether the writer finished within @secs. */
static int writer_finished(struct pgn_store *s, unsigned secs)
{
	struct timespec t = pgn_deadline(secs);

	while (!s->finished && pthread_cond_timedwait(&s->cond, &s->lock, &t) != ETIMEDOUT)
		;
	return s->finished;
}

/*
 * The writer has --store-wait to write what is buffered. A results server
 * that hangs (stopped, or a network that drops everything) holds it inside
 * libpq: its socket is then shut down, which fails the call it is in. A
 * writer that still does not finish is left behind, its rows counted as
 * dropped: nothing waits on the network without a bound.
 */
void pgn_store_close(struct pgn_store *s, uint64_t *stored, uint64_t *dropped)
{
	int hung = 0;

	if (!s)
		return;
	if (s->started) {
		pthread_mutex_lock(&s->lock);
		s->closing = 1;
		pthread_cond_broadcast(&s->cond);
		if (!writer_finished(s, s->cfg.drain_s + 1)) {
			fprintf(stderr, "pgnetprof: the results database did not answer within --store-wait (%u s); giving up on it\n",
				s->cfg.drain_s);
			if (s->sock >= 0)
				shutdown(s->sock, SHUT_RDWR);
			hung = !writer_finished(s, 2);
			if (hung)
				s->dropped += s->rows;
		}
		pthread_mutex_unlock(&s->lock);
		if (hung)
			pthread_detach(s->thread);
		else
			pthread_join(s->thread, NULL);
	}
	if (stored)
		*stored = s->stored;
	if (dropped)
		*dropped = s->dropped;
	if (hung)	/* the writer still holds the store: left to the exit */
		return;
	PQfinish(s->conn);
	pgn_buf_free(&s->scratch);
	pthread_mutex_destroy(&s->lock);
	pthread_cond_destroy(&s->cond);
	free(s);
}

void pgn_store_stats(struct pgn_store *s, uint64_t *backlog, uint64_t *stored, uint64_t *dropped)
{
	pthread_mutex_lock(&s->lock);
	*backlog = s->rows;
	*stored = s->stored;
	*dropped = s->dropped;
	pthread_mutex_unlock(&s->lock);
}

/* --store as one more sink of the report: its counts go to the summary */
static void sink_statement(void *ctx, const struct pgn_stmt_view *v)
{
	struct pgn_store *s = ctx;

	if (s->cfg.statements)
		pgn_store_statement(s, v);
}

static void sink_session(void *ctx, const struct pgn_session_view *v)
{
	pgn_store_session(ctx, v);
}

static void sink_finish(void *ctx, struct pgn_summary *sum)
{
	sum->store = 1;
	pgn_store_close(ctx, &sum->stored, &sum->store_dropped);
}

const struct pgn_output pgn_output_store = {
	.statement = sink_statement,
	.session = sink_session,
	.finish = sink_finish,
};
