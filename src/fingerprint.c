/* Statement fingerprints from libpg_query, with a small cache. */
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <pg_query.h>

#include "fingerprint.h"

#define CACHE_SIZE 1024

static struct {
	uint64_t hash;
	size_t len;
	char fp[17];
} cache[CACHE_SIZE];

static uint64_t fnv1a(const char *s, size_t len)
{
	uint64_t h = 0xcbf29ce484222325ULL;

	for (size_t i = 0; i < len; i++)
		h = (h ^ (unsigned char)s[i]) * 0x100000001b3ULL;
	return h;
}

void pgn_fingerprint(const char *query, size_t len, char out[17])
{
	uint64_t h = fnv1a(query, len);
	unsigned i = h % CACHE_SIZE;
	PgQueryFingerprintResult r;

	if (cache[i].hash == h && cache[i].len == len && cache[i].fp[0]) {
		memcpy(out, cache[i].fp, 17);
		return;
	}
	r = pg_query_fingerprint(query);
	if (r.error || !r.fingerprint_str)
		snprintf(out, 17, "%016llx", (unsigned long long)h);
	else
		snprintf(out, 17, "%s", r.fingerprint_str);
	pg_query_free_fingerprint_result(r);
	cache[i].hash = h;
	cache[i].len = len;
	memcpy(cache[i].fp, out, 17);
}
