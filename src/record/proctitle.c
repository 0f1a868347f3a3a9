/* User and database of a backend: from its startup message when it was
 * seen in clear, else from the title PostgreSQL sets. */
#include <arpa/inet.h>
#include <ctype.h>
#include <stdio.h>
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

/* A client as the title shows it: ADDR(PORT) or [local]. */
static bool client_token(const char *t)
{
	const char *open = strchr(t, '(');
	size_t n;

	if (!strcmp(t, "[local]"))
		return true;
	if (!open || open == t)
		return false;
	for (n = 1; isdigit((unsigned char)open[n]); n++)
		;
	return n > 1 && open[n] == ')' && !open[n + 1];
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
	    !next_token(&p, end, w->client, sizeof(w->client)))
		goto unknown;
	/* a client backend's third word is its client: addr(port) or [local];
	 * another such word after it means a name held spaces and a forged
	 * client ("alice proddb 10.9.9.9(5432)" as a role): then who is it? */
	if (!client_token(w->client))
		goto unknown;
	while (next_token(&p, end, host, sizeof(host)))
		if (client_token(host))
			goto unknown;
	return true;
unknown:
	memset(w, 0, sizeof(*w));
	return false;
}

bool pgn_startup_parse(const char *params, size_t len, struct pgn_who *w)
{
	const char *p = params, *end = params + len, *key, *val;
	const char *user = NULL, *database = NULL;
	bool cut = false;

	memset(w, 0, sizeof(*w));
	while (p < end && *p) {
		key = p;
		p += strnlen(p, end - p) + 1;
		val = p;
		if (p < end)
			p += strnlen(p, end - p);
		if (p >= end) {	/* no NUL after the value within len */
			cut = true;
			break;
		}
		p++;
		if (!strcmp(key, "user"))
			user = val;
		else if (!strcmp(key, "database"))
			database = val;
	}
	/* cut before the database was named: it may have come after */
	if (!user || !*user || (cut && !database))
		return false;
	snprintf(w->user, sizeof(w->user), "%s", user);
	snprintf(w->database, sizeof(w->database), "%s", database && *database ? database : user);
	return true;
}

void pgn_who_of(const struct pgn_endpoint *ep, struct pgn_who *w)
{
	if (!pgn_startup_parse(ep->startup, ep->startup_len, w))
		pgn_proctitle_parse(ep->title, sizeof(ep->title), w);
}

bool pgn_proctitle_client(const struct pgn_who *w, struct pgn_endpoint *ep)
{
	char addr[128];
	unsigned port;

	if (!strcmp(w->client, "[local]")) {
		ep->transport = PGN_TRANSPORT_UNIX;
		return true;
	}
	if (sscanf(w->client, "%127[^(](%u)", addr, &port) != 2 || port > 65535)
		return false;
	if (inet_pton(AF_INET, addr, ep->raddr) == 1)
		ep->transport = PGN_TRANSPORT_TCP4;
	else if (inet_pton(AF_INET6, addr, ep->raddr) == 1)
		ep->transport = PGN_TRANSPORT_TCP6;
	else
		return false;
	ep->rport = port;
	return true;
}
