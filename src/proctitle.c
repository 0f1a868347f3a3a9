/* User and database of a backend, from the title PostgreSQL sets. */
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

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

#define CACHE_SIZE 4096

static struct {
	pid_t pid;
	struct pgn_who who;
} cache[CACHE_SIZE];

static unsigned slot(pid_t pid)
{
	return (uint32_t)pid * 2654435761u % CACHE_SIZE;
}

void pgn_who_lookup(pid_t pid, struct pgn_who *w)
{
	char path[64], buf[512];
	ssize_t n = -1;
	int fd;

	if (cache[slot(pid)].pid == pid) {
		*w = cache[slot(pid)].who;
		return;
	}
	snprintf(path, sizeof(path), "/proc/%d/cmdline", pid);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd >= 0) {
		n = read(fd, buf, sizeof(buf) - 1);
		close(fd);
	}
	if (n <= 0 || !pgn_proctitle_parse(buf, (size_t)n, w)) {
		memset(w, 0, sizeof(*w));
		return;
	}
	cache[slot(pid)].pid = pid;
	cache[slot(pid)].who = *w;
}

void pgn_who_forget(pid_t pid)
{
	if (cache[slot(pid)].pid == pid)
		cache[slot(pid)].pid = 0;
}
