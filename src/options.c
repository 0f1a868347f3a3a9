/* Command line: argp, validated here so bad values fail before any work. */
#include <argp.h>
#include <arpa/inet.h>
#include <ctype.h>
#include <errno.h>
#include <limits.h>
#include <math.h>
#include <stddef.h>
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

static const char *const backend_names[] = {
	[PGN_BACKEND_AUTO] = "auto",
	[PGN_BACKEND_FEXIT] = "fexit",
	[PGN_BACKEND_TRACEPOINT] = "tracepoint",
	[PGN_BACKEND_KPROBE] = "kprobe",
	NULL,
};

const struct pgn_probe_set_info pgn_probe_sets[] = {
#define PGN_PROBE_SET_ROW(id, name, attaches, per_backend, fallback) \
	{ name, attaches, per_backend, PGN_PROBES_##fallback },
	PGN_PROBE_SETS(PGN_PROBE_SET_ROW)
#undef PGN_PROBE_SET_ROW
};

static const char *const probe_set_names[] = {
#define PGN_PROBE_SET_NAME(id, name, attaches, per_backend, fallback) name,
	PGN_PROBE_SETS(PGN_PROBE_SET_NAME)
#undef PGN_PROBE_SET_NAME
	NULL,
};

static const char *const format_names[] = {
	[PGN_FORMAT_TEXT] = "text",
	[PGN_FORMAT_JSON] = "json",
	[PGN_FORMAT_NONE] = "none",
	[PGN_FORMAT_REQUESTS] = "requests",
	NULL,
};

/* the empty name is NONE, which cannot be asked for */
static const char *const metric_names[] = { "", "response", "exec", "rtt", "tx-bytes", "rx-bytes", NULL };
static const char *const store_statements_names[] = {
	[PGN_STORE_ALL] = "all", [PGN_STORE_SLOW] = "slow", [PGN_STORE_NONE] = "none", NULL,
};
static const char *const sort_names[] = { "bytes", "calls", "rx", "tx", "time", "p99", "wait", NULL };

const char *pgn_backend_name(enum pgn_hook_backend b)
{
	return backend_names[b];
}

const char *pgn_probe_set_name(unsigned set)
{
	return probe_set_names[set];
}

/* How an option's argument becomes a field of struct pgn_options. */
enum option_kind {
	OPTION_HEADER,		/* a group's title, no option */
	OPTION_FLAG,		/* sets a bool */
	OPTION_UINT,		/* an integer in [min, max] */
	OPTION_NUMBER,		/* a double in [lo, hi] */
	OPTION_NAME,		/* one of names[]: its index */
	OPTION_TEXT,		/* a non-empty string */
	OPTION_ADDR,		/* an IPv4 or IPv6 address */
	OPTION_DURATION,	/* a number with a unit, in ns */
	OPTION_AGE,		/* a whole number with unit s, m, h or d, in [min, max] seconds */
	OPTION_SIZE,		/* bytes with K, M or G: the ring buffer */
	OPTION_LISTEN,		/* ADDR:PORT or [ADDR]:PORT */
	OPTION_ONE_OF,		/* sets value; another of its group is an error */
};

enum { OPT_LONG_ONLY = 0x100 };	/* keys of long-only options count up from here */

/* One row per option: it gives argp its entry (--help), the man page its
 * item, and the parser what to check and where to put the value. */
struct option_row {
	const char *name;
	int key;		/* the short option, or 0: long only */
	const char *arg;
	int group;
	enum option_kind kind;
	size_t off, size;	/* the field */
	const char *what;	/* how errors name it */
	unsigned long long min, max;
	double lo, hi;
	const char *const *names;
	const char *expect;	/* errors' "expected ..." where not derived */
	int value;		/* OPTION_ONE_OF */
	size_t given;		/* a bool set when the option is given; 0: none */
	const char *init;	/* the default, as an argument would give it */
	const char *doc;
};

#define FIELD(f) .off = offsetof(struct pgn_options, f), .size = sizeof(((struct pgn_options *)0)->f)
#define GIVEN(f) .given = offsetof(struct pgn_options, f)
#define HEADER(g, title) { .group = g, .kind = OPTION_HEADER, .doc = title }

static const struct option_row rows[] = {
	{ "format", 'f', "FORMAT", 0, OPTION_NAME, FIELD(format), "format", .names = format_names, GIVEN(format_set),
	  .init = "text",
	  .doc = "text (default), json (JSON Lines, one object per record), requests (pt-tcp-model's first-stage lines: id start end elapsed IP:port) or none (records only to --store or --metrics-listen)" },
	{ "duration", 'd', "SECS", 0, OPTION_UINT, FIELD(duration_s), "duration", 1, UINT_MAX,
	  .doc = "trace for SECS seconds, then flush and exit" },
	{ "query-max", 0, "BYTES", 0, OPTION_UINT, FIELD(query_max), "--query-max", 1, PGN_QUERY_MAX - 1,
	  .init = "2048",
	  .doc = "longest SQL text kept per statement (default 2048, at most 8191)" },
	{ "buffer-size", 0, "SIZE", 0, OPTION_SIZE, FIELD(buffer_size), "--buffer-size",
	  .init = "2M",
	  .doc = "kernel ring buffer holding records until pgnetprof reads them: a power of two from 64K to 1G (suffix K, M or G; default 2M). A bigger one rides out longer stalls of pgnetprof (see lost_records) but costs the backends more per statement, its memory being colder in the CPU caches; a much smaller one wakes pgnetprof too often" },
	{ "backend", 0, "NAME", 0, OPTION_NAME, FIELD(backend), "backend", .names = backend_names,
	  .init = "auto",
	  .doc = "kernel hooks: auto (default: fexit, else tracepoint, else kprobe), kprobe, fexit or tracepoint" },
	{ "probes", 0, "SET", 0, OPTION_NAME, FIELD(probe_set), "probe set", .names = probe_set_names, GIVEN(probes_given),
	  .init = "wire",
	  .doc = "what marks statements: wire (default): the protocol's messages, read in the socket hooks with no probe at all, and a TLS session's in clear by uprobes on be_tls_read and be_tls_write (2 hits per call, in TLS sessions only); or USDT probes: status (statement__status, 2 hits per simple statement), query (query__start/query__done; simple protocol only) or full (status plus query__execute__start/done: exec_ns is the executor's time, 2 more hits per execution)" },
	{ "load-only", 0, NULL, 0, OPTION_FLAG, FIELD(load_only),
	  .doc = "load the chosen backend's programs (the kernel verifies them), attach nothing, exit" },

	HEADER(1, "Filters:"),
	{ "pid", 'p', "PID", 1, OPTION_UINT, FIELD(pid), "pid", 1, INT_MAX,
	  .doc = "only this backend, or this postmaster and its children (of the traced binary)" },
	{ "laddr", 'a', "ADDR", 1, OPTION_ADDR, FIELD(laddr), .doc = "only clients connected to this local (server) address" },
	{ "raddr", 'A', "ADDR", 1, OPTION_ADDR, FIELD(raddr), .doc = "only clients from this remote address" },
	{ "lport", 0, "PORT", 1, OPTION_UINT, FIELD(lport), "port", 0, 65535,
	  .doc = "only connections to this local (server) port" },
	{ "rport", 'P', "PORT", 1, OPTION_UINT, FIELD(rport), "port", 0, 65535,
	  .doc = "only connections from this remote (client) port" },
	{ "ipv4", '4', NULL, 1, OPTION_ONE_OF, FIELD(family), "-4 and -6", .value = AF_INET, .doc = "only IPv4 clients" },
	{ "ipv6", '6', NULL, 1, OPTION_ONE_OF, FIELD(family), "-4 and -6", .value = AF_INET6, .doc = "only IPv6 clients" },
	{ "min-bytes", 0, "BYTES", 1, OPTION_UINT, FIELD(min_bytes), "--min-bytes", 0, ULLONG_MAX,
	  .doc = "only statements moving at least BYTES (rx + tx)" },
	{ "min-duration", 0, "TIME", 1, OPTION_DURATION, FIELD(min_duration_ns),
	  .doc = "only statements whose response time is at least TIME (units ns, us, ms, s; default ms; at most a day)" },
	{ "redact", 0, NULL, 1, OPTION_FLAG, FIELD(redact),
	  .doc = "show and store statement texts with every constant and comment hidden ($1, or ? where libpg_query cannot parse them), utility statements included: no literal, no password" },

	HEADER(2, "Analyses (instead of a record per statement; the summary goes to stderr):"),
	{ "hist", 0, "METRIC", 2, OPTION_NAME, FIELD(hist.metric), "--hist metric", .names = metric_names,
	  .doc = "log2 histogram of response (first request byte to last response byte), exec, rtt (srtt), tx-bytes or rx-bytes per statement, like bcc's tcprtt" },
	{ "interval", 'i', "SECS", 2, OPTION_UINT, FIELD(interval_s), "interval", 1, 86400,
	  .doc = "with --hist or --top: print every SECS seconds (default: once, at exit)" },
	{ "timestamp", 'T', NULL, 2, OPTION_FLAG, FIELD(hist.timestamps),
	  .doc = "with --hist: print the time before each interval's histograms" },
	{ "milliseconds", 'm', NULL, 2, OPTION_FLAG, FIELD(hist.ms),
	  .doc = "with --hist: times in milliseconds (default microseconds)" },
	{ "byladdr", 'b', NULL, 2, OPTION_ONE_OF, FIELD(hist.by), "-b and -B", .value = 'b',
	  .doc = "with --hist: one histogram per local (server) address" },
	{ "byraddr", 'B', NULL, 2, OPTION_ONE_OF, FIELD(hist.by), "-b and -B", .value = 'B',
	  .doc = "with --hist: one histogram per remote (client) address" },
	{ "extension", 'e', NULL, 2, OPTION_FLAG, FIELD(hist.extension),
	  .doc = "with --hist: the average in each histogram's header" },
	{ "model", 0, "SECS", 2, OPTION_NUMBER, FIELD(model.interval_s), "--model", .lo = 0.001, .hi = 86400,
	  .doc = "pt-tcp-model's per-interval lines (ts concurrency throughput arrivals completions busy_time weighted_time sum_time variance_mean quantile_time obs_time) every SECS seconds (fractions allowed)" },
	{ "quantile", 0, "Q", 2, OPTION_NUMBER, FIELD(model.quantile), "--quantile", .lo = 1e-9, .hi = 1,
	  .expect = "a number in (0, 1], e.g. .99", GIVEN(quantile_set),
	  .init = "0.99",
	  .doc = "with --model: the quantile of quantile_time (default 0.99)" },
	{ "top", 0, "N", 2, OPTION_UINT, FIELD(top.n), "--top", 1, 100000,
	  .doc = "the N normalized statements (fingerprints) costing most: calls, rx/tx bytes, mean and p99 response, tx_wait share" },
	{ "sort", 0, "KEY", 2, OPTION_NAME, FIELD(top.sort), "--sort", .names = sort_names, GIVEN(sort_set),
	  .doc = "with --top: bytes (default), calls, rx, tx, time (total response), p99 or wait" },

	HEADER(3, "Results database:"),
	{ "store", 0, "CONNINFO", 3, OPTION_TEXT, FIELD(store), "CONNINFO",
	  .expect = "give a libpq connection string or URI, e.g. 'host=db dbname=metrics' or postgresql://db/metrics",
	  .doc = "also insert every record into the pgnetprof schema of this PostgreSQL database (libpq conninfo or URI; PG* environment variables apply); checked before tracing starts" },
	{ "init-store", 0, "CONNINFO", 3, OPTION_TEXT, FIELD(init_store), "CONNINFO",
	  .expect = "give a libpq connection string or URI, e.g. 'host=db dbname=metrics' or postgresql://db/metrics",
	  .doc = "create or upgrade the pgnetprof schema in this database, then exit (needs no root)" },
	{ "store-buffer", 0, "ROWS", 3, OPTION_UINT, FIELD(store_buffer), "--store-buffer", 1, 100000000,
	  .init = "100000",
	  .doc = "rows kept in memory while the results database is away (default 100000); beyond that rows are dropped and counted" },
	{ "store-wait", 0, "SECS", 3, OPTION_UINT, FIELD(store_wait_s), "--store-wait", 0, 3600,
	  .init = "10",
	  .doc = "at exit, how long to wait for an absent or hung results database before dropping what is buffered (default 10; a hung one then takes at most 3 s more)" },
	{ "store-statements", 0, "WHICH", 3, OPTION_NAME, FIELD(store_statements), "--store-statements",
	  .names = store_statements_names, GIVEN(store_statements_set),
	  .doc = "with --store, the raw rows of pgnetprof.statements: all (default: a row per statement reported, as printed), slow (the same, with a --min-duration or --min-bytes threshold required: only the statements worth a look) or none; the rollups and sessions are stored either way. For a continuous run, slow: the rollups keep every statement's numbers at a fixed cost per interval" },
	{ "rollup-interval", 0, "SECS", 3, OPTION_UINT, FIELD(rollup_s), "--rollup-interval", 1, 86400, .init = "60",
	  GIVEN(rollup_set),
	  .doc = "with --store, the length of an interval of pgnetprof.statement_rollups: a row per server, normalized statement, database, user, client address and protocol each interval (default 60)" },
	{ "retention", 0, "AGE", 3, OPTION_AGE, FIELD(retention_s), "--retention", 1, 100 * 366 * 86400ULL,
	  .doc = "with --store, drop the stored history older than AGE (a number with unit s, m, h or d, e.g. 30d), a partition at a time: rows live between AGE and AGE plus a --partition-width (default: keep everything)" },
	{ "partition-width", 0, "AGE", 3, OPTION_AGE, FIELD(partition_s), "--partition-width", 1, 366 * 86400,
	  .init = "1d", GIVEN(partition_set),
	  .doc = "with --store, the time each new partition of pgnetprof.statements, sessions and statement_rollups covers (unit s, m, h or d; default 1d, aligned on UTC days); partitions are created ahead and checked every half width, at most hourly" },
	{ "store-host", 0, "NAME", 3, OPTION_TEXT, FIELD(store_host), "--store-host",
	  .doc = "the host column of stored rows (default: this machine's host name)" },

	HEADER(4, "Metrics:"),
	{ "metrics-listen", 0, "ADDR:PORT", 4, OPTION_LISTEN, FIELD(metrics_listen),
	  .doc = "serve Prometheus metrics at http://ADDR:PORT/metrics (an IPv4 address, or [IPv6]): per normalized statement calls, errors, bytes each way, network time and a response-time histogram, and pgnetprof's own health (lost records and backends, probe hits, the results database's backlog)" },
	{ "metrics-top", 0, "K", 4, OPTION_UINT, FIELD(metrics_top), "--metrics-top", 1, 10000, .init = "100", GIVEN(metrics_top_set),
	  .doc = "with --metrics-listen: the K normalized statements moving most bytes get series of their own, the rest are summed as fingerprint=\"other\" (default 100)" },

	HEADER(5, "Other:"),
	{ "verbose", 'v', NULL, 5, OPTION_FLAG, FIELD(verbose),
	  .doc = "show libbpf's debug output, and how the probes read the statement text" },
};

#define NROWS (sizeof(rows) / sizeof(rows[0]))

/* argp's key of a row: its short option, or one of its own */
static int row_key(size_t i)
{
	return rows[i].key ? rows[i].key : OPT_LONG_ONLY + (int)i;
}

static void set_uint(struct pgn_options *o, const struct option_row *r, unsigned long long v)
{
	void *p = (char *)o + r->off;

	switch (r->size) {
	case 1: *(uint8_t *)p = v; break;
	case 2: *(uint16_t *)p = v; break;
	case 4: *(uint32_t *)p = v; break;
	default: *(uint64_t *)p = v; break;
	}
}

static unsigned long long get_uint(const struct pgn_options *o, const struct option_row *r)
{
	const void *p = (const char *)o + r->off;

	switch (r->size) {
	case 1: return *(const uint8_t *)p;
	case 2: return *(const uint16_t *)p;
	case 4: return *(const uint32_t *)p;
	default: return *(const uint64_t *)p;
	}
}

/* "a, b or c", the names that can be given */
static const char *names_list(const char *const *names)
{
	static char buf[256];
	size_t n = 0, len = 0;

	for (size_t i = 0; names[i]; i++)
		n += !!*names[i];
	buf[0] = 0;
	for (size_t i = 0, k = 0; names[i]; i++) {
		if (!*names[i])
			continue;
		k++;
		len += snprintf(buf + len, sizeof(buf) - len, "%s%s", names[i],
				k + 1 == n ? " or " : k < n ? ", " : "");
	}
	return buf;
}

static int lookup_name(const char *const *names, const char *arg)
{
	for (size_t i = 0; names[i]; i++)
		if (*names[i] && !strcmp(names[i], arg))
			return (int)i;
	return -1;
}

static unsigned long long parse_uint(struct argp_state *st, const char *what, const char *arg,
				     unsigned long long min, unsigned long long max)
{
	char *end;
	unsigned long long v;

	errno = 0;
	v = strtoull(arg, &end, 10);
	/* strtoull takes " -1" as 2^64 - 1: digits only */
	if (errno || !isdigit((unsigned char)arg[0]) || *end || v < min || v > max)
		argp_error(st, "invalid %s '%s': expected an integer from %llu to %llu", what, arg, min, max);
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

/* ADDR:PORT or [V6ADDR]:PORT, numeric, the port from 1 */
static void parse_listen(struct argp_state *st, const char *arg, struct pgn_listen *l)
{
	const char *colon = strrchr(arg, ':');
	struct sockaddr_in *v4 = (struct sockaddr_in *)&l->sa;
	struct sockaddr_in6 *v6 = (struct sockaddr_in6 *)&l->sa;
	char addr[INET6_ADDRSTRLEN + 2];
	size_t alen = colon ? (size_t)(colon - arg) : 0;
	int port = colon ? (int)parse_uint(st, "port", colon + 1, 1, 65535) : 0;
	int ok;

	memset(l, 0, sizeof(*l));
	if (!colon || alen >= sizeof(addr) || strlen(arg) >= sizeof(l->text))
		argp_error(st, "invalid --metrics-listen '%s': expected ADDR:PORT, such as 127.0.0.1:9187 or [::1]:9187", arg);
	if (alen > 2 && arg[0] == '[' && arg[alen - 1] == ']') {
		snprintf(addr, sizeof(addr), "%.*s", (int)alen - 2, arg + 1);
		v6->sin6_family = AF_INET6;
		v6->sin6_port = htons(port);
		ok = inet_pton(AF_INET6, addr, &v6->sin6_addr) == 1;
	} else {
		snprintf(addr, sizeof(addr), "%.*s", (int)alen, arg);
		v4->sin_family = AF_INET;
		v4->sin_port = htons(port);
		ok = inet_pton(AF_INET, addr, &v4->sin_addr) == 1;
	}
	if (!ok)
		argp_error(st, "invalid --metrics-listen '%s': expected a numeric IPv4 address, or an IPv6 one in brackets, then :PORT", arg);
	snprintf(l->text, sizeof(l->text), "%s", arg);
	l->set = true;
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

static double parse_number(struct argp_state *st, const struct option_row *r, const char *arg)
{
	char *end;
	double v;

	errno = 0;
	v = strtod(arg, &end);
	if (errno || end == arg || *end || !isfinite(v) || v < r->lo || v > r->hi) {
		if (r->expect)
			argp_error(st, "invalid %s '%s': expected %s", r->what, arg, r->expect);
		argp_error(st, "invalid %s '%s': expected a number from %g to %g", r->what, arg, r->lo, r->hi);
	}
	return v;
}

/* A whole number of seconds, minutes, hours or days, as seconds. */
static unsigned long long parse_age_s(struct argp_state *st, const struct option_row *r, const char *arg)
{
	static const struct { char unit; unsigned s; } units[] = {
		{ 's', 1 }, { 'm', 60 }, { 'h', 3600 }, { 'd', 86400 },
	};
	unsigned long long v;
	char *end;

	errno = 0;
	v = strtoull(arg, &end, 10);
	if (!errno && isdigit((unsigned char)arg[0]) && end[0] && !end[1])
		for (size_t i = 0; i < sizeof(units) / sizeof(units[0]); i++)
			if (end[0] == units[i].unit && v <= r->max / units[i].s && v * units[i].s >= r->min)
				return v * units[i].s;
	argp_error(st, "invalid %s '%s': expected a whole number with unit s, m, h or d (e.g. 30d), from %llus to %llud",
		   r->what, arg, r->min, r->max / 86400);
	return 0;
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

/* st: NULL for a default, which cannot fail */
static void parse_row(struct argp_state *st, struct pgn_options *o, const struct option_row *r,
		      const char *arg)
{
	void *field = (char *)o + r->off;
	int i;

	switch (r->kind) {
	case OPTION_HEADER:
		break;
	case OPTION_FLAG:
		*(bool *)field = true;
		break;
	case OPTION_UINT:
		set_uint(o, r, parse_uint(st, r->what, arg, r->min, r->max));
		break;
	case OPTION_NUMBER:
		*(double *)field = parse_number(st, r, arg);
		break;
	case OPTION_NAME:
		i = lookup_name(r->names, arg);
		if (i < 0)
			argp_error(st, "invalid %s '%s': expected %s", r->what, arg, names_list(r->names));
		set_uint(o, r, i);
		break;
	case OPTION_TEXT:
		if (!*arg)
			argp_error(st, "empty %s%s%s", r->what, r->expect ? ": " : "", r->expect ? r->expect : "");
		*(const char **)field = arg;
		break;
	case OPTION_ADDR:
		parse_addr(st, arg, field);
		break;
	case OPTION_DURATION:
		*(uint64_t *)field = parse_duration_ns(st, arg);
		break;
	case OPTION_AGE:
		set_uint(o, r, parse_age_s(st, r, arg));
		break;
	case OPTION_SIZE:
		*(uint32_t *)field = parse_buffer_size(st, arg);
		break;
	case OPTION_LISTEN:
		parse_listen(st, arg, field);
		break;
	case OPTION_ONE_OF:
		if (get_uint(o, r) && get_uint(o, r) != (unsigned long long)r->value)
			argp_error(st, "%s exclude each other", r->what);
		set_uint(o, r, r->value);
		break;
	}
	if (r->given && st)
		*(bool *)((char *)o + r->given) = true;
}

static error_t parse_opt(int key, char *arg, struct argp_state *st)
{
	struct pgn_options *o = st->input;

	for (size_t i = 0; i < NROWS; i++)
		if (rows[i].kind != OPTION_HEADER && row_key(i) == key) {
			parse_row(st, o, &rows[i], arg);
			return 0;
		}
	if (key != ARGP_KEY_ARG)
		return ARGP_ERR_UNKNOWN;
	if (o->binary)
		argp_error(st, "unexpected argument '%s': give one POSTGRES_BINARY", arg);
	o->binary = arg;
	return 0;
}

/* argp's table, from the rows */
static const struct argp_option *argp_options(void)
{
	static struct argp_option opts[NROWS + 1];

	for (size_t i = 0; i < NROWS; i++) {
		opts[i].name = rows[i].name;
		opts[i].key = rows[i].kind == OPTION_HEADER ? 0 : row_key(i);
		opts[i].arg = rows[i].arg;
		opts[i].doc = rows[i].doc;
		opts[i].group = rows[i].group;
	}
	return opts;
}

/* roff: a backslash doubled, a hyphen as the minus options are written with */
static void man_text(FILE *f, const char *s, int minus)
{
	for (; *s; s++) {
		if (*s == '\\')
			fputs("\\e", f);
		else if (*s == '-' && minus)
			fputs("\\-", f);
		else
			fputc(*s, f);
	}
}

void pgn_options_man(FILE *f)
{
	for (size_t i = 0; i < NROWS; i++) {
		const struct option_row *r = &rows[i];

		if (r->kind == OPTION_HEADER) {	/* "Filters:" */
			fprintf(f, ".SS %.*s\n", (int)strcspn(r->doc, ":"), r->doc);
			continue;
		}
		fputs(".TP\n", f);
		if (r->key)
			fprintf(f, "\\fB\\-%c\\fR, ", r->key);
		fputs("\\fB\\-\\-", f);
		man_text(f, r->name, 1);
		fputs("\\fR", f);
		if (r->arg)
			fprintf(f, "=\\fI%s\\fR", r->arg);
		fputc('\n', f);
		man_text(f, r->doc, 0);
		fputs(".\n", f);
	}
}

static void usage_error(const char *msg)
{
	fprintf(stderr, "pgnetprof: %s\n", msg);
	exit(2);
}

/* One output at a time, and each option with the output it shapes. */
static void check_analyses(const struct pgn_options *o)
{
	int n = !!o->hist.metric + (o->model.interval_s > 0) + !!o->top.n;

	if (n > 1)
		usage_error("--hist, --model and --top exclude each other: run one pgnetprof per analysis");
	if (n && o->format_set)
		usage_error("--hist, --model and --top print their own output: drop -f (records still go to --store)");
	if (!o->hist.metric && (o->hist.timestamps || o->hist.ms || o->hist.by || o->hist.extension))
		usage_error("-T, -m, -b, -B and -e shape --hist histograms: add --hist METRIC");
	if (o->interval_s && !o->hist.metric && !o->top.n)
		usage_error("-i sets the interval of --hist or --top (--model takes its own SECS)");
	if (o->quantile_set && !(o->model.interval_s > 0))
		usage_error("--quantile is for --model");
	if (o->sort_set && !o->top.n)
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
	if ((o->store_statements_set || o->rollup_set || o->retention_s || o->partition_set) && !o->store)
		usage_error("--store-statements, --rollup-interval, --retention and --partition-width shape what --store keeps: add --store CONNINFO");
	if (o->retention_s && o->retention_s < o->partition_s)
		usage_error("--retention is shorter than --partition-width: history is dropped a partition at a time; give a longer --retention or a narrower --partition-width");
	if (o->store_statements == PGN_STORE_SLOW && !o->min_bytes && !o->min_duration_ns)
		usage_error("--store-statements slow keeps the statements over a threshold: give --min-duration TIME or --min-bytes BYTES");
	if (o->metrics_top_set && !o->metrics_listen.set)
		usage_error("--metrics-top shapes the metrics of --metrics-listen: add --metrics-listen ADDR:PORT");
	if (o->format == PGN_FORMAT_NONE && !o->store && !o->metrics_listen.set)
		usage_error("--format none prints no records: give --store CONNINFO to keep them, or --metrics-listen ADDR:PORT to count them");
}

void pgn_options_parse(int argc, char **argv, struct pgn_options *o)
{
	const struct argp argp = { argp_options(), parse_opt, args_doc, doc, NULL, NULL, NULL };

	memset(o, 0, sizeof(*o));
	for (size_t i = 0; i < NROWS; i++)
		if (rows[i].init)
			parse_row(NULL, o, &rows[i], rows[i].init);
	argp_err_exit_status = 2;
	argp_parse(&argp, argc, argv, 0, NULL, o);
	check_consistency(o);
	o->hist.interval_s = o->top.interval_s = o->interval_s;
}
