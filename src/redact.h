#ifndef PGNETPROF_REDACT_H
#define PGNETPROF_REDACT_H

#include <stddef.h>

/* For --redact when libpg_query cannot parse a text (cut at --query-max,
 * or not SQL it knows): every string ('...', E'...', $tag$...$tag$,
 * including one left unterminated) and number becomes "?". Identifiers,
 * keywords and "quoted identifiers" stay. Returns the length written. */
size_t pgn_scrub_literals(const char *in, size_t len, char *out, size_t outlen);

/* The same literals replaced by $param, $param+1... in order (param 0:
 * by "?"): the statement's shape, as libpg_query normalizes texts it
 * parses, for the fingerprint cache. *plain (if not NULL) says whether
 * every literal was one a lexer cannot misread: closed '...' strings
 * without backslashes, $$ quotes, plain numbers, and no comments. */
size_t pgn_replace_literals(const char *in, size_t len, char *out, size_t outlen, unsigned param,
			    int *plain);

#endif
