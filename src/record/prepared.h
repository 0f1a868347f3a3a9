#ifndef PGNETPROF_PREPARED_H
#define PGNETPROF_PREPARED_H

#include "pgnetprof.h"

/*
 * --probes wire: the texts of named prepared statements. The kernel reads
 * a statement's text from its Parse; an execution that only names it
 * (Bind) comes with the name's hash and no text. Remembers the text of a
 * record that has both; returns @rec, or a copy (valid until the next
 * call) with the text of the statement it names when that is known.
 */
const struct pgn_stmt_rec *pgn_prepared_resolve(const struct pgn_stmt_rec *rec);

#endif
