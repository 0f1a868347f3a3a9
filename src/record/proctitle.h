#ifndef PGNETPROF_PROCTITLE_H
#define PGNETPROF_PROCTITLE_H

#include <stdbool.h>
#include <stddef.h>
#include <linux/types.h>

#include "pgnetprof.h"

/* Who a backend serves, from its process title. Empty: unknown. */
struct pgn_who {
	char user[64];
	char database[64];
	char client[128];	/* from a title: "ADDR(PORT)" or "[local]" */
};

/* Parses "postgres: [CLUSTER: ]USER DATABASE HOST[(PORT)] ACTIVITY".
 * Returns false (w emptied) when the title is not a client backend's,
 * e.g. with update_process_title=off. */
bool pgn_proctitle_parse(const char *title, size_t len, struct pgn_who *w);

/* From the startup message's parameters (key NUL value NUL ... NUL; len:
 * the bytes the kernel read, which may cut them): user, and database (the
 * user's name when absent). False (w emptied) when there is no user, or it
 * or the database was cut. */
bool pgn_startup_parse(const char *params, size_t len, struct pgn_who *w);

/* The client of a title's who (w->client) as an endpoint: transport,
 * remote address and port; false when it is not one. */
bool pgn_proctitle_client(const struct pgn_who *w, struct pgn_endpoint *ep);

/* Who a backend serves: its startup message, else its title. */
void pgn_who_of(const struct pgn_endpoint *ep, struct pgn_who *w);

#endif
