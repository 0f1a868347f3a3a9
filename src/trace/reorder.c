/* Each backend's records in the order its kernel state made them. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <linux/types.h>

#include "pgnetprof.h"
#include "record.h"
#include "reorder.h"

struct reorder_backend {
	uint64_t proc_start_ns;
	uint32_t next;		/* the sequence number due */
	int ended;		/* its session record went out */
	struct held *held;	/* early arrivals, by sequence number */
};

struct held {
	struct held *next;
	unsigned since;		/* ro->drains when it began to wait */
	struct pgn_rec_id id;
	size_t size;
	unsigned char rec[];
};

void pgn_reorder_init(struct pgn_reorder *ro, pgn_deliver_fn deliver, void *arg)
{
	memset(ro, 0, sizeof(*ro));
	ro->deliver = deliver;
	ro->arg = arg;
}

static void deliver(struct pgn_reorder *ro, struct reorder_backend *b, const struct pgn_rec_id *id,
		    const void *rec, size_t size)
{
	if (id->seq >= b->next)	/* else late, after a release gave it up for lost */
		b->next = id->seq + 1;
	b->ended |= id->last;
	ro->deliver(ro->arg, rec, size);
}

/* Delivers what @b held from its due number on, and, past a missing one,
 * what has waited since before drain @before (the missing were lost). */
static void deliver_held(struct pgn_reorder *ro, struct reorder_backend *b, unsigned before)
{
	struct held *h;

	while ((h = b->held) && (h->id.seq == b->next || h->since < before)) {
		b->held = h->next;
		deliver(ro, b, &h->id, h->rec, h->size);
		free(h);
	}
}

static void drop_backend(struct pgn_reorder *ro, uint32_t pid)
{
	struct reorder_backend *b = pgn_pidtab_take(&ro->backends, pid);

	if (b)
		deliver_held(ro, b, ~0u);
	free(b);
}

static struct reorder_backend *backend_of(struct pgn_reorder *ro, const struct pgn_rec_id *id)
{
	struct reorder_backend *b = pgn_pidtab_get(&ro->backends, id->pid);

	if (b && b->proc_start_ns == id->proc_start_ns)
		return b;
	if (b)			/* a new process with that pid: the old one's session was lost */
		drop_backend(ro, id->pid);
	b = calloc(1, sizeof(*b));
	if (b && pgn_pidtab_put(&ro->backends, id->pid, b)) {
		free(b);
		b = NULL;
	}
	if (b)
		b->proc_start_ns = id->proc_start_ns;
	return b;
}

/* Keeps a copy of an early record in @b's list, by sequence number. */
static int hold(struct pgn_reorder *ro, struct reorder_backend *b, const struct pgn_rec_id *id,
		const void *rec, size_t size)
{
	struct held *h = malloc(sizeof(*h) + size), **at = &b->held;

	if (!h)
		return -1;
	h->since = ro->drains;
	h->id = *id;
	h->size = size;
	memcpy(h->rec, rec, size);
	while (*at && (*at)->id.seq < id->seq)
		at = &(*at)->next;
	h->next = *at;
	*at = h;
	return 0;
}

void pgn_reorder_push(struct pgn_reorder *ro, const void *rec, size_t size)
{
	struct reorder_backend *b;
	struct pgn_rec_id id;

	if (pgn_rec_parse(rec, size, &id) || !(b = backend_of(ro, &id))) {
		ro->deliver(ro->arg, rec, size);
		return;
	}
	if (id.seq > b->next && !hold(ro, b, &id, rec, size))
		return;
	deliver(ro, b, &id, rec, size);
	deliver_held(ro, b, 0);
	if (b->ended)
		drop_backend(ro, id.pid);
}

static void release_before(struct pgn_reorder *ro, unsigned before)
{
	uint32_t pid, *ended = malloc(ro->backends.used * sizeof(*ended) + 1);
	size_t pos = 0, n = 0;
	void *b;

	while (pgn_pidtab_next(&ro->backends, &pos, &pid, &b)) {
		deliver_held(ro, b, before);
		if (((struct reorder_backend *)b)->ended && ended)
			ended[n++] = pid;
	}
	/* dropped after the walk: a removal moves the table's entries */
	while (n)
		drop_backend(ro, ended[--n]);
	free(ended);
}

void pgn_reorder_release(struct pgn_reorder *ro)
{
	release_before(ro, ro->drains++);
}

void pgn_reorder_flush(struct pgn_reorder *ro)
{
	release_before(ro, ~0u);
}

void pgn_reorder_free(struct pgn_reorder *ro)
{
	size_t pos = 0;
	uint32_t pid;
	void *b;

	pgn_reorder_flush(ro);
	while (pgn_pidtab_next(&ro->backends, &pos, &pid, &b))
		free(b);
	pgn_pidtab_clear(&ro->backends);
}
