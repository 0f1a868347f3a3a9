#ifndef PGNETPROF_FINGERPRINT_H
#define PGNETPROF_FINGERPRINT_H

#include <stddef.h>

/* 16 hex digits identifying the statement's normalized form (libpg_query,
 * as pg_stat_statements users know it); texts it cannot parse get a hash
 * of the text itself. Cached: hot statements are parsed once. */
void pgn_fingerprint(const char *query, size_t len, char out[17]);

#endif
