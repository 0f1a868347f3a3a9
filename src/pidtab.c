/* Pid-keyed open addressing with linear probing; pids are spread enough
 * that the low bits make a good hash. */
#include <stdlib.h>

#include "pidtab.h"

#define DELETED UINT32_MAX

static size_t home(const struct pgn_pidtab *t, uint32_t pid)
{
	return pid & (t->cap - 1);
}

static struct pgn_pidtab_slot *find(const struct pgn_pidtab *t, uint32_t pid)
{
	if (!t->cap)
		return NULL;
	for (size_t i = home(t, pid); t->slots[i].pid; i = (i + 1) & (t->cap - 1))
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
		if (!old.slots[j].pid || old.slots[j].pid == DELETED)
			continue;
		for (i = home(t, old.slots[j].pid); t->slots[i].pid; i = (i + 1) & (t->cap - 1))
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
	for (i = home(t, pid); t->slots[i].pid && t->slots[i].pid != DELETED; i = (i + 1) & (t->cap - 1))
		;
	if (!t->slots[i].pid)
		t->used++;
	t->slots[i] = (struct pgn_pidtab_slot){ .pid = pid, .val = val };
	return 0;
}

void *pgn_pidtab_take(struct pgn_pidtab *t, uint32_t pid)
{
	struct pgn_pidtab_slot *s = find(t, pid);
	void *val;

	if (!s)
		return NULL;
	val = s->val;
	*s = (struct pgn_pidtab_slot){ .pid = DELETED };
	return val;
}

int pgn_pidtab_next(const struct pgn_pidtab *t, size_t *pos, uint32_t *pid, void **val)
{
	for (; *pos < t->cap; (*pos)++) {
		const struct pgn_pidtab_slot *s = &t->slots[*pos];

		if (s->pid && s->pid != DELETED) {
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
