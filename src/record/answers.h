#ifndef PGNETPROF_ANSWERS_H
#define PGNETPROF_ANSWERS_H

#include <stdint.h>
#include <linux/types.h>

#include "pgnetprof.h"

/*
 * --probes wire: the executions of a pipeline or batch that the kernel
 * reported before their responses (awaiting) are held until their answer
 * records; a failed one is held until the executions the server skipped
 * after it (up to Sync) have come, which are reported inside it, as no
 * statement of their own. Each backend's records arrive in order, so an
 * answer is the oldest held one's. A statement of a backend that neither
 * awaits nor was skipped releases all that it still holds (their answers
 * were lost), so nothing is held past the next statement.
 */
typedef void (*pgn_answered_fn)(void *arg, const struct pgn_stmt_rec *rec);

/* 1 when @rec is held or was reported inside a held one; 0: report it
 * now (after what it released went to @out). */
int pgn_answers_statement(const struct pgn_stmt_rec *rec, pgn_answered_fn out, void *arg);
/* The oldest held statement of the answer's backend, completed. */
void pgn_answers_answer(const struct pgn_answer_rec *ans, pgn_answered_fn out, void *arg);
/* All held for @pid (its session ended), or for every backend (pid 0). */
void pgn_answers_release(uint32_t pid, pgn_answered_fn out, void *arg);

#endif
