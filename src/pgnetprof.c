/* pgnetprof: network cost of every PostgreSQL statement and session. */
#include <errno.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdio_ext.h>
#include <stdint.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <bpf/libbpf.h>

#include "analysis.h"
#include "options.h"
#include "report.h"
#include "store.h"
#include "target.h"
#include "tracer.h"

int pgn_libbpf_quiet;
static bool verbose;
static volatile sig_atomic_t exiting;

static int libbpf_print_fn(enum libbpf_print_level level, const char *fmt, va_list args)
{
	if (pgn_libbpf_quiet || (level == LIBBPF_DEBUG && !verbose))
		return 0;
	return vfprintf(stderr, fmt, args);
}

static void on_signal(int sig)
{
	(void)sig;
	exiting = 1;
}

static double now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

#define PGN_CAP_SYS_ADMIN 21
#define PGN_CAP_PERFMON 38
#define PGN_CAP_BPF 39

/* The effective capabilities (CapEff of /proc/self/status); all if unknown. */
static uint64_t effective_caps(void)
{
	char line[128];
	unsigned long long caps = ~0ULL;
	FILE *f = fopen("/proc/self/status", "r");

	while (f && fgets(line, sizeof(line), f))
		if (sscanf(line, "CapEff: %llx", &caps) == 1)
			break;
	if (f)
		fclose(f);
	return caps;
}

static int check_environment(void)
{
	uint64_t caps = effective_caps();

	if (geteuid() != 0) {
		fprintf(stderr, "pgnetprof: must run as root (it loads BPF programs and attaches uprobes); try: sudo pgnetprof ...\n");
		return -1;
	}
	/* root in a container or under a sandbox may have lost them */
	if (!(caps & (1ULL << PGN_CAP_SYS_ADMIN)) &&
	    (~caps & ((1ULL << PGN_CAP_BPF) | (1ULL << PGN_CAP_PERFMON)))) {
		fprintf(stderr, "pgnetprof: root, but without the capabilities to load BPF programs and attach probes: it needs CAP_BPF and CAP_PERFMON, or CAP_SYS_ADMIN (a container: run it privileged or grant them)\n");
		return -1;
	}
	if (access("/sys/kernel/btf/vmlinux", R_OK)) {
		fprintf(stderr, "pgnetprof: this kernel has no BTF (/sys/kernel/btf/vmlinux: %s); pgnetprof needs a kernel built with CONFIG_DEBUG_INFO_BTF=y (Debian, Ubuntu, RHEL 8.2+ kernels are)\n",
			strerror(errno));
		return -1;
	}
	return 0;
}

static int check_pid(pid_t pid, const struct pgn_target *t)
{
	char p[32];

	snprintf(p, sizeof(p), "/proc/%d", pid);
	if (pid && access(p, F_OK)) {
		fprintf(stderr, "pgnetprof: no process with pid %d; give a running backend or postmaster\n", pid);
		return -1;
	}
	if (pid && !pgn_target_runs(t, pid)) {
		fprintf(stderr, "pgnetprof: process %d does not run %s; give a backend or postmaster of that binary\n",
			pid, t->path);
		return -1;
	}
	return 0;
}

/* -v: how the probes will read the statement text (see usdt-arg.h) */
static void say_text_arg(const char *probe, int reg_off)
{
	if (reg_off >= 0)
		fprintf(stderr, "pgnetprof: %s's text argument: read from the register at pt_regs offset %d\n",
			probe, reg_off);
	else
		fprintf(stderr, "pgnetprof: %s's text argument: read through libbpf's USDT argument spec "
			"(not in one register at every site)\n", probe);
}

static void count_process(pid_t pid, uint64_t start_ns, pid_t server, void *arg)
{
	(void)pid;
	(void)start_ns;
	(void)server;
	(*(unsigned *)arg)++;
}

/*
 * A binary replaced under its running server (dpkg writes the new one and
 * renames it over the old) leaves the server running the old file, which
 * the path no longer names: trace that one, through /proc, and say so.
 */
static int follow_replaced(struct pgn_target *t)
{
	char proc[64];
	unsigned running = 0;
	pid_t pid;

	if (pgn_target_each_process(t, 0, count_process, &running) || running ||
	    !(pid = pgn_target_replaced(t->path)))
		return 0;
	fprintf(stderr, "pgnetprof: the server running %s (postmaster %d) started before that file was replaced "
		"(a package upgrade?): tracing the binary it runs, /proc/%d/exe; restart the server to run the new one\n",
		t->path, pid, pid);
	snprintf(proc, sizeof(proc), "/proc/%d/exe", pid);
	return pgn_target_open(proc, t);
}

static int resolve_target(struct pgn_options *o, struct pgn_target *t)
{
	char path[4096];
	const char *bin = o->binary;

	if (!bin) {
		if (pgn_target_find_running(path, sizeof(path)))
			return -1;
		bin = path;
	}
	if (pgn_target_open(bin, t) || follow_replaced(t))
		return -1;
	if (!o->probes_given && !t->has_status && !t->has_query) {
		fprintf(stderr, "pgnetprof: %s has no USDT probes (built without --enable-dtrace): statements are found in the protocol's messages (--probes wire)\n",
			t->path);
		o->probe_set = PGN_PROBES_WIRE;
	}
	if ((o->probe_set == PGN_PROBES_STATUS || o->probe_set == PGN_PROBES_FULL) && !t->has_status) {
		fprintf(stderr, "pgnetprof: %s lacks the probe statement__status needed by --probes %s; try --probes wire\n",
			t->path, pgn_probe_set_name(o->probe_set));
		return -1;
	}
	if (o->probe_set == PGN_PROBES_FULL && t->execute_probes != 3) {
		fprintf(stderr, "pgnetprof: %s lacks query__execute__start/done needed by --probes full; try --probes status\n", t->path);
		return -1;
	}
	if (o->probe_set == PGN_PROBES_QUERY && !t->has_query) {
		fprintf(stderr, "pgnetprof: %s lacks query__start/query__done needed by --probes query; try --probes status\n", t->path);
		return -1;
	}
	if (o->verbose && o->probe_set != PGN_PROBES_WIRE)
		say_text_arg(o->probe_set == PGN_PROBES_QUERY ? "query__start" : "statement__status",
			     o->probe_set == PGN_PROBES_QUERY ? t->query_text_reg : t->status_text_reg);
	return 0;
}

static int64_t real_now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return ts.tv_sec * 1000000000LL + ts.tv_nsec;
}

/*
 * How long an analysis in arrival order (--model, -f requests) waits for
 * the statements that arrived before a time: one still running then is
 * carried over (see pgn_model_add), so a long one holds nothing back.
 */
#define PGN_SETTLE_NS 1000000000LL

static void tick(struct pgn_tracer *tr, struct pgn_report *rep)
{
	const struct pgn_output *out = rep->out;
	int64_t settled = 0;

	if (!out || !out->tick)
		return;
	if (out->needs_settled)
		settled = (int64_t)pgn_tracer_settled(tr, rep) + rep->mono_to_real_ns - PGN_SETTLE_NS;
	out->tick(rep->f, real_now_ns(), settled);
}

static void trace(struct pgn_tracer *tr, const struct pgn_options *o, struct pgn_report *rep)
{
	double start = now_s();
	int n;

	while (!exiting) {
		n = pgn_tracer_poll(tr, rep, 100);
		if (n < 0) {
			fprintf(stderr, "pgnetprof: reading the ring buffer failed: %s\n", strerror(-n));
			break;
		}
		tick(tr, rep);
		if (o->duration_s && now_s() - start >= o->duration_s)
			break;
		/* -p's process gone (a restarted server has another postmaster):
		 * nothing it could still send is left to wait for */
		if (o->pid && kill(o->pid, 0) && errno == ESRCH) {
			fprintf(stderr, "pgnetprof: process %d (-p) has exited: nothing more to trace, stopping; "
				"to follow a restarted server, give its new postmaster's pid, or no -p\n", o->pid);
			break;
		}
		fflush(rep->f);
	}
	pgn_tracer_finish(tr, rep);
	pgn_report_finish(rep);
	if (rep->out && rep->out->finish)
		rep->out->finish(rep->f);
	rep->sum.seconds = now_s() - start;
}

static struct pgn_store *open_store(const struct pgn_options *o)
{
	static char host[256];
	struct pgn_store_config c = {
		.conninfo = o->store,
		.host = o->store_host,
		.buffer_rows = o->store_buffer,
		.drain_s = o->store_wait_s,
	};

	if (!c.host) {
		if (gethostname(host, sizeof(host) - 1)) {
			fprintf(stderr, "pgnetprof: cannot read this machine's host name (%s); give --store-host NAME\n",
				strerror(errno));
			return NULL;
		}
		c.host = host;
	}
	return pgn_store_open(&c);
}

static const struct pgn_output *output_of(const struct pgn_options *o, int64_t now_ns)
{
	if (o->hist_metric)
		return pgn_hist_output(o, now_ns);
	if (o->model_s > 0)
		return pgn_model_output(o);
	if (o->top_n)
		return pgn_top_output(o, now_ns);
	switch (o->format) {
	case PGN_FORMAT_JSON: return &pgn_output_json;
	case PGN_FORMAT_REQUESTS: return pgn_requests_output(o);
	case PGN_FORMAT_NONE: return NULL;
	default: return &pgn_output_text;
	}
}

static void print_summary(const struct pgn_report *rep)
{
	const struct pgn_summary *s = &rep->sum;

	/* analyses keep stdout for their own lines */
	if (rep->out && rep->out->summary)
		rep->out->summary(stdout, s);
	else
		pgn_output_text.summary(stderr, s);
	if (s->lost_records)
		fprintf(stderr, "pgnetprof: WARNING: %llu records lost: the ring buffer was full (pgnetprof fell behind); give a bigger --buffer-size\n",
			(unsigned long long)s->lost_records);
	if (s->lost_backends)
		fprintf(stderr, "pgnetprof: WARNING: %llu backends not followed (no kernel memory for their state, or over 65536 at once)\n",
			(unsigned long long)s->lost_backends);
	if (s->wire_lost)
		fprintf(stderr, "pgnetprof: WARNING: %llu sessions sent bytes that are not the PostgreSQL protocol: their traffic from there on is unattributed\n",
			(unsigned long long)s->wire_lost);
	if (s->wire_encrypted)
		fprintf(stderr, "pgnetprof: %llu sessions were encrypted (TLS, GSS): their statements came from probes attached to each once it was (what came before is unattributed; --probes status sees them all)\n",
			(unsigned long long)s->wire_encrypted);
	if (s->store_dropped)
		fprintf(stderr, "pgnetprof: WARNING: %llu rows not stored (results database away too long or buffer full: see --store-buffer, --store-wait)\n",
			(unsigned long long)s->store_dropped);
}

int main(int argc, char **argv)
{
	struct pgn_options o;
	struct pgn_target t;
	struct pgn_tracer *tr = NULL;
	struct pgn_store *store = NULL;
	struct pgn_report rep;
	int err;

	pgn_options_parse(argc, argv, &o);
	/* a password given on the command line leaves argv (/proc/PID/cmdline) */
	if (o.store)
		o.store = pgn_conninfo_take((char *)o.store);
	if (o.init_store)
		o.init_store = pgn_conninfo_take((char *)o.init_store);
	verbose = o.verbose;
	libbpf_set_print(libbpf_print_fn);
	if (o.init_store)
		return pgn_store_init_schema(o.init_store) ? 1 : 0;

	/* a named binary is checked first: its errors need no privilege */
	if ((o.binary && resolve_target(&o, &t)) || check_environment() ||
	    (!o.binary && resolve_target(&o, &t)) || check_pid(o.pid, &t)) {
		err = 1;
		goto cleanup;
	}
	/* a bad results database fails before anything is attached */
	if (o.store && !o.load_only && !(store = open_store(&o))) {
		err = 1;
		goto cleanup;
	}
	signal(SIGINT, on_signal);
	signal(SIGTERM, on_signal);
	tr = pgn_tracer_start(&o, &t);
	if (!tr) {
		err = 1;
		goto cleanup;
	}
	if (o.load_only) {
		fprintf(stderr, "pgnetprof: %s backend and %s probes loaded and verified; nothing attached\n",
			pgn_backend_name(pgn_tracer_backend(tr)), pgn_probe_set_name(o.probe_set));
		err = 0;
		goto cleanup;
	}
	/* Only this thread writes the report: stdio's per-call locking (taken
	 * once the --store writer thread exists) is most of its cost. */
	__fsetlocking(stdout, FSETLOCKING_BYCALLER);
	pgn_report_init(&rep, output_of(&o, real_now_ns()), stdout);
	rep.redact = o.redact;
	rep.executor_times = o.probe_set == PGN_PROBES_FULL;
	rep.min_bytes = o.min_bytes;
	rep.min_duration_ns = o.min_duration_ns;
	rep.store = store;
	rep.sum.store = !!store;
	if (store && pgn_store_start(store, pgn_tracer_forget, tr)) {
		err = 1;
		goto cleanup;
	}
	fprintf(stderr, "Tracing PostgreSQL %s (backend %s, probes %s)... Hit Ctrl-C to end.\n",
		t.path, pgn_backend_name(pgn_tracer_backend(tr)), pgn_probe_set_name(o.probe_set));
	trace(tr, &o, &rep);
	pgn_store_close(store, &rep.sum.stored, &rep.sum.store_dropped);
	store = NULL;
	print_summary(&rep);
	err = 0;
cleanup:
	pgn_store_close(store, NULL, NULL);
	pgn_tracer_free(tr);
	return err;
}
