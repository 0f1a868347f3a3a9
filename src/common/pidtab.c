/* Pid-keyed open addressing with linear probing. Pids are handed out one
 * after another, so they are spread by a multiplicative hash (as the low
 * bits, they made one long cluster of the live backends). A removal shifts
 * the rest of its cluster back instead of leaving a tombstone, so
 * connections coming and going never lengthen the probes (tombstones did,
 * without bound). */
#include <stdlib.h>

#include "pidtab.h"

size_t pgn_pidtab_home(const struct pgn_pidtab *t, uint32_t pid)
{
	/* Fibonacci hashing: the top bits of pid x 2^32/phi */
	return (uint32_t)(pid * 2654435769u) >> (32 - __builtin_ctzl(t->cap));
}


static struct pgn_pidtab_slot *find(const struct pgn_pidtab *t, uint32_t pid)
{
	if (!t->cap)
		return NULL;
	for (size_t i = pgn_pidtab_home(t, pid); t->slots[i].pid; i = (i + 1) & (t->cap - 1))
		if (t->slots[i].pid == pid)
			return &t->slots[i];
	return NULL;
}

static int grow(struct pgn_pidtab *t)
{
	struct pgn_pidtab old = *t;
	size_t i;

	t->cap = old.cap ? old.cap * 2 : 64;
	t->slots = calloc(t->cap, sizeof(*t->slots));
	if (!t->slots) {
		*t = old;
		return -1;
	}
	t->used = 0;
	for (size_t j = 0; j < old.cap; j++) {
		if (!old.slots[j].pid)
			continue;
		for (i = pgn_pidtab_home(t, old.slots[j].pid); t->slots[i].pid; i = (i + 1) & (t->cap - 1))
			;
		t->slots[i] = old.slots[j];
		t->used++;
	}
	free(old.slots);
	return 0;
}

void *pgn_pidtab_get(const struct pgn_pidtab *t, uint32_t pid)
{
	struct pgn_pidtab_slot *s = find(t, pid);

	return s ? s->val : NULL;
}

int pgn_pidtab_put(struct pgn_pidtab *t, uint32_t pid, void *val)
{
	struct pgn_pidtab_slot *s = find(t, pid);
	size_t i;

	if (s) {
		s->val = val;
		return 0;
	}
	if ((t->used + 1) * 2 > t->cap && grow(t))
		return -1;
	for (i = pgn_pidtab_home(t, pid); t->slots[i].pid; i = (i + 1) & (t->cap - 1))
		;
	t->used++;
	t->slots[i] = (struct pgn_pidtab_slot){ .pid = pid, .val = val };
	return 0;
}

/* Whether slot i lies cyclically in (from, to]. */
static int between(size_t from, size_t i, size_t to)
{
	return from <= to ? from < i && i <= to : from < i || i <= to;
}

void *pgn_pidtab_take(struct pgn_pidtab *t, uint32_t pid)
{
	struct pgn_pidtab_slot *s = find(t, pid);
	size_t hole, j, mask = t->cap - 1;
	void *val;

	if (!s)
		return NULL;
	val = s->val;
	hole = s - t->slots;
	/* an entry after the hole whose home is not between them moves in */
	for (j = (hole + 1) & mask; t->slots[j].pid; j = (j + 1) & mask) {
		if (between(hole, pgn_pidtab_home(t, t->slots[j].pid), j))
			continue;
		t->slots[hole] = t->slots[j];
		hole = j;
	}
	t->slots[hole] = (struct pgn_pidtab_slot){ 0 };
	t->used--;
	return val;
}

int pgn_pidtab_next(const struct pgn_pidtab *t, size_t *pos, uint32_t *pid, void **val)
{
	for (; *pos < t->cap; (*pos)++) {
		const struct pgn_pidtab_slot *s = &t->slots[*pos];

		if (s->pid) {
			*pid = s->pid;
			*val = s->val;
			(*pos)++;
			return 1;
		}
	}
	return 0;
}

void pgn_pidtab_clear(struct pgn_pidtab *t)
{
	free(t->slots);
	*t = (struct pgn_pidtab){ 0 };
}
