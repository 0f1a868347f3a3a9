#ifndef PGNETPROF_REDACT_H
#define PGNETPROF_REDACT_H

#include <stddef.h>

/* For --redact when libpg_query cannot parse a text (cut at --query-max,
 * or not SQL it knows): every string ('...', E'...', $tag$...$tag$,
 * including one left unterminated) and number becomes "?". Identifiers,
 * keywords and "quoted identifiers" stay. Returns the length written. */
size_t pgn_scrub_literals(const char *in, size_t len, char *out, size_t outlen);

#endif
