/* A small open-addressing table from pid to a pointer the caller owns:
 * what userspace keeps per backend between its records. */
#ifndef PGNETPROF_PIDTAB_H
#define PGNETPROF_PIDTAB_H

#include <stddef.h>
#include <stdint.h>

struct pgn_pidtab_slot {
	uint32_t pid;		/* 0: free */
	void *val;
};

struct pgn_pidtab {
	struct pgn_pidtab_slot *slots;
	size_t cap;
	size_t used;
};

void *pgn_pidtab_get(const struct pgn_pidtab *t, uint32_t pid);
/* Sets pid's value (replacing any); -1 when out of memory. */
int pgn_pidtab_put(struct pgn_pidtab *t, uint32_t pid, void *val);
/* Removes pid; returns what it held, or NULL. It moves other entries:
 * not while iterating. */
void *pgn_pidtab_take(struct pgn_pidtab *t, uint32_t pid);
/* Iteration: start with *pos = 0; returns 0 at the end. Change nothing
 * meanwhile: a take moves entries, a put may grow the table. */
int pgn_pidtab_next(const struct pgn_pidtab *t, size_t *pos, uint32_t *pid, void **val);
/* The slot where pid's probe starts (for the tests). */
size_t pgn_pidtab_home(const struct pgn_pidtab *t, uint32_t pid);
/* Frees the table (not the values). */
void pgn_pidtab_clear(struct pgn_pidtab *t);

#endif
