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
	PGN_FORMAT_REQUESTS,	/* pt-tcp-model's first stage */
};

enum pgn_metric {
	PGN_METRIC_NONE = 0,
	PGN_METRIC_RESPONSE,
	PGN_METRIC_EXEC,
	PGN_METRIC_RTT,
	PGN_METRIC_TX_BYTES,
	PGN_METRIC_RX_BYTES,
};

enum pgn_top_sort {
	PGN_SORT_BYTES = 0,
	PGN_SORT_CALLS,
	PGN_SORT_RX,
	PGN_SORT_TX,
	PGN_SORT_TIME,		/* total response time */
	PGN_SORT_P99,
	PGN_SORT_WAIT,
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
	bool load_only;
	/* analyses */
	enum pgn_metric hist_metric;	/* --hist */
	bool hist_ms;			/* -m */
	char hist_by;			/* 'b', 'B' or 0 */
	bool extension;			/* -e */
	bool timestamps;		/* -T */
	unsigned interval_s;		/* -i; 0: at exit */
	double model_s;			/* --model; 0: off */
	double quantile;
	bool quantile_set;
	unsigned top_n;			/* --top; 0: off */
	enum pgn_top_sort top_sort;
	bool sort_set;
	bool redact;
	bool verbose;
};

/* Parses argv; on bad input prints why and exits with status 2. */
void pgn_options_parse(int argc, char **argv, struct pgn_options *o);

const char *pgn_backend_name(enum pgn_hook_backend b);
const char *pgn_probe_set_name(unsigned set);

#endif
