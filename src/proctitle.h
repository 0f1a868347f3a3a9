#ifndef PGNETPROF_PROCTITLE_H
#define PGNETPROF_PROCTITLE_H

#include <stdbool.h>
#include <stddef.h>

/* Who a backend serves, from its process title. Empty: unknown. */
struct pgn_who {
	char user[64];
	char database[64];
};

/* Parses "postgres: [CLUSTER: ]USER DATABASE HOST[(PORT)] ACTIVITY".
 * Returns false (w emptied) when the title is not a client backend's,
 * e.g. with update_process_title=off. */
bool pgn_proctitle_parse(const char *title, size_t len, struct pgn_who *w);

#endif
