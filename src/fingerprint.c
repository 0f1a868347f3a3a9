/* Normalized texts and fingerprints from libpg_query, cached. The
 * fingerprint of a normalized text is that of the original, so it is
 * computed from the normalized text, cached by it: texts differing only in
 * constants cost one parse each (normalizing), not two. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <pg_query.h>

#include "fingerprint.h"

#define CACHE_SIZE 1024

struct entry {
	uint64_t hash;
	size_t len;
	char *text;		/* normalized text (NULL: unparsable); owned */
	char fp[17];
};

static struct entry by_raw[CACHE_SIZE];	/* raw text -> normalized, fingerprint */
static struct entry by_norm[CACHE_SIZE];	/* normalized text -> fingerprint */

static uint64_t fnv1a(const char *s, size_t len)
{
	uint64_t h = 0xcbf29ce484222325ULL;

	for (size_t i = 0; i < len; i++)
		h = (h ^ (unsigned char)s[i]) * 0x100000001b3ULL;
	return h;
}

static struct entry *slot(struct entry *cache, uint64_t h, size_t len, int *hit)
{
	struct entry *e = &cache[h % CACHE_SIZE];

	*hit = e->hash == h && e->len == len && e->fp[0];
	return e;
}

static void fingerprint_normalized(const char *norm, char out[17])
{
	size_t len = strlen(norm);
	uint64_t h = fnv1a(norm, len);
	int hit;
	struct entry *e = slot(by_norm, h, len, &hit);
	PgQueryFingerprintResult r;

	if (!hit) {
		r = pg_query_fingerprint(norm);
		snprintf(e->fp, sizeof(e->fp), "%s", !r.error && r.fingerprint_str ? r.fingerprint_str : "");
		if (!e->fp[0])
			snprintf(e->fp, sizeof(e->fp), "%016llx", (unsigned long long)h);
		pg_query_free_fingerprint_result(r);
		e->hash = h;
		e->len = len;
	}
	memcpy(out, e->fp, 17);
}

void pgn_text_analyze(const char *query, size_t len, struct pgn_text_info *info)
{
	uint64_t h = fnv1a(query, len);
	int hit;
	struct entry *e = slot(by_raw, h, len, &hit);
	PgQueryNormalizeResult r;

	if (!hit) {
		free(e->text);
		e->text = NULL;
		r = pg_query_normalize(query);
		if (!r.error && r.normalized_query)
			e->text = strdup(r.normalized_query);
		pg_query_free_normalize_result(r);
		if (e->text)
			fingerprint_normalized(e->text, e->fp);
		else
			snprintf(e->fp, sizeof(e->fp), "%016llx", (unsigned long long)h);
		e->hash = h;
		e->len = len;
	}
	memcpy(info->fingerprint, e->fp, 17);
	info->normalized = e->text;
}
