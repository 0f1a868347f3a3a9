/* Parse round trips held until the execution they prepare, by pid (only
 * backends with a held Parse or a merge to subtract from their session's
 * statement count). */
#include <stdlib.h>
#include <string.h>

#include "merge.h"
#include "pidtab.h"

struct held {
	uint64_t merged;	/* executions joined to a Parse, to take off the session */
	struct pgn_stmt_rec *held;
};

static struct pgn_pidtab tab;

int pgn_merge_is_parse_only(const struct pgn_stmt_rec *rec)
{
	return rec->status_hits == 1 && !rec->pipelined && pgn_protocol_of(rec) == PGN_PROTO_EXTENDED;
}

static struct held *get(uint32_t pid)
{
	struct held *h = pgn_pidtab_get(&tab, pid);

	if (h)
		return h;
	h = calloc(1, sizeof(*h));
	if (h && pgn_pidtab_put(&tab, pid, h)) {
		free(h);
		return NULL;
	}
	return h;
}

static void release_if_empty(uint32_t pid, struct held *h)
{
	if (!h->held && !h->merged)
		free(pgn_pidtab_take(&tab, pid));
}

int pgn_merge_hold(const struct pgn_stmt_rec *rec)
{
	struct held *h = get(rec->pid);
	struct pgn_stmt_rec *copy = malloc(sizeof(*copy));

	if (!h || !copy || h->held) {
		free(copy);
		return -1;
	}
	memcpy(copy, rec, pgn_stmt_rec_size(rec));
	h->held = copy;
	return 0;
}

struct pgn_stmt_rec *pgn_merge_take(uint32_t pid)
{
	struct held *h = pgn_pidtab_get(&tab, pid);
	struct pgn_stmt_rec *rec;

	if (!h || !h->held)
		return NULL;
	rec = h->held;
	h->held = NULL;
	release_if_empty(pid, h);
	return rec;
}

struct pgn_stmt_rec *pgn_merge_take_any(void)
{
	size_t pos = 0;
	uint32_t pid;
	void *h;

	while (pgn_pidtab_next(&tab, &pos, &pid, &h))
		if (((struct held *)h)->held)
			return pgn_merge_take(pid);
	return NULL;
}

void pgn_merge_count(uint32_t pid)
{
	struct held *h = get(pid);

	if (h)
		h->merged++;
}

uint64_t pgn_merge_forget(uint32_t pid)
{
	struct held *h = pgn_pidtab_get(&tab, pid);
	uint64_t n;

	if (!h)
		return 0;
	n = h->merged;
	h->merged = 0;
	release_if_empty(pid, h);
	return n;
}
