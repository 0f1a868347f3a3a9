#ifndef PGNETPROF_STORE_SCHEMA_H
#define PGNETPROF_STORE_SCHEMA_H

#include <libpq-fe.h>

/* A connection to the results database, or NULL with libpq's reason in
 * *why (PQfinish it after reading). Never prints the conninfo: it may
 * hold a password. */
PGconn *pgn_store_connect(const char *conninfo, PGconn **why);
/* Runs a statement that returns no rows to read; 0 on success, else -1,
 * saying "@what failed" with the server's reason unless @what is NULL. */
int pgn_store_exec(PGconn *c, const char *sql, const char *what);
/* 0 if the schema is this release's version and writable; prints why not. */
int pgn_store_check_schema(PGconn *c);

#endif
