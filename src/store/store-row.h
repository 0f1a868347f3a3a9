#ifndef PGNETPROF_STORE_ROW_H
#define PGNETPROF_STORE_ROW_H

#include <stddef.h>
#include <stdint.h>

#include "fields.h"
#include "output.h"

/* A growable byte buffer; on allocation failure it stays short and
 * sets failed, so callers check once at the end. */
struct pgn_buf {
	char *p;
	size_t len, cap;
	int failed;
};

void pgn_buf_free(struct pgn_buf *b);

/* Appends s as a COPY text-format field: valid UTF-8 (invalid bytes
 * become U+FFFD, NUL is dropped) with \\, \n, \r and \t escaped. */
void pgn_copy_text(struct pgn_buf *b, const char *s, size_t len);

/* The address part of a client string ("1.2.3.4:5", "[::1]:5"), for an
 * inet column; "" for "[local]" or unknown. */
void pgn_client_addr(const char *client, char *out, size_t len);

/* One COPY line (with its newline) for pgnetprof.statements / .sessions;
 * the column lists are PGN_STATEMENT_COLUMNS and PGN_SESSION_COLUMNS
 * (fields.h). */
void pgn_row_statement(struct pgn_buf *b, const char *host, const struct pgn_stmt_view *v);
void pgn_row_session(struct pgn_buf *b, const char *host, const struct pgn_session_view *v);

/* Rollup rows (rollup.h) for pgnetprof.statement_rollups, and a
 * fingerprint's text for pgnetprof.fingerprints; their column lists. */
struct pgn_rollup_row;
void pgn_row_rollup(struct pgn_buf *b, const char *host, const struct pgn_rollup_row *r);
void pgn_row_fingerprint(struct pgn_buf *b, const struct pgn_stmt_view *v, int64_t now_ns);
extern const char pgn_rollup_columns[], pgn_fingerprint_columns[];

#endif
