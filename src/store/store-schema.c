/* The results schema: connecting, versions, migrations (--init-store). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "store-migrations.h"
#include "store-schema.h"
#include "store.h"

/* Serialises concurrent --init-store runs (pg_advisory_xact_lock key). */
#define MIGRATION_LOCK "7046414e455450524f46"
/* the partitions' upkeep (migration 008), which every writer runs */
#define PGN_MAINTAIN "pgnetprof.maintain(interval, interval, integer, timestamptz)"

PGconn *pgn_store_connect(const char *conninfo, PGconn **why)
{
	/* Later keywords win: the conninfo overrides our defaults, and the
	 * client encoding is always ours (rows are UTF-8). A default is
	 * left out when its PG* variable is set, or it would override it. */
	const char *keys[5], *vals[5];
	PGconn *c;
	int n = 0;

	if (!getenv("PGCONNECT_TIMEOUT"))
		keys[n] = "connect_timeout", vals[n++] = "10";
	if (!getenv("PGAPPNAME"))
		keys[n] = "application_name", vals[n++] = "pgnetprof";
	keys[n] = "dbname", vals[n++] = conninfo;
	keys[n] = "client_encoding", vals[n++] = "UTF8";
	keys[n] = NULL, vals[n] = NULL;
	c = PQconnectdbParams(keys, vals, 1);

	*why = NULL;
	if (c && PQstatus(c) == CONNECTION_OK)
		return c;
	*why = c;
	return NULL;
}

char *pgn_conninfo_take(char *arg)
{
	char *copy = strdup(arg), *at;
	PQconninfoOption *opts = PQconninfoParse(arg, NULL);
	size_t n;

	for (PQconninfoOption *o = opts; o && o->keyword; o++) {
		if (strcmp(o->keyword, "password") || !o->val || !*o->val)
			continue;
		n = strlen(o->val);
		at = strstr(arg, o->val);
		if (at)		/* as written: only it is hidden */
			memset(at, '*', n);
		else		/* quoted or escaped: all of it */
			memset(arg, '*', strlen(arg));
	}
	PQconninfoFree(opts);
	return copy;
}

static int latest_version(void)
{
	int v = 0;

	for (const struct pgn_migration *m = pgn_migrations; m->version; m++)
		v = m->version;
	return v;
}

/* The first row's first column of a query, as an int; -1 on error. */
static int query_int(PGconn *c, const char *sql, const char **sqlstate)
{
	PGresult *r = PQexec(c, sql);
	int v = -1;

	*sqlstate = NULL;
	if (PQresultStatus(r) == PGRES_TUPLES_OK && PQntuples(r) == 1)
		v = atoi(PQgetvalue(r, 0, 0));
	else
		*sqlstate = PQresultErrorField(r, PG_DIAG_SQLSTATE);
	if (*sqlstate)
		*sqlstate = strcmp(*sqlstate, "42P01") && strcmp(*sqlstate, "3F000") ? "other" : "missing";
	PQclear(r);
	return v;
}

int pgn_store_check_schema(PGconn *c)
{
	const char *state;
	int have, want = latest_version();

	have = query_int(c, "SELECT coalesce(max(version), 0) FROM pgnetprof.schema_version", &state);
	if (have < 0 && state && !strcmp(state, "missing")) {
		fprintf(stderr, "pgnetprof: the results database has no pgnetprof schema; create it with: pgnetprof --init-store CONNINFO (the same CONNINFO as --store)\n");
		return -1;
	}
	if (have < 0) {
		fprintf(stderr, "pgnetprof: cannot read the results schema version: %s", PQerrorMessage(c));
		return -1;
	}
	if (have != want) {
		fprintf(stderr, "pgnetprof: the results schema is at version %d, this pgnetprof writes version %d; %s\n",
			have, want, have < want ? "upgrade it with: pgnetprof --init-store CONNINFO" :
			"use the newer pgnetprof that upgraded it");
		return -1;
	}
	if (query_int(c, "SELECT (has_table_privilege('pgnetprof.statements', 'INSERT') AND "
			 "has_table_privilege('pgnetprof.sessions', 'INSERT') AND "
			 "has_table_privilege('pgnetprof.statement_rollups', 'INSERT') AND "
			 "has_table_privilege('pgnetprof.fingerprints', 'SELECT, INSERT') AND "
			 "has_function_privilege('" PGN_MAINTAIN "', 'EXECUTE'))::int", &state) != 1) {
		fprintf(stderr, "pgnetprof: the results database user may not write pgnetprof's tables; GRANT INSERT ON pgnetprof.statements, pgnetprof.sessions, pgnetprof.statement_rollups, pgnetprof.fingerprints, and SELECT ON pgnetprof.fingerprints, and EXECUTE ON FUNCTION " PGN_MAINTAIN "\n");
		return -1;
	}
	return 0;
}

int pgn_store_exec(PGconn *c, const char *sql, const char *what)
{
	PGresult *r = PQexec(c, sql);
	int ok = PQresultStatus(r) == PGRES_COMMAND_OK || PQresultStatus(r) == PGRES_TUPLES_OK;

	if (!ok && what)
		fprintf(stderr, "pgnetprof: %s failed: %s", what, PQerrorMessage(c));
	PQclear(r);
	return ok ? 0 : -1;
}

static int record_version(PGconn *c, const struct pgn_migration *m)
{
	char v[16];
	const char *params[] = { v, m->description };
	PGresult *r;
	int ok;

	snprintf(v, sizeof(v), "%d", m->version);
	r = PQexecParams(c, "INSERT INTO pgnetprof.schema_version (version, description) VALUES ($1, $2)",
			 2, NULL, params, NULL, NULL, 0);
	ok = PQresultStatus(r) == PGRES_COMMAND_OK;
	if (!ok)
		fprintf(stderr, "pgnetprof: recording schema version %d failed: %s", m->version, PQerrorMessage(c));
	PQclear(r);
	return ok ? 0 : -1;
}

/* Applies the migrations newer than the database's, in one transaction. */
static int migrate(PGconn *c)
{
	const char *state;
	char what[128];
	int have, want = latest_version(), applied = 0;

	if (pgn_store_exec(c, "BEGIN", "BEGIN") ||
	    pgn_store_exec(c, "SELECT pg_advisory_xact_lock(x'" MIGRATION_LOCK "'::bit(64)::bigint)", "locking the schema") ||
	    pgn_store_exec(c, "SET LOCAL client_min_messages = warning", "SET") ||
	    pgn_store_exec(c, "CREATE SCHEMA IF NOT EXISTS pgnetprof", "creating schema pgnetprof") ||
	    pgn_store_exec(c, "CREATE TABLE IF NOT EXISTS pgnetprof.schema_version ("
			"version integer PRIMARY KEY, description text NOT NULL, "
			"applied timestamptz NOT NULL DEFAULT now())", "creating pgnetprof.schema_version"))
		return -1;
	have = query_int(c, "SELECT coalesce(max(version), 0) FROM pgnetprof.schema_version", &state);
	if (have < 0) {
		fprintf(stderr, "pgnetprof: reading the schema version failed: %s", PQerrorMessage(c));
		return -1;
	}
	if (have > want) {
		fprintf(stderr, "pgnetprof: the results schema is at version %d, newer than this pgnetprof knows (%d); use a newer pgnetprof\n",
			have, want);
		return -1;
	}
	for (const struct pgn_migration *m = pgn_migrations; m->version; m++) {
		if (m->version <= have)
			continue;
		snprintf(what, sizeof(what), "schema migration %d (%s)", m->version, m->description);
		if (pgn_store_exec(c, m->sql, what) || record_version(c, m))
			return -1;
		applied++;
	}
	if (pgn_store_exec(c, "COMMIT", "COMMIT"))
		return -1;
	if (applied)
		printf("pgnetprof: results schema upgraded from version %d to %d\n", have, want);
	else
		printf("pgnetprof: results schema already at version %d\n", want);
	return 0;
}

int pgn_store_init_schema(const char *conninfo)
{
	PGconn *why, *c = pgn_store_connect(conninfo, &why);
	int err;

	if (!c) {
		fprintf(stderr, "pgnetprof: cannot connect to the results database: %s",
			why ? PQerrorMessage(why) : "out of memory\n");
		PQfinish(why);
		return -1;
	}
	err = migrate(c);
	PQfinish(c);
	return err;
}
