#ifndef PGNETPROF_OPTIONS_H
#define PGNETPROF_OPTIONS_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <sys/types.h>

#include "analysis.h"
#include "metrics.h"
#include "usdt.h"

enum pgn_hook_backend {
	PGN_BACKEND_AUTO = 0,
	PGN_BACKEND_FEXIT,
	PGN_BACKEND_TRACEPOINT,
	PGN_BACKEND_KPROBE,
};

enum pgn_store_statements {
	PGN_STORE_ALL = 0,	/* a row per statement reported */
	PGN_STORE_SLOW,		/* the same, --min-* required: the slow ones */
	PGN_STORE_NONE,		/* rollups and sessions only */
};

enum pgn_format {
	PGN_FORMAT_TEXT = 0,
	PGN_FORMAT_JSON,
	PGN_FORMAT_NONE,	/* records only to --store */
	PGN_FORMAT_REQUESTS,	/* pt-tcp-model's first stage */
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
	bool probes_given;	/* --probes given: never changed for the binary */
	enum pgn_format format;
	bool format_set;
	unsigned duration_s;	/* 0: until interrupted */
	pid_t pid;		/* 0: every process of the binary */
	struct pgn_addr_filter laddr, raddr;
	uint16_t lport, rport;
	int family;		/* 0, AF_INET or AF_INET6 */
	uint64_t min_bytes;
	uint64_t min_duration_ns;
	unsigned query_max;
	uint32_t buffer_size;	/* --buffer-size: the record ring buffer, bytes */
	const char *store;	/* --store CONNINFO */
	const char *init_store;	/* --init-store CONNINFO */
	const char *store_host;
	size_t store_buffer;
	unsigned store_wait_s;
	enum pgn_store_statements store_statements;
	bool store_statements_set;
	unsigned rollup_s;	/* --rollup-interval */
	bool rollup_set;
	unsigned retention_s;	/* --retention; 0: keep everything */
	unsigned partition_s;	/* --partition-width */
	bool partition_set;
	bool load_only;
	struct pgn_listen metrics_listen;	/* --metrics-listen */
	unsigned metrics_top;
	bool metrics_top_set;
	/* analyses: one at a time (see analysis.h) */
	struct pgn_hist_config hist;
	struct pgn_model_config model;
	struct pgn_top_config top;
	unsigned interval_s;	/* -i, of --hist or --top */
	bool quantile_set;
	bool sort_set;
	bool redact;
	bool verbose;
};

/* Parses argv; on bad input prints why and exits with status 2. */
void pgn_options_parse(int argc, char **argv, struct pgn_options *o);
/* The OPTIONS section of the manual page, in roff, from the same table
 * as --help. */
void pgn_options_man(FILE *f);

/* The probe sets (probes/usdt.h), by enum pgn_probe_set. */
struct pgn_probe_set_info {
	const char *name;
	unsigned attaches;	/* PGN_USDT_BIT()s attached to every process */
	unsigned per_backend;	/* ... to an encrypted backend alone */
	unsigned fallback;	/* the set to suggest when a probe is missing */
};
extern const struct pgn_probe_set_info pgn_probe_sets[];

const char *pgn_backend_name(enum pgn_hook_backend b);
const char *pgn_probe_set_name(unsigned set);

#endif
