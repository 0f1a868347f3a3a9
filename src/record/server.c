/* Which server a backend belongs to: its postmaster's data directory and port. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "server.h"
#include "target.h"

/* postmaster.pid: pid (as the server's pid namespace shows it), data
 * directory, start time, port, ... a line each. */
bool pgn_server_read(pid_t pid, struct pgn_server *s)
{
	char path[64], line[PATH_MAX + 2];
	FILE *f;
	bool ok = false;

	memset(s, 0, sizeof(*s));
	s->pid = pid;
	snprintf(path, sizeof(path), "/proc/%d/cwd/postmaster.pid", pid);
	f = fopen(path, "r");
	if (!f)
		return false;
	for (int n = 1; n <= 4 && fgets(line, sizeof(line), f); n++) {
		line[strcspn(line, "\n")] = 0;
		if (n == 1)
			ok = atol(line) == pid || atol(line) == pgn_proc_ns_pid(pid);
		else if (n == 2 && strlen(line) < sizeof(s->data_directory))
			strcpy(s->data_directory, line);
		else if (n == 4)
			s->port = strtoul(line, NULL, 10);
	}
	fclose(f);
	if (!ok)
		memset(s, 0, sizeof(*s)), s->pid = pid;
	return ok;
}

#define SERVERS 64

const struct pgn_server *pgn_server_of(pid_t pid)
{
	static struct pgn_server known[SERVERS];
	static unsigned next;
	struct pgn_server *s;

	if (!pid)
		return NULL;
	for (unsigned i = 0; i < SERVERS; i++)
		if (known[i].pid == pid)
			return &known[i];
	/* a host runs a few servers; past SERVERS the oldest is read again */
	s = &known[next++ % SERVERS];
	pgn_server_read(pid, s);
	return s;
}
