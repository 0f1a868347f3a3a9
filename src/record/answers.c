/* Pipelined executions held until their answers (see answers.h). */
#include <stdlib.h>
#include <string.h>

#include "answers.h"
#include "merge.h"
#include "pidtab.h"

struct held_stmt {
	struct held_stmt *next;
	struct pgn_stmt_rec rec;	/* its first pgn_stmt_rec_size() bytes */
};

struct held_answer {
	struct held_answer *next;
	struct pgn_answer_rec ans;
};

struct backend_held {
	struct held_stmt *head, **tail;	/* awaiting their answers, oldest first */
	struct held_stmt *failed;	/* taking in the executions it skipped */
	/* answers delivered before their statements (a statement's stage
	 * flushed late), oldest first */
	struct held_answer *early, **early_tail;
};

static struct pgn_pidtab tab;

static struct held_stmt *copy_of(const struct pgn_stmt_rec *rec)
{
	struct held_stmt *h = malloc(offsetof(struct held_stmt, rec) + pgn_stmt_rec_size(rec));

	if (h) {
		h->next = NULL;
		memcpy(&h->rec, rec, pgn_stmt_rec_size(rec));
	}
	return h;
}

static struct backend_held *backend(uint32_t pid)
{
	struct backend_held *b = pgn_pidtab_get(&tab, pid);

	if (b)
		return b;
	b = calloc(1, sizeof(*b));
	if (!b || pgn_pidtab_put(&tab, pid, b)) {
		free(b);
		return NULL;
	}
	b->tail = &b->head;
	b->early_tail = &b->early;
	return b;
}

static void out_free(struct held_stmt *h, pgn_answered_fn out, void *arg)
{
	if (!h)
		return;
	h->rec.awaiting = 0;
	out(arg, &h->rec);
	free(h);
}

/* A skipped execution, reported inside the failure: its request, and
 * what the server sent in its place (the cycle's ReadyForQuery). */
static void take_in(struct pgn_stmt_rec *failed, const struct pgn_stmt_rec *skipped)
{
	pgn_traffic_add(&failed->t, &skipped->t);
	failed->out_rx_bytes += skipped->out_rx_bytes;
	failed->out_tx_bytes += skipped->out_tx_bytes;
	if (skipped->last_tx_ns > failed->last_tx_ns)
		failed->last_tx_ns = skipped->last_tx_ns;
	pgn_merge_count(skipped->pid);
}

static struct held_stmt *pop(struct backend_held *b)
{
	struct held_stmt *h = b->head;

	if (h && !(b->head = h->next))
		b->tail = &b->head;
	return h;
}

static void release(uint32_t pid, struct backend_held *b, pgn_answered_fn out, void *arg)
{
	struct held_answer *a;

	out_free(b->failed, out, arg);
	b->failed = NULL;
	while (b->head)
		out_free(pop(b), out, arg);
	while ((a = b->early)) {
		b->early = a->next;
		free(a);
	}
	free(pgn_pidtab_take(&tab, pid));
}

/* Held statement @h completed by @ans: reported, with the skipped ones it
 * took in, or held while more follow. */
static void answered(struct backend_held *b, struct held_stmt *h, const struct pgn_answer_rec *ans,
		     pgn_answered_fn out, void *arg)
{
	struct held_stmt *s;

	pgn_traffic_add(&h->rec.t, &ans->t);
	h->rec.done_ns = ans->done_ns;
	h->rec.last_tx_ns = ans->last_tx_ns;
	h->rec.status = ans->status;
	for (int i = 0; i < ans->skipped && (s = pop(b)); i++) {
		take_in(&h->rec, &s->rec);
		free(s);
	}
	if (ans->skip_follows) {
		out_free(b->failed, out, arg);
		b->failed = h;
		return;
	}
	out_free(h, out, arg);
}

int pgn_answers_statement(const struct pgn_stmt_rec *rec, pgn_answered_fn out, void *arg)
{
	struct backend_held *b = pgn_pidtab_get(&tab, rec->pid);
	struct held_stmt *h;

	if (rec->status == PGN_STMT_SKIPPED && b && b->failed) {
		take_in(&b->failed->rec, rec);
		if (!rec->skip_follows && !rec->awaiting) {	/* the last of its cycle */
			out_free(b->failed, out, arg);
			b->failed = NULL;
		}
		return 1;
	}
	if (b && !rec->awaiting)
		release(rec->pid, b, out, arg);
	if (!rec->awaiting && !(rec->skip_follows && rec->status == PGN_STMT_ERROR))
		return 0;
	b = backend(rec->pid);
	h = copy_of(rec);
	if (!b || !h) {
		free(h);
		return 0;
	}
	if (rec->awaiting && b->early) {	/* its answer came first */
		struct held_answer *a = b->early;

		if (!(b->early = a->next))
			b->early_tail = &b->early;
		answered(b, h, &a->ans, out, arg);
		free(a);
	} else if (rec->awaiting) {
		*b->tail = h;
		b->tail = &h->next;
	} else {
		b->failed = h;
	}
	return 1;
}

void pgn_answers_answer(const struct pgn_answer_rec *ans, pgn_answered_fn out, void *arg)
{
	struct backend_held *b = backend(ans->pid);
	struct held_stmt *h = b ? pop(b) : NULL;
	struct held_answer *a;

	if (h) {
		answered(b, h, ans, out, arg);
		return;
	}
	if (!b || !(a = malloc(sizeof(*a))))
		return;
	a->next = NULL;
	a->ans = *ans;
	*b->early_tail = a;
	b->early_tail = &a->next;
}

void pgn_answers_release(uint32_t pid, pgn_answered_fn out, void *arg)
{
	struct backend_held *b;
	size_t pos = 0;

	if (pid) {
		if ((b = pgn_pidtab_get(&tab, pid)))
			release(pid, b, out, arg);
		return;
	}
	while (pgn_pidtab_next(&tab, &pos, &pid, (void **)&b)) {
		release(pid, b, out, arg);
		pos = 0;	/* the table changed */
	}
}
