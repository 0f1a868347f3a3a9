#ifndef PGNETPROF_SERVER_H
#define PGNETPROF_SERVER_H

#include <limits.h>
#include <stdbool.h>
#include <sys/types.h>

/*
 * A PostgreSQL server (a cluster) as its postmaster tells it: a host may
 * run several from one binary, and any local user can start one, so every
 * record says which it comes from.
 */
struct pgn_server {
	pid_t pid;		/* the postmaster's; 0: unknown */
	unsigned port;		/* 0: unknown */
	char data_directory[PATH_MAX];	/* "": unknown (the server is gone) */
};

/* Reads @pid's postmaster.pid, in its working directory (the data
 * directory): true when it names @pid (or the pid @pid has in its own pid
 * namespace, a container's), so @pid is a running server's postmaster and
 * not some other program named postgres. */
bool pgn_server_read(pid_t pid, struct pgn_server *s);

/* The server of postmaster @pid, read once and remembered; NULL for 0. */
const struct pgn_server *pgn_server_of(pid_t pid);

#endif
