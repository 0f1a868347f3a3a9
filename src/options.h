#ifndef PGNETPROF_OPTIONS_H
#define PGNETPROF_OPTIONS_H

#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>

enum pgn_hook_backend {
	PGN_BACKEND_AUTO = 0,
	PGN_BACKEND_FEXIT,
	PGN_BACKEND_TRACEPOINT,
	PGN_BACKEND_KPROBE,
};

enum pgn_format {
	PGN_FORMAT_TEXT = 0,
	PGN_FORMAT_JSON,
	PGN_FORMAT_NONE,	/* records only to --store */
};

struct pgn_addr_filter {
	bool set;
	uint8_t len;		/* 4 or 16 */
	uint8_t addr[16];
};

struct pgn_options {
	const char *binary;	/* NULL: find the running postmaster's */
	enum pgn_hook_backend backend;
	unsigned probe_set;	/* enum pgn_probe_set */
	enum pgn_format format;
	unsigned duration_s;	/* 0: until interrupted */
	pid_t pid;		/* 0: every process of the binary */
	struct pgn_addr_filter laddr, raddr;
	uint16_t lport, rport;
	int family;		/* 0, AF_INET or AF_INET6 */
	uint64_t min_bytes;
	uint64_t min_duration_ns;
	unsigned query_max;
	const char *store;	/* --store CONNINFO */
	const char *init_store;	/* --init-store CONNINFO */
	const char *store_host;
	size_t store_buffer;
	unsigned store_wait_s;
	bool load_only;
	bool verbose;
};

/* Parses argv; on bad input prints why and exits with status 2. */
void pgn_options_parse(int argc, char **argv, struct pgn_options *o);

const char *pgn_backend_name(enum pgn_hook_backend b);
const char *pgn_probe_set_name(unsigned set);

#endif
