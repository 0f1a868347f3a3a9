/* User and database of a backend, from the title PostgreSQL sets. */
#include <string.h>

#include "proctitle.h"

#define PREFIX "postgres: "

/* Copies the next space-separated token of [*p, end) into out. */
static size_t next_token(const char **p, const char *end, char *out, size_t outlen)
{
	const char *s = *p, *e;
	size_t n;

	while (s < end && *s == ' ')
		s++;
	for (e = s; e < end && *e != ' ' && *e; e++)
		;
	n = (size_t)(e - s);
	if (n >= outlen)
		n = outlen - 1;
	memcpy(out, s, n);
	out[n] = 0;
	*p = e;
	return n;
}

bool pgn_proctitle_parse(const char *title, size_t len, struct pgn_who *w)
{
	const char *p = title, *end = title + strnlen(title, len);
	char host[128];

	memset(w, 0, sizeof(*w));
	if ((size_t)(end - p) < sizeof(PREFIX) - 1 || memcmp(p, PREFIX, sizeof(PREFIX) - 1))
		return false;
	p += sizeof(PREFIX) - 1;
	if (!next_token(&p, end, w->user, sizeof(w->user)))
		goto unknown;
	if (w->user[strlen(w->user) - 1] == ':' &&	/* cluster_name */
	    !next_token(&p, end, w->user, sizeof(w->user)))
		goto unknown;
	if (!next_token(&p, end, w->database, sizeof(w->database)) ||
	    !next_token(&p, end, host, sizeof(host)))
		goto unknown;
	/* a client backend's third word is its client: addr(port) or [local] */
	if (strcmp(host, "[local]") && !strchr(host, '('))
		goto unknown;
	return true;
unknown:
	memset(w, 0, sizeof(*w));
	return false;
}
