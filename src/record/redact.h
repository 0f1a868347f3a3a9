#ifndef PGNETPROF_REDACT_H
#define PGNETPROF_REDACT_H

#include <stddef.h>

/*
 * For --redact: every string ('...', E'...', $tag$...$tag$, including one
 * left unterminated), number and comment hidden; identifiers, keywords,
 * "quoted identifiers" and $n parameters stay. Constants become $n, numbered
 * as libpg_query numbers them, in a text it @parsed; else "?", which marks
 * a text it could not parse (cut at --query-max, or not SQL it knows).
 * Unlike libpg_query's normalization it leaves no constant of a utility
 * statement (ALTER ROLE ... PASSWORD '...') and no comment. Returns the
 * length written.
 */
size_t pgn_redact(const char *in, size_t len, int parsed, char *out, size_t outlen);

/* The first $n libpg_query gives a constant of @q: after its own highest. */
unsigned pgn_first_param(const char *q, size_t len);

#define PGN_PARAM_EMPTY (~0u)

/* The same literals replaced by $param, $param+1... in order (param 0:
 * by "?"; PGN_PARAM_EMPTY: by '' or 0, a text of the same syntax whose
 * constants all have one value): the statement's shape, as libpg_query normalizes texts it
 * parses, for the fingerprint cache. *plain (if not NULL) says whether
 * every literal was one a lexer cannot misread: closed '...' strings
 * without backslashes, $$ quotes, plain numbers, and no comments. */
size_t pgn_replace_literals(const char *in, size_t len, char *out, size_t outlen, unsigned param,
			    int *plain);

#endif
