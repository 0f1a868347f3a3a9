/* pgnetprof: network cost of every PostgreSQL statement and session. */
#include <errno.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <bpf/libbpf.h>

#include "options.h"
#include "report.h"
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

static int check_environment(void)
{
	if (geteuid() != 0) {
		fprintf(stderr, "pgnetprof: must run as root (it loads BPF programs and attaches uprobes); try: sudo pgnetprof ...\n");
		return -1;
	}
	if (access("/sys/kernel/btf/vmlinux", R_OK)) {
		fprintf(stderr, "pgnetprof: this kernel has no BTF (/sys/kernel/btf/vmlinux: %s); pgnetprof needs a kernel built with CONFIG_DEBUG_INFO_BTF=y (Debian, Ubuntu, RHEL 8.2+ kernels are)\n",
			strerror(errno));
		return -1;
	}
	return 0;
}

static int check_pid(pid_t pid)
{
	char p[32];

	snprintf(p, sizeof(p), "/proc/%d", pid);
	if (pid && access(p, F_OK)) {
		fprintf(stderr, "pgnetprof: no process with pid %d; give a running backend or postmaster\n", pid);
		return -1;
	}
	return 0;
}

static int resolve_target(const struct pgn_options *o, struct pgn_target *t)
{
	char path[4096];
	const char *bin = o->binary;

	if (!bin) {
		if (pgn_target_find_running(path, sizeof(path)))
			return -1;
		bin = path;
	}
	if (pgn_target_open(bin, t))
		return -1;
	if (o->probe_set == PGN_PROBES_STATUS && !t->has_status) {
		fprintf(stderr, "pgnetprof: %s lacks the probe statement__status needed by --probes status; try --probes query\n", t->path);
		return -1;
	}
	if (o->probe_set == PGN_PROBES_QUERY && !t->has_query) {
		fprintf(stderr, "pgnetprof: %s lacks query__start/query__done needed by --probes query; try --probes status\n", t->path);
		return -1;
	}
	return 0;
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
		if (o->duration_s && now_s() - start >= o->duration_s)
			break;
		fflush(rep->f);
	}
	pgn_tracer_finish(tr, rep);
	rep->sum.seconds = now_s() - start;
}

int main(int argc, char **argv)
{
	struct pgn_options o;
	struct pgn_target t;
	struct pgn_tracer *tr = NULL;
	struct pgn_report rep;
	int err;

	pgn_options_parse(argc, argv, &o);
	verbose = o.verbose;
	libbpf_set_print(libbpf_print_fn);

	/* a named binary is checked first: its errors need no privilege */
	if ((o.binary && resolve_target(&o, &t)) || check_environment() ||
	    (!o.binary && resolve_target(&o, &t)) || check_pid(o.pid)) {
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
	pgn_report_init(&rep, o.format == PGN_FORMAT_JSON ? &pgn_output_json : &pgn_output_text, stdout);
	rep.min_bytes = o.min_bytes;
	rep.min_duration_ns = o.min_duration_ns;
	fprintf(stderr, "Tracing PostgreSQL %s (backend %s, probes %s)... Hit Ctrl-C to end.\n",
		t.path, pgn_backend_name(pgn_tracer_backend(tr)), pgn_probe_set_name(o.probe_set));
	trace(tr, &o, &rep);
	rep.out->summary(stdout, &rep.sum);
	if (rep.sum.lost_records || rep.sum.lost_backends)
		fprintf(stderr, "pgnetprof: WARNING: %llu records lost (ring buffer full), %llu backends not followed (table full)\n",
			(unsigned long long)rep.sum.lost_records, (unsigned long long)rep.sum.lost_backends);
	err = 0;
cleanup:
	pgn_tracer_free(tr);
	return err;
}
