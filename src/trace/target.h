#ifndef PGNETPROF_TARGET_H
#define PGNETPROF_TARGET_H

#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>

#include "usdt.h"

/* The PostgreSQL binary being traced. */
struct pgn_target {
	char path[4096];
	uint64_t kdev;		/* st_dev as the kernel encodes it (MKDEV) */
	uint64_t mnt_kdev;	/* the device of the mount holding it: an overlayfs
				 * reports its layer's in st_dev, execs see its own */
	uint64_t ino;
	unsigned probes;	/* PGN_USDT_BIT() of each probe it has (probes/usdt.h) */
	/* a text probe's: the pt_regs offset of its text at every site, or -1
	 * (see usdt-arg.h) */
	int text_reg[PGN_USDT_COUNT];
};

/* "statement__status" and so on (probes/usdt.h); whether its first
 * argument is the statement's text */
const char *pgn_usdt_name(enum pgn_usdt p);
bool pgn_usdt_carries_text(enum pgn_usdt p);

/* Each returns 0, or prints why to stderr and returns -1. */
int pgn_target_find_running(char *path, size_t len);
int pgn_target_open(const char *path, struct pgn_target *t);

/* A postmaster still running the binary that was at path before it was
 * replaced (a package upgrade), or 0; /proc/PID/exe opens that binary. */
pid_t pgn_target_replaced(const char *path);

/* The pid process @pid has in its own pid namespace; 0 if unknown. */
pid_t pgn_proc_ns_pid(pid_t pid);

/* Whether process pid runs the target binary. */
bool pgn_target_runs(const struct pgn_target *t, pid_t pid);

/* Calls fn(pid, start_ns, server, arg) for every live process of the
 * target (or, with root_pid, for root_pid and its descendants). start_ns
 * is the process start in CLOCK_MONOTONIC-like boot time; server, the pid
 * of its postmaster (root_pid, or the oldest ancestor running the target). */
typedef void (*pgn_proc_fn)(pid_t pid, uint64_t start_ns, pid_t server, void *arg);
int pgn_target_each_process(const struct pgn_target *t, pid_t root_pid, pgn_proc_fn fn, void *arg);

#endif
