/* pgnetprof: network cost of every PostgreSQL statement and session. */
#include <errno.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdint.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <bpf/libbpf.h>

#include "analysis.h"
#include "clock.h"
#include "metrics.h"
#include "rollup.h"
#include "options.h"
#include "report.h"
#include "store.h"
#include "target.h"
#include "tracer.h"

static bool verbose;
static volatile sig_atomic_t exiting, hangups;

static int libbpf_print_fn(enum libbpf_print_level level, const char *fmt, va_list args)
{
	if (level == LIBBPF_DEBUG && !verbose)
		return 0;
	return vfprintf(stderr, fmt, args);
}

static void on_signal(int sig)
{
	if (sig == SIGHUP)
		hangups = 1;
	else
		exiting = 1;
}

static double now_s(void)
{
	return pgn_mono_ns() / 1e9;
}

#define PGN_CAP_DAC_OVERRIDE 1
#define PGN_CAP_DAC_READ_SEARCH 2
#define PGN_CAP_SYS_PTRACE 19
#define PGN_CAP_SYS_ADMIN 21
#define PGN_CAP_PERFMON 38
#define PGN_CAP_BPF 39
#define PGN_CAP(c) (1ULL << PGN_CAP_##c)

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
	/* root in a container, a sandbox or a service unit may have lost
	 * them (what each is for: docs/service.md) */
	if (!(caps & PGN_CAP(SYS_ADMIN)) && (~caps & (PGN_CAP(BPF) | PGN_CAP(PERFMON)))) {
		fprintf(stderr, "pgnetprof: root, but without the capabilities to load BPF programs and attach probes: it needs CAP_BPF and CAP_PERFMON, or CAP_SYS_ADMIN (a container: run it privileged or grant them)\n");
		return -1;
	}
	if (!(caps & PGN_CAP(SYS_PTRACE))) {
		fprintf(stderr, "pgnetprof: root, but without CAP_SYS_PTRACE: it needs it to tell which processes run the server binary (/proc/PID/exe of the postgres user's processes); grant it\n");
		return -1;
	}
	if (!(caps & (PGN_CAP(DAC_READ_SEARCH) | PGN_CAP(DAC_OVERRIDE))))
		fprintf(stderr, "pgnetprof: without CAP_DAC_READ_SEARCH, server_port and data_directory are unknown (null): each server's postmaster.pid is readable by its owner only\n");
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

/* The probes a set attaches that the binary lacks, named ("a and b"). */
static const char *missing_probes(unsigned missing)
{
	static char buf[256];
	size_t len = 0;

	buf[0] = 0;
	for (int i = 0; i < PGN_USDT_COUNT; i++) {
		if (!(missing & (1u << i)))
			continue;
		missing &= ~(1u << i);
		len += snprintf(buf + len, sizeof(buf) - len, "%s%s", pgn_usdt_name(i), missing ? " and " : "");
	}
	return buf;
}

/* Whether the binary has every probe some USDT set needs. */
static bool usable_usdt_set(const struct pgn_target *t)
{
	for (int i = 0; i < PGN_PROBE_SET_COUNT; i++)
		if (pgn_probe_sets[i].attaches && !(pgn_probe_sets[i].attaches & ~t->probes))
			return true;
	return false;
}

static int resolve_target(struct pgn_options *o, struct pgn_target *t)
{
	char path[4096];
	const char *bin = o->binary;
	const struct pgn_probe_set_info *set;
	unsigned missing;

	if (!bin) {
		if (pgn_target_find_running(path, sizeof(path)))
			return -1;
		bin = path;
	}
	if (pgn_target_open(bin, t) || follow_replaced(t))
		return -1;
	if (!o->probes_given && !usable_usdt_set(t)) {
		fprintf(stderr, "pgnetprof: %s has no USDT probes (built without --enable-dtrace): statements are found in the protocol's messages (--probes wire)\n",
			t->path);
		o->probe_set = PGN_PROBES_WIRE;
	}
	set = &pgn_probe_sets[o->probe_set];
	missing = set->attaches & ~t->probes;
	if (missing) {
		fprintf(stderr, "pgnetprof: %s lacks the probe%s %s needed by --probes %s; try --probes %s\n",
			t->path, missing & (missing - 1) ? "s" : "", missing_probes(missing), set->name,
			pgn_probe_sets[set->fallback].name);
		return -1;
	}
	if (o->verbose)
		for (int i = 0; i < PGN_USDT_COUNT; i++)
			if (set->attaches & (1u << i) && pgn_usdt_carries_text(i))
				say_text_arg(pgn_usdt_name(i), t->text_reg[i]);
	return 0;
}

/*
 * How long an analysis in arrival order (--model, -f requests) waits for
 * the statements that arrived before a time: one still running then is
 * carried over (see pgn_model_add), so a long one holds nothing back.
 */
#define PGN_SETTLE_NS 1000000000LL

/* --metrics-listen: what the tracer and the store say of themselves */
static void refresh_health(struct pgn_tracer *tr, struct pgn_store *store, struct pgn_metrics *m)
{
	struct pgn_summary s = { 0 };
	struct pgn_health h = { 0 };

	pgn_tracer_counters(tr, &s);
	h.lost_records = s.lost_records;
	h.lost_backends = s.lost_backends;
	h.wire_lost = s.wire_lost;
	h.wire_encrypted = s.wire_encrypted;
	h.probe_hits = s.probe_hits;
	h.store = !!store;
	if (store)
		pgn_store_stats(store, &h.store_backlog, &h.stored, &h.store_dropped);
	pgn_metrics_set_health(m, &h);
}

static void tick(struct pgn_tracer *tr, struct pgn_report *rep)
{
	int64_t settled = 0;

	if (pgn_report_needs_settled(rep))
		settled = (int64_t)pgn_tracer_settled(tr) + rep->mono_to_real_ns - PGN_SETTLE_NS;
	pgn_report_tick(rep, pgn_real_ns(), settled);
}

static void trace(struct pgn_tracer *tr, const struct pgn_options *o, struct pgn_report *rep,
		  struct pgn_store *store, struct pgn_metrics *metrics)
{
	double start = now_s();
	int n;

	while (!exiting) {
		if (hangups) {	/* a service manager's reload: nothing to re-read */
			hangups = 0;
			fprintf(stderr, "pgnetprof: SIGHUP ignored: the options are read at start; restart pgnetprof to change them\n");
		}
		n = pgn_tracer_poll(tr, 100);
		if (n < 0) {
			fprintf(stderr, "pgnetprof: reading the ring buffer failed: %s\n", strerror(-n));
			break;
		}
		tick(tr, rep);
		if (metrics)
			refresh_health(tr, store, metrics);
		if (o->duration_s && now_s() - start >= o->duration_s)
			break;
		/* -p's process gone (a restarted server has another postmaster):
		 * nothing it could still send is left to wait for */
		if (o->pid && kill(o->pid, 0) && errno == ESRCH) {
			fprintf(stderr, "pgnetprof: process %d (-p) has exited: nothing more to trace, stopping; "
				"to follow a restarted server, give its new postmaster's pid, or no -p\n", o->pid);
			break;
		}
		fflush(stdout);
	}
	pgn_tracer_finish(tr, &rep->sum);
	pgn_report_finish(rep);
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
		.statements = o->store_statements != PGN_STORE_NONE,
		.partition_s = o->partition_s,
		.retention_s = o->retention_s,
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

/* What goes to stdout: records, or an analysis of them; NULL: none. */
static const struct pgn_output *output_of(const struct pgn_options *o, int64_t now_ns)
{
	if (o->hist.metric)
		return pgn_hist_output(&o->hist, now_ns);
	if (o->model.interval_s > 0)
		return pgn_model_output(&o->model);
	if (o->top.n)
		return pgn_top_output(&o->top, now_ns);
	switch (o->format) {
	case PGN_FORMAT_JSON: return &pgn_output_json;
	case PGN_FORMAT_REQUESTS: return pgn_requests_output();
	case PGN_FORMAT_NONE: return NULL;
	default: return &pgn_output_text;
	}
}

static void print_summary(const struct pgn_output *out, const struct pgn_summary *s)
{
	/* analyses keep stdout for their own lines */
	if (out && out->summary)
		out->summary(stdout, s);
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
		fprintf(stderr, "pgnetprof: %llu sessions were encrypted: TLS ones read in clear by the uprobes on be_tls_read and be_tls_write, GSS ones by probes attached to each once it was (what came before is unattributed)\n",
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
	struct pgn_store *store = NULL, *stored_by_report = NULL;
	struct pgn_metrics *metrics = NULL;
	struct pgn_metrics_server *server = NULL;
	struct pgn_rollup *rollup = NULL;
	const struct pgn_output *out;
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
	/* a bad results database or a busy metrics port fails before
	 * anything is attached */
	if (o.store && !o.load_only && !(store = open_store(&o))) {
		err = 1;
		goto cleanup;
	}
	if (o.metrics_listen.set && !o.load_only &&
	    (!(metrics = pgn_metrics_new(o.metrics_top, pgn_probe_set_name(o.probe_set))) ||
	     !(server = pgn_metrics_serve(&o.metrics_listen, metrics)))) {
		err = 1;
		goto cleanup;
	}
	signal(SIGINT, on_signal);
	signal(SIGTERM, on_signal);
	signal(SIGHUP, on_signal);
	pgn_report_init(&rep);
	tr = pgn_tracer_start(&o, &t, pgn_report_deliver, &rep);
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
	pgn_output_stream(stdout);
	rep.redact = o.redact;
	rep.executor_times = o.probe_set == PGN_PROBES_FULL;
	rep.min_bytes = o.min_bytes;
	rep.min_duration_ns = o.min_duration_ns;
	out = output_of(&o, pgn_real_ns());
	pgn_report_add_sink(&rep, out, stdout);
	if (store && pgn_store_start(store, pgn_tracer_forget, tr)) {
		err = 1;
		goto cleanup;
	}
	if (store) {	/* the report closes it, after the rollups' last rows */
		rollup = pgn_rollup_new(store, o.rollup_s, pgn_real_ns());
		if (!rollup) {
			fprintf(stderr, "pgnetprof: out of memory\n");
			err = 1;
			goto cleanup;
		}
		pgn_report_add_sink(&rep, &pgn_output_rollup, rollup);
		pgn_report_add_sink(&rep, &pgn_output_store, store);
		stored_by_report = store;
		store = NULL;
	}
	if (metrics) {
		pgn_metrics_set_backend(metrics, pgn_backend_name(pgn_tracer_backend(tr)));
		pgn_report_add_sink(&rep, &pgn_output_metrics, metrics);
	}
	fprintf(stderr, "Tracing PostgreSQL %s (backend %s, probes %s)... Hit Ctrl-C to end.\n",
		t.path, pgn_backend_name(pgn_tracer_backend(tr)), pgn_probe_set_name(o.probe_set));
	trace(tr, &o, &rep, stored_by_report, metrics);
	print_summary(out, &rep.sum);
	err = 0;
cleanup:
	pgn_metrics_server_stop(server);
	pgn_metrics_free(metrics);
	pgn_store_close(store, NULL, NULL);
	pgn_rollup_free(rollup);
	pgn_tracer_free(tr);
	return err;
}
