#ifndef PGNETPROF_MERGE_H
#define PGNETPROF_MERGE_H

#include <stddef.h>
#include <stdint.h>
#include <linux/types.h>

#include "pgnetprof.h"

/*
 * The first use of a named prepared statement is a round trip of its own
 * (Parse, Sync) before the execution (Bind, Execute, Sync). It is held
 * back and reported with the execution it prepares, as one statement;
 * a Parse that no execution of the same text follows is reported alone.
 */

/* Bytes of a record as the kernel sends it: the text's unused tail is not. */
static inline size_t pgn_stmt_rec_size(const struct pgn_stmt_rec *rec)
{
	return offsetof(struct pgn_stmt_rec, query) + rec->query_len + 1;
}

/* A Parse-only cycle: one statement__status hit, not a simple Query. */
int pgn_merge_is_parse_only(const struct pgn_stmt_rec *rec);

/* Bind and Execute (two hits or more) of an extended cycle: what a held
 * Parse of the same text joins. A simple Query never absorbs one. */
static inline int pgn_merge_is_execution(const struct pgn_stmt_rec *rec)
{
	return rec->status_hits >= 2 && rec->protocol == PGN_PROTO_EXTENDED;
}

/* Holds a copy of a Parse-only record of its backend; 0, or -1 when out
 * of memory (then report it alone). */
int pgn_merge_hold(const struct pgn_stmt_rec *rec);
/* Takes the record held for pid, if any (the caller frees it). */
struct pgn_stmt_rec *pgn_merge_take(uint32_t pid);
/* Takes any held record (for the end of tracing), or NULL. */
struct pgn_stmt_rec *pgn_merge_take_any(void);
/* Statements of pid reported inside another: counted per session, and
 * forgotten when read at the session's end. */
void pgn_merge_count(uint32_t pid);
uint64_t pgn_merge_forget(uint32_t pid);

#endif
