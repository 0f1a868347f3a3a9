/* Parse round trips held until the execution they prepare: a small
 * open-addressing table by pid (only backends with a held Parse or a
 * merge to subtract from their session's statement count). */
#include <stdlib.h>
#include <string.h>

#include "merge.h"

struct slot {
	uint32_t pid;		/* 0: never used; DELETED: free again */
	uint64_t merged;
	struct pgn_stmt_rec *held;
};

#define DELETED UINT32_MAX

static struct slot *tab;
static size_t cap, used;	/* used counts DELETED slots too */

int pgn_merge_is_parse_only(const struct pgn_stmt_rec *rec)
{
	return rec->status_hits == 1 && !rec->pipelined && pgn_protocol_of(rec) == PGN_PROTO_EXTENDED;
}

static struct slot *find(uint32_t pid)
{
	size_t i;

	if (!cap)
		return NULL;
	for (i = pid & (cap - 1); tab[i].pid; i = (i + 1) & (cap - 1))
		if (tab[i].pid == pid)
			return &tab[i];
	return NULL;
}

static int grow(void)
{
	struct slot *old = tab;
	size_t old_cap = cap, i;

	cap = cap ? cap * 2 : 64;
	tab = calloc(cap, sizeof(*tab));
	if (!tab) {
		tab = old;
		cap = old_cap;
		return -1;
	}
	used = 0;
	for (size_t j = 0; j < old_cap; j++) {
		if (!old[j].pid || old[j].pid == DELETED)
			continue;
		for (i = old[j].pid & (cap - 1); tab[i].pid; i = (i + 1) & (cap - 1))
			;
		tab[i] = old[j];
		used++;
	}
	free(old);
	return 0;
}

static struct slot *get(uint32_t pid)
{
	struct slot *s = find(pid);
	size_t i;

	if (s)
		return s;
	if ((used + 1) * 2 > cap && grow())
		return NULL;
	for (i = pid & (cap - 1); tab[i].pid && tab[i].pid != DELETED; i = (i + 1) & (cap - 1))
		;
	if (!tab[i].pid)
		used++;
	tab[i] = (struct slot){ .pid = pid };
	return &tab[i];
}

static void release_if_empty(struct slot *s)
{
	if (!s->held && !s->merged)
		s->pid = DELETED;
}

int pgn_merge_hold(const struct pgn_stmt_rec *rec)
{
	struct slot *s = get(rec->pid);
	struct pgn_stmt_rec *copy = malloc(sizeof(*copy));

	if (!s || !copy || s->held) {
		free(copy);
		return -1;
	}
	memcpy(copy, rec, pgn_stmt_rec_size(rec));
	s->held = copy;
	return 0;
}

struct pgn_stmt_rec *pgn_merge_take(uint32_t pid)
{
	struct slot *s = find(pid);
	struct pgn_stmt_rec *rec;

	if (!s || !s->held)
		return NULL;
	rec = s->held;
	s->held = NULL;
	release_if_empty(s);
	return rec;
}

struct pgn_stmt_rec *pgn_merge_take_any(void)
{
	for (size_t i = 0; i < cap; i++)
		if (tab[i].pid && tab[i].pid != DELETED && tab[i].held)
			return pgn_merge_take(tab[i].pid);
	return NULL;
}

void pgn_merge_count(uint32_t pid)
{
	struct slot *s = get(pid);

	if (s)
		s->merged++;
}

uint64_t pgn_merge_forget(uint32_t pid)
{
	struct slot *s = find(pid);
	uint64_t n;

	if (!s)
		return 0;
	n = s->merged;
	s->merged = 0;
	release_if_empty(s);
	return n;
}
