/*
 * Normalized texts and fingerprints from libpg_query, cached three ways:
 * - by raw text, looked up first: a prepared statement's text is the same
 *   at each execution, and its look-up costs a hash of the text, not the
 *   lexer's pass; filled only when a text is parsed (below);
 * - by shape: the text with its literals replaced by $n by our own lexer
 *   (pgn_replace_literals). When that is exactly what libpg_query made of
 *   the first text of a shape, every text of that shape is normalized to
 *   it: texts differing only in constants cost one parse per shape, not
 *   one each (~6.5 us on pgbench's). Where they differ (constants
 *   libpg_query keeps, as in utility statements, or reads otherwise), the
 *   shape is marked and its texts take the next way;
 * - by raw text again, parsed (normalized) when unseen;
 * - by the text with its constants emptied, for the fingerprint (see
 *   fingerprint_of).
 */
#include <ctype.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <linux/types.h>
#include <pg_query.h>

#include "fingerprint.h"
#include "pgnetprof.h"
#include "redact.h"

#define CACHE_SIZE 1024

struct entry {
	uint64_t hash;
	size_t len;
	char *raw;		/* by_raw: the text itself (hashes collide); owned */
	char *text;		/* normalized text (NULL: unparsable); owned */
	char fp[17];
	int faithful;		/* by_shape: text is libpg_query's normalization */
};

static struct entry by_shape[CACHE_SIZE];	/* shape -> normalized, fingerprint */
static struct entry by_raw[CACHE_SIZE];	/* raw text -> normalized, fingerprint */
static struct entry by_canon[CACHE_SIZE];	/* constants emptied -> fingerprint */
static unsigned long parses;

static uint64_t fnv1a(const char *s, size_t len)
{
	uint64_t h = 0xcbf29ce484222325ULL;

	for (size_t i = 0; i < len; i++)
		h = (h ^ (unsigned char)s[i]) * 0x100000001b3ULL;
	return h;
}

/* The caches' own hash (fnv1a's is visible: the fingerprint of an
 * unparsable text): 8 bytes a step. */
static uint64_t text_hash(const char *s, size_t len)
{
	uint64_t h = len, w;
	size_t i;

	for (i = 0; i + 8 <= len; i += 8) {
		memcpy(&w, s + i, 8);
		h = ((h << 5 | h >> 59) ^ w) * 0x9e3779b97f4a7c15ULL;
	}
	w = 0;
	memcpy(&w, s + i, len - i);
	h = ((h << 5 | h >> 59) ^ w) * 0x9e3779b97f4a7c15ULL;
	return h ^ h >> 32;
}

static struct entry *slot(struct entry *cache, uint64_t h, size_t len, int *hit)
{
	struct entry *e = &cache[h % CACHE_SIZE];

	*hit = e->hash == h && e->len == len && e->fp[0];
	return e;
}

/* libpg_query's fingerprint of @q: 0 when it cannot parse it. */
static int libpg_fingerprint(const char *q, char out[17])
{
	PgQueryFingerprintResult r = pg_query_fingerprint(q);
	int ok = !r.error && r.fingerprint_str;

	if (ok)
		snprintf(out, 17, "%s", r.fingerprint_str);
	pg_query_free_fingerprint_result(r);
	return ok;
}

/*
 * libpg_query's fingerprint of the text with every constant made empty
 * ('' or 0, by our lexer): its own answer for most statements, whose
 * constants it leaves out, and the same for every value of the constants
 * it keeps (CREATE SERVER's OPTIONS, ALTER ROLE's PASSWORD), which would
 * give each password a fingerprint of its own. Cached by that text. Else
 * the fingerprint of the text itself; for a text libpg_query cannot
 * @parse, a hash of that text: the same for every value too.
 */
static void fingerprint_of(const char *query, size_t qlen, int parse, char out[17])
{
	static char canon[2 * PGN_QUERY_MAX];
	size_t len = pgn_replace_literals(query, qlen, canon, sizeof(canon), PGN_PARAM_EMPTY, NULL);
	uint64_t h = fnv1a(canon, len);
	int hit;
	struct entry *e = slot(by_canon, h, len, &hit);

	if (!hit) {
		if (!parse || (!libpg_fingerprint(canon, e->fp) && !libpg_fingerprint(query, e->fp)))
			snprintf(e->fp, sizeof(e->fp), "%016llx", (unsigned long long)h);
		e->hash = h;
		e->len = len;
	}
	memcpy(out, e->fp, 17);
}

/* @query's entry by raw text (@h its text_hash), which holds its answer
 * when @hit. */
static struct entry *raw_slot(const char *query, size_t len, uint64_t h, int *hit)
{
	struct entry *e = slot(by_raw, h, len, hit);

	*hit = *hit && e->raw && !memcmp(e->raw, query, len);
	return e;
}

/* Fills @e, @query's entry by raw text (@h), with what libpg_query makes
 * of it: normalized (NULL: unparsable) and fingerprint. */
static void parse_raw(struct entry *e, uint64_t h, const char *query, size_t len)
{
	PgQueryNormalizeResult r;

	free(e->text);
	free(e->raw);
	e->text = NULL;
	e->raw = strndup(query, len);
	parses++;
	r = pg_query_normalize(query);
	if (!r.error && r.normalized_query)
		e->text = strdup(r.normalized_query);
	pg_query_free_normalize_result(r);
	fingerprint_of(query, len, e->text != NULL, e->fp);
	e->hash = h;
	e->len = len;
}

void pgn_text_analyze(const char *query, size_t len, struct pgn_text_info *info)
{
	static char shape[2 * PGN_QUERY_MAX];
	int plain, hit, fits, raw_hit;
	uint64_t raw_h = text_hash(query, len), h;
	struct entry *e = raw_slot(query, len, raw_h, &raw_hit), *s;
	size_t n;

	if (raw_hit) {
		memcpy(info->fingerprint, e->fp, 17);
		info->normalized = e->text;
		return;
	}
	n = pgn_replace_literals(query, len, shape, sizeof(shape), pgn_first_param(query, len), &plain);
	h = text_hash(shape, n);
	fits = plain && n + 1 < sizeof(shape);
	s = slot(by_shape, h, n, &hit);
	if (fits && hit && s->text && !strcmp(s->text, shape) && s->faithful) {
		memcpy(info->fingerprint, s->fp, 17);
		info->normalized = s->text;
		return;
	}
	parse_raw(e, raw_h, query, len);
	if (fits && !(hit && s->text && !strcmp(s->text, shape))) {
		free(s->text);
		s->text = strdup(shape);
		s->faithful = s->text && e->text && !strcmp(e->text, shape);
		memcpy(s->fp, e->fp, 17);
		s->hash = h;
		s->len = n;
	}
	memcpy(info->fingerprint, e->fp, 17);
	info->normalized = e->text;
}

unsigned long pgn_text_parses(void)
{
	return parses;
}
