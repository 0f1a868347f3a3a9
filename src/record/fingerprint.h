#ifndef PGNETPROF_FINGERPRINT_H
#define PGNETPROF_FINGERPRINT_H

#include <stddef.h>

/* What libpg_query makes of a statement's text, as pg_stat_statements
 * users know it: the text with constants replaced by $n, and 16 hex
 * digits identifying that normalized form. */
struct pgn_text_info {
	char fingerprint[17];
	const char *normalized;	/* NULL: not parsable (fingerprint hashes the text) */
};

/* Cached: hot statements are parsed once. info->normalized stays valid
 * until the next call. query must be NUL-terminated at len. */
void pgn_text_analyze(const char *query, size_t len, struct pgn_text_info *info);

/* libpg_query parses made so far (what the caches save). */
unsigned long pgn_text_parses(void);

#endif
