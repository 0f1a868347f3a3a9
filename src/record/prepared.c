/* Texts of named prepared statements, by backend and name (--probes wire). */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "merge.h"
#include "prepared.h"

/* A bounded table: a slot a (backend, name); a collision replaces the
 * older text (its executions then show none), nothing is freed per session
 * (a slot of a gone backend never matches: proc_start_ns). */
#define SLOTS 4096

struct prepared {
	uint32_t pid, name_hash;
	uint64_t proc_start_ns;
	uint32_t len;
	uint8_t truncated;
	char *text;
};

static struct prepared slots[SLOTS];

static struct prepared *slot(const struct pgn_stmt_rec *rec)
{
	uint64_t k = ((uint64_t)rec->pid << 32 | rec->name_hash) * 0x9e3779b97f4a7c15ULL;

	return &slots[k >> 52];
}

static int same(const struct prepared *p, const struct pgn_stmt_rec *rec)
{
	return p->text && p->pid == rec->pid && p->name_hash == rec->name_hash &&
	       p->proc_start_ns == rec->proc_start_ns;
}

const struct pgn_stmt_rec *pgn_prepared_resolve(const struct pgn_stmt_rec *rec)
{
	static struct pgn_stmt_rec copy;
	struct prepared *p;

	if (!rec->name_hash)
		return rec;
	p = slot(rec);
	if (rec->query_len) {	/* its Parse's text: remembered */
		if (same(p, rec) && p->len == rec->query_len && !memcmp(p->text, rec->query, p->len))
			return rec;
		free(p->text);
		p->text = malloc(rec->query_len);
		if (p->text)
			memcpy(p->text, rec->query, rec->query_len);
		p->pid = rec->pid;
		p->name_hash = rec->name_hash;
		p->proc_start_ns = rec->proc_start_ns;
		p->len = rec->query_len;
		p->truncated = rec->truncated;
		return rec;
	}
	if (!same(p, rec))
		return rec;
	memcpy(&copy, rec, offsetof(struct pgn_stmt_rec, query));
	memcpy(copy.query, p->text, p->len);
	copy.query[p->len] = 0;
	copy.query_len = p->len;
	copy.truncated = p->truncated;
	return &copy;
}
