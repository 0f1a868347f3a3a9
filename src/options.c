/* Command line: argp, validated here so bad values fail before any work. */
#include <argp.h>
#include <arpa/inet.h>
#include <ctype.h>
#include <errno.h>
#include <limits.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <linux/types.h>

#include "options.h"
#include "pgnetprof.h"

const char *argp_program_version = "pgnetprof " PACKAGE_VERSION;

static const char doc[] =
"pgnetprof -- network cost of every PostgreSQL statement and session.\n"
"\n"
"Follows every current and future process of POSTGRES_BINARY through its\n"
"USDT probes (or, with --probes wire, the protocol's messages alone) and\n"
"the kernel's TCP and Unix-socket send/receive paths,\n"
"and prints, for every statement, the bytes, calls, segments and time each\n"
"way on the client socket, the execution and response times and the\n"
"connection's smoothed RTT; for every session its totals, its startup\n"
"(authentication) cost and traffic that belongs to no statement.\n"
"\n"
"Without POSTGRES_BINARY, the binary of the running postmaster is used.\n"
"A PostgreSQL built without --enable-dtrace (Debian, Ubuntu and PGDG\n"
"packages have it) is traced with --probes wire. Must run as root.\n"
"\n"
"EXAMPLES:\n"
"  pgnetprof                          # the running server, text report\n"
"  pgnetprof -f json /usr/lib/postgresql/15/bin/postgres\n"
"  pgnetprof -p 4242 -d 10            # one backend (or postmaster tree), 10 s\n"
"  pgnetprof -A 10.0.0.7 --min-bytes 100000   # one client, big statements\n"
"\n"
"OPTIONS:";

static const char args_doc[] = "[POSTGRES_BINARY]";

enum {
	OPT_LPORT = 0x100,
	OPT_BACKEND,
	OPT_PROBES,
	OPT_MIN_BYTES,
	OPT_MIN_DURATION,
	OPT_QUERY_MAX,
	OPT_BUFFER_SIZE,
	OPT_LOAD_ONLY,
	OPT_STORE,
	OPT_INIT_STORE,
	OPT_STORE_HOST,
	OPT_STORE_BUFFER,
	OPT_STORE_WAIT,
	OPT_HIST,
	OPT_MODEL,
	OPT_QUANTILE,
	OPT_TOP,
	OPT_SORT,
	OPT_REDACT,
};

static const char *const metric_names[] = { "", "response", "exec", "rtt", "tx-bytes", "rx-bytes" };
static const char *const sort_names[] = { "bytes", "calls", "rx", "tx", "time", "p99", "wait" };

static const struct argp_option opts[] = {
	{ "format", 'f', "FORMAT", 0, "text (default), json (JSON Lines, one object per record), requests (pt-tcp-model's first-stage lines: id start end elapsed IP:port) or none (records only to --store)", 0 },
	{ "duration", 'd', "SECS", 0, "trace for SECS seconds, then flush and exit", 0 },
	{ "query-max", OPT_QUERY_MAX, "BYTES", 0, "longest SQL text kept per statement (default 2048, at most 8191)", 0 },
	{ "buffer-size", OPT_BUFFER_SIZE, "SIZE", 0, "kernel ring buffer holding records until pgnetprof reads them: a power of two from 64K to 1G (suffix K, M or G; default 2M). A bigger one rides out longer stalls of pgnetprof (see lost_records) but costs the backends more per statement, its memory being colder in the CPU caches; a much smaller one wakes pgnetprof too often", 0 },
	{ "backend", OPT_BACKEND, "NAME", 0, "kernel hooks: auto (default: fexit, else tracepoint, else kprobe), kprobe, fexit or tracepoint", 0 },
	{ "probes", OPT_PROBES, "SET", 0, "what marks statements: USDT probes status (default; statement__status, 2 hits per simple statement), query (query__start/query__done; simple protocol only) or full (status plus query__execute__start/done: exec_ns is the executor's time, 2 more hits per execution); or wire: no probe, the protocol's messages read in the socket hooks (chosen when the binary has no USDT probes; an encrypted session gets the statement probes attached to its backend alone)", 0 },
	{ "load-only", OPT_LOAD_ONLY, NULL, 0, "load the chosen backend's programs (the kernel verifies them), attach nothing, exit", 0 },
	{ NULL, 0, NULL, 0, "Filters:", 1 },
	{ "pid", 'p', "PID", 0, "only this backend, or this postmaster and its children (of the traced binary)", 1 },
	{ "laddr", 'a', "ADDR", 0, "only clients connected to this local (server) address", 1 },
	{ "raddr", 'A', "ADDR", 0, "only clients from this remote address", 1 },
	{ "lport", OPT_LPORT, "PORT", 0, "only connections to this local (server) port", 1 },
	{ "rport", 'P', "PORT", 0, "only connections from this remote (client) port", 1 },
	{ "ipv4", '4', NULL, 0, "only IPv4 clients", 1 },
	{ "ipv6", '6', NULL, 0, "only IPv6 clients", 1 },
	{ "min-bytes", OPT_MIN_BYTES, "BYTES", 0, "only statements moving at least BYTES (rx + tx)", 1 },
	{ "min-duration", OPT_MIN_DURATION, "TIME", 0, "only statements whose response time is at least TIME (units ns, us, ms, s; default ms; at most a day)", 1 },
	{ "redact", OPT_REDACT, NULL, 0, "show and store statement texts with every constant and comment hidden ($1, or ? where libpg_query cannot parse them), utility statements included: no literal, no password", 1 },
	{ NULL, 0, NULL, 0, "Analyses (instead of a record per statement; the summary goes to stderr):", 2 },
	{ "hist", OPT_HIST, "METRIC", 0, "log2 histogram of response (first request byte to last response byte), exec, rtt (srtt), tx-bytes or rx-bytes per statement, like bcc's tcprtt", 2 },
	{ "interval", 'i', "SECS", 0, "with --hist or --top: print every SECS seconds (default: once, at exit)", 2 },
	{ "timestamp", 'T', NULL, 0, "with --hist: print the time before each interval's histograms", 2 },
	{ "milliseconds", 'm', NULL, 0, "with --hist: times in milliseconds (default microseconds)", 2 },
	{ "byladdr", 'b', NULL, 0, "with --hist: one histogram per local (server) address", 2 },
	{ "byraddr", 'B', NULL, 0, "with --hist: one histogram per remote (client) address", 2 },
	{ "extension", 'e', NULL, 0, "with --hist: the average in each histogram's header", 2 },
	{ "model", OPT_MODEL, "SECS", 0, "pt-tcp-model's per-interval lines (ts concurrency throughput arrivals completions busy_time weighted_time sum_time variance_mean quantile_time obs_time) every SECS seconds (fractions allowed)", 2 },
	{ "quantile", OPT_QUANTILE, "Q", 0, "with --model: the quantile of quantile_time (default 0.99)", 2 },
	{ "top", OPT_TOP, "N", 0, "the N normalized statements (fingerprints) costing most: calls, rx/tx bytes, mean and p99 response, tx_wait share", 2 },
	{ "sort", OPT_SORT, "KEY", 0, "with --top: bytes (default), calls, rx, tx, time (total response), p99 or wait", 2 },
	{ NULL, 0, NULL, 0, "Results database:", 3 },
	{ "store", OPT_STORE, "CONNINFO", 0, "also insert every record into the pgnetprof schema of this PostgreSQL database (libpq conninfo or URI; PG* environment variables apply); checked before tracing starts", 3 },
	{ "init-store", OPT_INIT_STORE, "CONNINFO", 0, "create or upgrade the pgnetprof schema in this database, then exit (needs no root)", 3 },
	{ "store-buffer", OPT_STORE_BUFFER, "ROWS", 0, "rows kept in memory while the results database is away (default 100000); beyond that rows are dropped and counted", 3 },
	{ "store-wait", OPT_STORE_WAIT, "SECS", 0, "at exit, how long to wait for an absent or hung results database before dropping what is buffered (default 10; a hung one then takes at most 3 s more)", 3 },
	{ "store-host", OPT_STORE_HOST, "NAME", 0, "the host column of stored rows (default: this machine's host name)", 3 },
	{ NULL, 0, NULL, 0, "Other:", 4 },
	{ "verbose", 'v', NULL, 0, "show libbpf's debug output, and how the probes read the statement text", 4 },
	{},
};

static const char *const backend_names[] = {
	[PGN_BACKEND_AUTO] = "auto",
	[PGN_BACKEND_FEXIT] = "fexit",
	[PGN_BACKEND_TRACEPOINT] = "tracepoint",
	[PGN_BACKEND_KPROBE] = "kprobe",
};

static const char *const probe_set_names[] = {
	[PGN_PROBES_STATUS] = "status",
	[PGN_PROBES_QUERY] = "query",
	[PGN_PROBES_FULL] = "full",
	[PGN_PROBES_WIRE] = "wire",
};

const char *pgn_backend_name(enum pgn_hook_backend b)
{
	return backend_names[b];
}

const char *pgn_probe_set_name(unsigned set)
{
	return probe_set_names[set];
}

static int lookup_name(const char *const *names, size_t n, const char *arg)
{
	for (size_t i = 0; i < n; i++)
		if (names[i] && !strcmp(names[i], arg))
			return (int)i;
	return -1;
}

static unsigned long long parse_uint(struct argp_state *st, const char *what,
				     const char *arg, unsigned long long max)
{
	char *end;
	unsigned long long v;

	errno = 0;
	v = strtoull(arg, &end, 10);
	/* strtoull takes " -1" as 2^64 - 1: digits only */
	if (errno || !isdigit((unsigned char)arg[0]) || *end || v > max)
		argp_error(st, "invalid %s '%s': expected an integer from 0 to %llu", what, arg, max);
	return v;
}

/* SIZE[K|M|G], binary units: a power of two within the ring buffer's range. */
static uint32_t parse_buffer_size(struct argp_state *st, const char *arg)
{
	char *end;
	unsigned long long v;
	int shift = 0;

	errno = 0;
	v = strtoull(arg, &end, 10);
	switch (*end) {
	case 'k': case 'K': shift = 10; end++; break;
	case 'm': case 'M': shift = 20; end++; break;
	case 'g': case 'G': shift = 30; end++; break;
	}
	if (errno || !isdigit((unsigned char)arg[0]) || *end || v > PGN_BUFFER_MAX)
		argp_error(st, "invalid --buffer-size '%s': expected bytes with an optional K, M or G suffix, such as 8M", arg);
	v <<= shift;
	if (v < PGN_BUFFER_MIN || v > PGN_BUFFER_MAX || (v & (v - 1)))
		argp_error(st, "invalid --buffer-size '%s': give a power of two from 64K to 1G, such as 8M", arg);
	return (uint32_t)v;
}

static void parse_addr(struct argp_state *st, const char *arg, struct pgn_addr_filter *f)
{
	if (inet_pton(AF_INET, arg, f->addr) == 1)
		f->len = 4;
	else if (inet_pton(AF_INET6, arg, f->addr) == 1)
		f->len = 16;
	else
		argp_error(st, "invalid address '%s': expected an IPv4 or IPv6 address", arg);
	f->set = true;
}

static double parse_fraction(struct argp_state *st, const char *what, const char *arg,
			     double min, double max)
{
	char *end;
	double v;

	errno = 0;
	v = strtod(arg, &end);
	if (errno || end == arg || *end || !isfinite(v) || v < min || v > max)
		argp_error(st, "invalid %s '%s': expected a number from %g to %g", what, arg, min, max);
	return v;
}

#define PGN_DURATION_MAX_NS 86400e9

static uint64_t parse_duration_ns(struct argp_state *st, const char *arg)
{
	static const struct { const char *unit; double ns; } units[] = {
		{ "ns", 1 }, { "us", 1e3 }, { "ms", 1e6 }, { "s", 1e9 }, { "", 1e6 },
	};
	char *end;
	double v;

	errno = 0;
	v = strtod(arg, &end);
	if (errno || !(isdigit((unsigned char)arg[0]) || arg[0] == '.') || !isfinite(v) || v < 0)
		goto bad;
	for (size_t i = 0; i < sizeof(units) / sizeof(units[0]); i++)
		if (!strcmp(end, units[i].unit) && v * units[i].ns <= PGN_DURATION_MAX_NS)
			return (uint64_t)(v * units[i].ns);
bad:
	argp_error(st, "invalid duration '%s': expected a number with unit ns, us, ms or s, at most a day (86400s)", arg);
	return 0;
}

static error_t parse_opt(int key, char *arg, struct argp_state *st)
{
	struct pgn_options *o = st->input;
	int i;

	switch (key) {
	case 'f':
		if (!strcmp(arg, "text"))
			o->format = PGN_FORMAT_TEXT;
		else if (!strcmp(arg, "json"))
			o->format = PGN_FORMAT_JSON;
		else if (!strcmp(arg, "none"))
			o->format = PGN_FORMAT_NONE;
		else if (!strcmp(arg, "requests"))
			o->format = PGN_FORMAT_REQUESTS;
		else
			argp_error(st, "invalid format '%s': expected text, json, requests or none", arg);
		o->format_set = true;
		break;
	case 'd':
		o->duration_s = parse_uint(st, "duration", arg, UINT_MAX);
		if (!o->duration_s)
			argp_error(st, "invalid duration '0': give at least 1 second");
		break;
	case OPT_QUERY_MAX:
		o->query_max = parse_uint(st, "--query-max", arg, PGN_QUERY_MAX - 1);
		if (!o->query_max)
			argp_error(st, "invalid --query-max '0': give at least 1 byte");
		break;
	case OPT_BUFFER_SIZE:
		o->buffer_size = parse_buffer_size(st, arg);
		break;
	case OPT_BACKEND:
		i = lookup_name(backend_names, 4, arg);
		if (i < 0)
			argp_error(st, "invalid backend '%s': expected auto, kprobe, fexit or tracepoint", arg);
		o->backend = i;
		break;
	case OPT_PROBES:
		i = lookup_name(probe_set_names, 4, arg);
		if (i < 0)
			argp_error(st, "invalid probe set '%s': expected status, query, full or wire", arg);
		o->probe_set = i;
		o->probes_given = true;
		break;
	case OPT_LOAD_ONLY:
		o->load_only = true;
		break;
	case 'p':
		o->pid = parse_uint(st, "pid", arg, INT_MAX);
		if (o->pid <= 0)
			argp_error(st, "invalid pid '%s'", arg);
		break;
	case 'a':
		parse_addr(st, arg, &o->laddr);
		break;
	case 'A':
		parse_addr(st, arg, &o->raddr);
		break;
	case OPT_LPORT:
		o->lport = parse_uint(st, "port", arg, 65535);
		break;
	case 'P':
		o->rport = parse_uint(st, "port", arg, 65535);
		break;
	case '4':
	case '6':
		if (o->family)
			argp_error(st, "-4 and -6 exclude each other");
		o->family = key == '4' ? AF_INET : AF_INET6;
		break;
	case OPT_MIN_BYTES:
		o->min_bytes = parse_uint(st, "--min-bytes", arg, ULLONG_MAX);
		break;
	case OPT_MIN_DURATION:
		o->min_duration_ns = parse_duration_ns(st, arg);
		break;
	case OPT_STORE:
	case OPT_INIT_STORE:
		if (!*arg)
			argp_error(st, "empty CONNINFO: give a libpq connection string or URI, e.g. 'host=db dbname=metrics' or postgresql://db/metrics");
		*(key == OPT_STORE ? &o->store : &o->init_store) = arg;
		break;
	case OPT_STORE_HOST:
		if (!*arg)
			argp_error(st, "empty --store-host");
		o->store_host = arg;
		break;
	case OPT_STORE_BUFFER:
		o->store_buffer = parse_uint(st, "--store-buffer", arg, 100000000);
		if (!o->store_buffer)
			argp_error(st, "invalid --store-buffer '0': give at least 1 row");
		break;
	case OPT_STORE_WAIT:
		o->store_wait_s = parse_uint(st, "--store-wait", arg, 3600);
		break;
	case OPT_HIST:
		i = lookup_name(metric_names, 6, arg);
		if (i <= 0)
			argp_error(st, "invalid --hist metric '%s': expected response, exec, rtt, tx-bytes or rx-bytes", arg);
		o->hist_metric = i;
		break;
	case 'i':
		o->interval_s = parse_uint(st, "interval", arg, 86400);
		if (!o->interval_s)
			argp_error(st, "invalid interval '0': give at least 1 second");
		break;
	case 'T':
		o->timestamps = true;
		break;
	case 'm':
		o->hist_ms = true;
		break;
	case 'b':
	case 'B':
		if (o->hist_by && o->hist_by != key)
			argp_error(st, "-b and -B exclude each other");
		o->hist_by = key;
		break;
	case 'e':
		o->extension = true;
		break;
	case OPT_MODEL:
		o->model_s = parse_fraction(st, "--model", arg, 0, 86400);
		if (o->model_s < 0.001)
			argp_error(st, "invalid --model '%s': give an interval of at least 0.001 seconds", arg);
		break;
	case OPT_QUANTILE:
		o->quantile = parse_fraction(st, "--quantile", arg, 0, 1);
		if (o->quantile <= 0)
			argp_error(st, "invalid --quantile '%s': expected a number in (0, 1], e.g. .99", arg);
		o->quantile_set = true;
		break;
	case OPT_TOP:
		o->top_n = parse_uint(st, "--top", arg, 100000);
		if (!o->top_n)
			argp_error(st, "invalid --top '0': give at least 1");
		break;
	case OPT_SORT:
		i = lookup_name(sort_names, 7, arg);
		if (i < 0)
			argp_error(st, "invalid --sort '%s': expected bytes, calls, rx, tx, time, p99 or wait", arg);
		o->top_sort = i;
		o->sort_set = true;
		break;
	case OPT_REDACT:
		o->redact = true;
		break;
	case 'v':
		o->verbose = true;
		break;
	case ARGP_KEY_ARG:
		if (o->binary)
			argp_error(st, "unexpected argument '%s': give one POSTGRES_BINARY", arg);
		o->binary = arg;
		break;
	default:
		return ARGP_ERR_UNKNOWN;
	}
	return 0;
}

static void usage_error(const char *msg)
{
	fprintf(stderr, "pgnetprof: %s\n", msg);
	exit(2);
}

/* One output at a time, and each option with the output it shapes. */
static void check_analyses(const struct pgn_options *o)
{
	int n = !!o->hist_metric + (o->model_s > 0) + !!o->top_n;

	if (n > 1)
		usage_error("--hist, --model and --top exclude each other: run one pgnetprof per analysis");
	if (n && o->format_set)
		usage_error("--hist, --model and --top print their own output: drop -f (records still go to --store)");
	if (!o->hist_metric && (o->timestamps || o->hist_ms || o->hist_by || o->extension))
		usage_error("-T, -m, -b, -B and -e shape --hist histograms: add --hist METRIC");
	if (o->interval_s && !o->hist_metric && !o->top_n)
		usage_error("-i sets the interval of --hist or --top (--model takes its own SECS)");
	if (o->quantile_set && !(o->model_s > 0))
		usage_error("--quantile is for --model");
	if (o->sort_set && !o->top_n)
		usage_error("--sort orders --top: add --top N");
}

static void check_consistency(struct pgn_options *o)
{
	const struct pgn_addr_filter *f[] = { &o->laddr, &o->raddr };

	for (int i = 0; i < 2; i++) {
		if (!f[i]->set || !o->family)
			continue;
		if ((f[i]->len == 4) != (o->family == AF_INET)) {
			fprintf(stderr, "pgnetprof: address filter and -%c contradict each other: nothing would match\n",
				o->family == AF_INET ? '4' : '6');
			exit(2);
		}
	}
	check_analyses(o);
	if (o->format == PGN_FORMAT_NONE && !o->store)
		usage_error("--format none prints no records: give --store CONNINFO to keep them");
}

void pgn_options_parse(int argc, char **argv, struct pgn_options *o)
{
	static const struct argp argp = { opts, parse_opt, args_doc, doc, NULL, NULL, NULL };

	memset(o, 0, sizeof(*o));
	o->query_max = 2048;
	o->buffer_size = PGN_BUFFER_DEFAULT;
	o->backend = PGN_BACKEND_AUTO;
	o->probe_set = PGN_PROBES_STATUS;
	o->store_buffer = 100000;
	o->store_wait_s = 10;
	o->quantile = 0.99;
	argp_err_exit_status = 2;
	argp_parse(&argp, argc, argv, 0, NULL, o);
	check_consistency(o);
}
