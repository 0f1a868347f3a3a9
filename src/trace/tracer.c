/* The BPF skeleton's lifecycle: open, configure, load, attach, poll, finish. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <sys/utsname.h>
#include <sys/syscall.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>

#include "clock.h"
#include "flush.h"
#include "pgnetprof.skel.h"
#include "proctitle.h"
#include "pidtab.h"
#include "reorder.h"
#include "tracer.h"

#define MAX_LINKS 32

struct pgn_tracer {
	struct pgnetprof_bpf *skel;
	struct ring_buffer *rb;
	enum pgn_hook_backend backend;
	unsigned probe_set;
	struct bpf_link *links[MAX_LINKS];
	int nlinks;
	struct bpf_link *exit_link;	/* detached last (see finishing in the BPF program) */
	struct pgn_reorder ro;
	int ncpus;
	int flush_failed;	/* warned about it */
	int endpoint_filters;	/* client sockets are filtered (-a, -A, ports, -4, -6) */
	const struct pgn_target *target;
	struct pgn_pidtab encrypted;	/* --probes wire: pid -> its probes' links */
	int encrypted_failed;	/* warned that a backend's probes failed */
};

/* The statement probes of one encrypted backend (--probes wire). */
struct backend_probes {
	struct bpf_link *links[PGN_USDT_COUNT];
};

/* The program of each probe of the catalogue (probes/usdt.h). */
static struct bpf_program *usdt_program(struct pgnetprof_bpf *s, enum pgn_usdt p)
{
	switch (p) {
	case PGN_USDT_STATUS: return s->progs.on_statement_status;
	case PGN_USDT_QUERY_START: return s->progs.on_query_start;
	case PGN_USDT_QUERY_DONE: return s->progs.on_query_done;
	case PGN_USDT_EXECUTE_START: return s->progs.on_execute_start;
	case PGN_USDT_EXECUTE_DONE: return s->progs.on_execute_done;
	default: return s->progs.on_transaction_abort;
	}
}

/* --probes wire: the uprobes that read TLS sessions in clear (bpf/tls.bpf.h) */
#define TLS_HOOKS 4

static const struct {
	const char *func;
	bool ret;
} tls_hooks[TLS_HOOKS] = {
	{ "be_tls_read", false }, { "be_tls_read", true },
	{ "be_tls_write", false }, { "be_tls_write", true },
};

static struct bpf_program *tls_program(struct pgnetprof_bpf *s, int i)
{
	struct bpf_program *p[TLS_HOOKS] = {
		s->progs.on_tls_read, s->progs.on_tls_read_done,
		s->progs.on_tls_write, s->progs.on_tls_write_done,
	};

	return p[i];
}

/* Every probe a set may attach: transaction__abort with any other. */
static unsigned set_probes(unsigned set)
{
	const struct pgn_probe_set_info *i = &pgn_probe_sets[set];

	return i->attaches | i->per_backend | (i->attaches ? PGN_USDT_BIT(ABORT) : 0);
}

/* The set's probe whose first argument is the statement's text */
static enum pgn_usdt text_probe(unsigned set)
{
	for (int i = 0; i < PGN_USDT_COUNT; i++)
		if (set_probes(set) & (1u << i) && pgn_usdt_carries_text(i))
			return i;
	return PGN_USDT_STATUS;
}

/* The kernel-hook programs of each backend; NULL-terminated. */
static void backend_programs(struct pgnetprof_bpf *s, enum pgn_hook_backend b,
			     struct bpf_program **p)
{
	int n = 0;

	switch (b) {
	case PGN_BACKEND_FEXIT:
		p[n++] = s->progs.fe_tcp_sendmsg;
		p[n++] = s->progs.fe_tcp_recvmsg;
		p[n++] = s->progs.fe_unix_sendmsg;
		p[n++] = s->progs.fe_unix_recvmsg;
		p[n++] = s->progs.fx_tcp_sendmsg;
		p[n++] = s->progs.fx_tcp_recvmsg;
		p[n++] = s->progs.fx_unix_sendmsg;
		p[n++] = s->progs.fx_unix_recvmsg;
		break;
	case PGN_BACKEND_TRACEPOINT:
		p[n++] = s->progs.tp_sys_enter;
		p[n++] = s->progs.tp_sock_send;
		p[n++] = s->progs.tp_sock_recv;
		break;
	case PGN_BACKEND_KPROBE:
		p[n++] = s->progs.kp_tcp_sendmsg;
		p[n++] = s->progs.kp_tcp_recvmsg;
		p[n++] = s->progs.kp_unix_sendmsg;
		p[n++] = s->progs.kp_unix_recvmsg;
		p[n++] = s->progs.krp_tcp_sendmsg;
		p[n++] = s->progs.krp_tcp_recvmsg;
		p[n++] = s->progs.krp_unix_sendmsg;
		p[n++] = s->progs.krp_unix_recvmsg;
		break;
	default:
		break;
	}
	p[n] = NULL;
}

static void set_rodata(struct pgnetprof_bpf *s, const struct pgn_options *o, const struct pgn_target *t)
{
	struct pgnetprof_bpf__rodata *ro = s->rodata;

	ro->probe_set = o->probe_set;
	ro->query_max = o->query_max + 1;	/* + NUL */
	ro->wake_bytes = o->buffer_size / 4;
	ro->track_exec = !o->pid;
	ro->target_dev = t->kdev;
	ro->target_mnt_dev = t->mnt_kdev;
	ro->target_ino = t->ino;
	ro->text_arg_reg = t->text_reg[text_probe(o->probe_set)];
	ro->filter_family = o->family;
	ro->filter_lport = o->lport;
	ro->filter_rport = o->rport;
	ro->filter_laddr = o->laddr.set;
	ro->filter_raddr = o->raddr.set;
	ro->laddr_len = o->laddr.len;
	ro->raddr_len = o->raddr.len;
	memcpy((void *)ro->laddr, o->laddr.addr, 16);
	memcpy((void *)ro->raddr, o->raddr.addr, 16);
}

/* Only the chosen backend's hooks and the chosen probe set are loaded. */
static void set_autoload(struct pgnetprof_bpf *s, enum pgn_hook_backend chosen, unsigned probe_set)
{
	static const enum pgn_hook_backend all[] = {
		PGN_BACKEND_FEXIT, PGN_BACKEND_TRACEPOINT, PGN_BACKEND_KPROBE,
	};
	struct bpf_program *p[16];

	for (size_t i = 0; i < sizeof(all) / sizeof(all[0]); i++) {
		backend_programs(s, all[i], p);
		for (int j = 0; p[j]; j++)
			bpf_program__set_autoload(p[j], all[i] == chosen);
	}
	for (int i = 0; i < PGN_USDT_COUNT; i++)
		bpf_program__set_autoload(usdt_program(s, i), set_probes(probe_set) & (1u << i));
	for (int i = 0; i < TLS_HOOKS; i++)
		bpf_program__set_autoload(tls_program(s, i), probe_set == PGN_PROBES_WIRE);
}

static int keep_link(struct pgn_tracer *tr, struct bpf_link *l, const char *what)
{
	if (!l) {
		int err = -errno;

		fprintf(stderr, "pgnetprof: cannot attach %s: %s\n", what, strerror(-err));
		return err ? err : -EINVAL;
	}
	if (tr->nlinks == MAX_LINKS) {
		bpf_link__destroy(l);
		return -E2BIG;
	}
	tr->links[tr->nlinks++] = l;
	return 0;
}

static int attach_usdt(struct pgn_tracer *tr, struct bpf_program *p, const char *path,
		       const char *probe)
{
	struct bpf_link *l = bpf_program__attach_usdt(p, -1, path, "postgresql", probe, NULL);
	char what[256];

	/* measured on Linux 6.18: CAP_BPF and CAP_PERFMON load and attach
	 * everything but uprobes (docs/service.md) */
	snprintf(what, sizeof(what), "USDT probe postgresql:%s%s", probe,
		 !l && (errno == EACCES || errno == EPERM) ?
		 " (creating a uprobe takes CAP_SYS_ADMIN on this kernel; --probes wire needs none for plaintext sessions)" : "");
	return keep_link(tr, l, what);
}

/* A backend's state is in the task-local storage of its main thread,
 * which userspace addresses by pidfd. */
static int pidfd_of(pid_t pid)
{
	return syscall(SYS_pidfd_open, pid, 0);
}

static int seed_one_err;

static void seed_one(pid_t pid, uint64_t start_ns, pid_t server, void *arg)
{
	struct pgn_tracer *tr = arg;
	static struct pgn_backend b;
	static const struct pgn_text blank;
	__u32 key = pid;
	int fd = pidfd_of(pid);

	if (fd < 0) {
		if (errno != ESRCH)	/* ESRCH: gone meanwhile */
			seed_one_err = -errno;
		return;
	}
	memset(&b, 0, sizeof(b));
	b.sess.pid = pid;
	b.sess.proc_start_ns = start_ns;
	b.sess.ep.server_pid = server;
	b.sess.ep.ns_pid = pgn_proc_ns_pid(pid);
	b.wire.mode = PGN_WIRE_TYPED;	/* past its startup packet, as a rule */
	if (!bpf_map__update_elem(tr->skel->maps.backends, &fd, sizeof(fd), &b, sizeof(b), BPF_NOEXIST))
		bpf_map__update_elem(tr->skel->maps.followed, &key, sizeof(key), &blank, sizeof(blank), BPF_ANY);
	else if (errno != EEXIST)
		seed_one_err = -errno;
	close(fd);
}

static int seed(struct pgn_tracer *tr, const struct pgn_options *o, const struct pgn_target *t)
{
	seed_one_err = 0;
	if (pgn_target_each_process(t, o->pid, seed_one, tr))
		return -ENOENT;
	if (seed_one_err)
		fprintf(stderr, "pgnetprof: cannot follow a running process: %s\n",
			strerror(-seed_one_err));
	return seed_one_err;
}

/* Process tracking and the backend's socket hooks: what may not work on
 * this kernel, so auto tries the next backend when this fails. */
static int attach_hooks(struct pgn_tracer *tr)
{
	struct pgnetprof_bpf *s = tr->skel;
	struct bpf_program *p[16];
	int err = 0;

	err = err ?: keep_link(tr, bpf_program__attach(s->progs.on_fork), "sched_process_fork");
	err = err ?: keep_link(tr, bpf_program__attach(s->progs.on_exec), "sched_process_exec");
	tr->exit_link = bpf_program__attach(s->progs.on_exit);
	if (!tr->exit_link) {
		err = -errno;
		fprintf(stderr, "pgnetprof: cannot attach sched_process_exit: %s\n", strerror(-err));
	}
	err = err ?: keep_link(tr, bpf_program__attach(s->progs.on_sock_state), "inet_sock_set_state");
	backend_programs(s, tr->backend, p);
	for (int i = 0; p[i] && !err; i++)
		err = keep_link(tr, bpf_program__attach(p[i]), bpf_program__name(p[i]));
	return err;
}

/*
 * --probes wire: TLS sessions read in clear, by uprobes on the functions
 * only their backends call, attached for every process of the binary. A
 * binary without them (no OpenSSL) has no TLS sessions; where they cannot
 * be attached, a TLS session's traffic is its own but no statement's.
 * (GSS-encrypted sessions get the statement probes attached to their
 * backend alone, see probe_encrypted.)
 */
static void attach_tls(struct pgn_tracer *tr, const char *path, int verbose)
{
	libbpf_print_fn_t quiet = verbose ? NULL : libbpf_set_print(NULL);
	int first = tr->nlinks, err = 0;

	for (int i = 0; i < TLS_HOOKS && !err; i++) {
		LIBBPF_OPTS(bpf_uprobe_opts, uo, .func_name = tls_hooks[i].func, .retprobe = tls_hooks[i].ret);
		struct bpf_link *l = bpf_program__attach_uprobe_opts(tls_program(tr->skel, i), -1, path, 0, &uo);

		err = l ? 0 : errno;
		if (l && tr->nlinks == MAX_LINKS) {
			bpf_link__destroy(l);
			err = E2BIG;
		} else if (l) {
			tr->links[tr->nlinks++] = l;
		}
	}
	if (!verbose)
		libbpf_set_print(quiet);
	if (!err) {
		tr->skel->bss->tls_hooked = 1;
		return;
	}
	while (tr->nlinks > first)
		bpf_link__destroy(tr->links[--tr->nlinks]);
	if (err == ENOENT)
		return;
	if (err == EPERM || err == EACCES)
		fprintf(stderr, "pgnetprof: cannot attach the uprobes that read TLS sessions in clear (%s): creating a uprobe takes CAP_SYS_ADMIN on this kernel; a TLS session's traffic stays unattributed\n",
			strerror(err));
	else
		fprintf(stderr, "pgnetprof: cannot attach the uprobes that read TLS sessions in clear (%s); a TLS session's statements come from the statement probes attached to its backend once it is encrypted, its first milliseconds unattributed\n",
			strerror(err));
}

/* Fork tracking is on, so the processes seeded now stay followed; a
 * second scan catches what was forked during the first. */
static int attach_probes(struct pgn_tracer *tr, const struct pgn_options *o, const struct pgn_target *t)
{
	struct pgnetprof_bpf *s = tr->skel;
	unsigned attach = pgn_probe_sets[tr->probe_set].attaches;
	int err = seed(tr, o, t);

	/* transaction__abort only fires on failure: no cost per statement */
	if (attach && t->probes & PGN_USDT_BIT(ABORT))
		attach |= PGN_USDT_BIT(ABORT);
	for (int i = 0; i < PGN_USDT_COUNT; i++)
		if (attach & (1u << i))
			err = err ?: attach_usdt(tr, usdt_program(s, i), t->path, pgn_usdt_name(i));
	if (!err && tr->probe_set == PGN_PROBES_WIRE)
		attach_tls(tr, t->path, o->verbose);
	return err ?: seed(tr, o, t);
}

/* Every hook but the exit hook (see pgn_tracer_finish) */
static void detach_all(struct pgn_tracer *tr)
{
	while (tr->nlinks)
		bpf_link__destroy(tr->links[--tr->nlinks]);
}

static void detach_exit(struct pgn_tracer *tr)
{
	bpf_link__destroy(tr->exit_link);
	tr->exit_link = NULL;
}

static void probes_free(struct backend_probes *bp)
{
	if (!bp)
		return;
	for (int i = 0; i < PGN_USDT_COUNT; i++)
		bpf_link__destroy(bp->links[i]);
	free(bp);
}

/*
 * --probes wire: a session became encrypted, its messages unreadable. Its
 * statements come from the USDT probes, attached to this backend alone (a
 * uprobe registered for one process traps in that process only), until
 * its session ends.
 */
static void probe_encrypted(struct pgn_tracer *tr, pid_t pid)
{
	unsigned want = pgn_probe_sets[tr->probe_set].per_backend & tr->target->probes;
	struct backend_probes *bp;
	libbpf_print_fn_t quiet;
	int err = 0;

	if (!(want & PGN_USDT_BIT(STATUS)) || pgn_pidtab_get(&tr->encrypted, pid) || !(bp = calloc(1, sizeof(*bp))))
		return;
	quiet = libbpf_set_print(NULL);	/* a session already gone (ESRCH) is no news */
	for (int i = 0; i < PGN_USDT_COUNT && !err; i++) {
		if (!(want & (1u << i)))
			continue;
		bp->links[i] = bpf_program__attach_usdt(usdt_program(tr->skel, i), pid, tr->target->path,
							"postgresql", pgn_usdt_name(i), NULL);
		err = bp->links[i] ? 0 : errno;
	}
	libbpf_set_print(quiet);
	errno = err;
	if (err && err != ESRCH && !tr->encrypted_failed++)
		fprintf(stderr, "pgnetprof: cannot attach the statement probes to encrypted session %d: %s; its traffic stays unattributed\n",
			pid, strerror(errno));
	if (pgn_pidtab_put(&tr->encrypted, pid, bp))
		probes_free(bp);
}

static void unprobe_encrypted(struct pgn_tracer *tr, pid_t pid)
{
	probes_free(pgn_pidtab_take(&tr->encrypted, pid));
}

/* Into the backend's order; an encrypted session's probes go with its end. */
static void push_record(struct pgn_tracer *tr, const void *rec, size_t size)
{
	if (size >= sizeof(struct pgn_session_rec) && *(const __u32 *)rec == PGN_REC_SESSION)
		unprobe_encrypted(tr, ((const struct pgn_session_rec *)rec)->pid);
	pgn_reorder_push(&tr->ro, rec, size);
}

/* One CPU's stage: its records, each after a pgn_staged. */
static int unbatch(struct pgn_tracer *tr, const struct pgn_batch_rec *b, size_t size)
{
	const unsigned char *p = (const void *)(b + 1), *end;
	const struct pgn_staged *s;

	if (size < sizeof(*b) || b->len > size - sizeof(*b))
		return -1;
	for (end = p + b->len; p < end; p += sizeof(*s) + ((s->size + 7) & ~7u)) {
		s = (const void *)p;
		if ((size_t)(end - p) < sizeof(*s) || s->size > (size_t)(end - p) - sizeof(*s))
			return -1;
		push_record(tr, s + 1, s->size);
	}
	return 0;
}

static int handle_record(void *ctx, void *data, size_t size)
{
	struct pgn_tracer *tr = ctx;

	if (size == sizeof(struct pgn_encrypted_rec) && *(__u32 *)data == PGN_REC_ENCRYPTED)
		probe_encrypted(tr, ((struct pgn_encrypted_rec *)data)->pid);
	else if (size < sizeof(__u32) || *(__u32 *)data != PGN_REC_BATCH)
		push_record(tr, data, size);
	else if (unbatch(tr, data, size))
		fprintf(stderr, "pgnetprof: skipped a malformed batch of records (%zu bytes)\n", size);
	return 0;
}

/*
 * Sends every CPU's staged records to the ring buffer (see emit() in the
 * BPF program). A run that finds an append under way on its CPU returns
 * 1 and is repeated; the append ends as soon as the run's IPI returns.
 */
static int flush_stages(struct pgn_tracer *tr)
{
	LIBBPF_OPTS(bpf_test_run_opts, opts, .flags = BPF_F_TEST_RUN_ON_CPU);
	int fd = bpf_program__fd(tr->skel->progs.flush_stage);

	for (int cpu = 0; cpu < tr->ncpus; cpu++) {
		opts.cpu = cpu;
		for (int tries = 0; tries < 100; tries++) {
			if (bpf_prog_test_run_opts(fd, &opts)) {
				if (errno == ENXIO)	/* offline CPU */
					break;
				return -errno;
			}
			if (!opts.retval)
				break;
		}
	}
	return 0;
}

/* After a wait: everything the kernel finished is delivered, in order.
 * The buffer is read before the stages go into it too, lest a full one
 * lose them. */
static int drain(struct pgn_tracer *tr)
{
	int n = ring_buffer__consume(tr->rb), m, err = flush_stages(tr);

	if (err && !tr->flush_failed++)
		fprintf(stderr, "pgnetprof: cannot flush the per-CPU record stages (%s); their records come out late, as each fills\n",
			strerror(-err));
	m = ring_buffer__consume(tr->rb);
	pgn_reorder_release(&tr->ro);
	return n < 0 ? n : m < 0 ? m : n + m;
}

/* Staging needs BPF_PROG_TEST_RUN on a chosen CPU (Linux 5.10); without
 * it every record goes out alone. Tried before any hook is attached. */
static void check_staging(struct pgn_tracer *tr, int verbose)
{
	int err;

	tr->ncpus = libbpf_num_possible_cpus();
	err = tr->ncpus > 0 ? flush_stages(tr) : tr->ncpus;
	if (!err)
		return;
	tr->skel->bss->stage_off = 1;
	if (verbose)
		fprintf(stderr, "pgnetprof: records go out one by one (cannot flush per-CPU stages: %s)\n",
			strerror(-err));
}

/*
 * Whether a trampoline (fentry/fexit) attaches here, tried with an empty
 * program on one of the fexit backend's functions: a kernel may refuse
 * only at attach (EPERM), after the whole program was verified, which is
 * most of pgnetprof's start when the next backend's is verified too.
 */
static int trampolines_attach(void)
{
	const struct bpf_insn return_0[] = {
		{ .code = BPF_ALU64 | BPF_MOV | BPF_K, .dst_reg = BPF_REG_0, .imm = 0 },
		{ .code = BPF_JMP | BPF_EXIT },
	};
	LIBBPF_OPTS(bpf_prog_load_opts, opts, .expected_attach_type = BPF_TRACE_FEXIT);
	int id = libbpf_find_vmlinux_btf_id("tcp_sendmsg", BPF_TRACE_FEXIT), prog, link, err = 0;

	if (id < 0)
		return id;
	opts.attach_btf_id = id;
	prog = bpf_prog_load(BPF_PROG_TYPE_TRACING, "pgn_try_fexit", "GPL", return_0, 2, &opts);
	if (prog < 0)
		return -errno;
	link = bpf_raw_tracepoint_open(NULL, prog);
	if (link < 0)
		err = -errno;
	else
		close(link);
	close(prog);
	return err;
}

/* Opens and loads one backend; with quiet, libbpf's complaints are for -v. */
static int try_backend(struct pgn_tracer *tr, enum pgn_hook_backend b,
		       const struct pgn_options *o, const struct pgn_target *t)
{
	int err;

	if (b == PGN_BACKEND_FEXIT && !o->load_only && (err = trampolines_attach())) {
		if (o->verbose)
			fprintf(stderr, "pgnetprof: an empty fexit program does not attach here (%s): the fexit backend is not loaded\n",
				strerror(-err));
		return err;
	}
	tr->backend = b;
	tr->skel = pgnetprof_bpf__open();
	if (!tr->skel)
		return -errno;
	set_rodata(tr->skel, o, t);
	set_autoload(tr->skel, b, o->probe_set);
	err = bpf_map__set_max_entries(tr->skel->maps.events, o->buffer_size);
	if (!err)
		err = pgnetprof_bpf__load(tr->skel);
	if (!err && !o->load_only) {
		check_staging(tr, o->verbose);
		err = attach_hooks(tr);
	}
	if (err) {
		detach_all(tr);
		detach_exit(tr);
		pgnetprof_bpf__destroy(tr->skel);
		tr->skel = NULL;
	}
	return err;
}


/*
 * The oldest kernel each backend works on, by the checks we made: task-local
 * storage in tracing programs (5.13), bpf_get_func_ret (5.17), the
 * sock_*_length tracepoints (6.3). Said when a backend fails on an older one.
 */
static const struct {
	unsigned major, minor;
} backend_min[] = {
	[PGN_BACKEND_AUTO] = { 5, 13 },
	[PGN_BACKEND_FEXIT] = { 5, 17 },
	[PGN_BACKEND_TRACEPOINT] = { 6, 3 },
	[PGN_BACKEND_KPROBE] = { 5, 13 },
};

/* Whether the running kernel predates what backend @b needs; @release gets
 * its name. */
static int kernel_too_old(enum pgn_hook_backend b, char *release, size_t size)
{
	struct utsname u;
	unsigned major = 0, minor = 0;

	if (uname(&u) || sscanf(u.release, "%u.%u", &major, &minor) != 2)
		return 0;
	snprintf(release, size, "%s", u.release);
	return major < backend_min[b].major ||
	       (major == backend_min[b].major && minor < backend_min[b].minor);
}

static void say_backend_failed(enum pgn_hook_backend b, int err, int verbose)
{
	static const enum pgn_hook_backend each[] = {
		PGN_BACKEND_KPROBE, PGN_BACKEND_FEXIT, PGN_BACKEND_TRACEPOINT,
	};
	char release[65], what[32];

	if (kernel_too_old(b, release, sizeof(release))) {
		if (b == PGN_BACKEND_AUTO)
			snprintf(what, sizeof(what), "pgnetprof");
		else
			snprintf(what, sizeof(what), "the %s backend", pgn_backend_name(b));
		fprintf(stderr, "pgnetprof: Linux %s is too old for %s: it needs Linux %u.%u or later",
			release, what, backend_min[b].major, backend_min[b].minor);
		if (b != PGN_BACKEND_AUTO) {
			fprintf(stderr, "; try --backend auto\n");
			return;
		}
		for (size_t i = 0; i < sizeof(each) / sizeof(each[0]); i++)
			fprintf(stderr, "%s%s %u.%u", i ? ", " : " (", pgn_backend_name(each[i]),
				backend_min[each[i]].major, backend_min[each[i]].minor);
		fprintf(stderr, "); run it on a newer kernel\n");
		return;
	}
	if (b == PGN_BACKEND_AUTO)
		fprintf(stderr, "pgnetprof: no kernel hook backend works here (fexit, tracepoint, kprobe all failed; last: %s); run with -v for libbpf's details\n",
			strerror(-err));
	else if (b == PGN_BACKEND_KPROBE && (err == -EPERM || err == -EACCES))
		/* measured on Linux 6.1: CAP_BPF and CAP_PERFMON are not enough */
		fprintf(stderr, "pgnetprof: the kprobe backend cannot attach (%s): attaching a kprobe takes CAP_SYS_ADMIN on this kernel; the fexit and tracepoint backends need only CAP_BPF and CAP_PERFMON: try --backend auto\n",
			strerror(-err));
	else
		fprintf(stderr, "pgnetprof: the %s backend does not work on this kernel (%s); try --backend auto%s\n",
			pgn_backend_name(b), strerror(-err), verbose ? "" : ", or -v for libbpf's details");
}

struct pgn_tracer *pgn_tracer_start(const struct pgn_options *o, const struct pgn_target *t,
				     pgn_deliver_fn deliver, void *arg)
{
	static const enum pgn_hook_backend order[] = {
		PGN_BACKEND_FEXIT, PGN_BACKEND_TRACEPOINT, PGN_BACKEND_KPROBE,
	};
	struct pgn_tracer *tr = calloc(1, sizeof(*tr));
	int err = -ENOENT;

	if (!tr)
		return NULL;
	pgn_reorder_init(&tr->ro, deliver, arg);
	tr->probe_set = o->probe_set;
	tr->target = t;
	tr->endpoint_filters = o->family || o->laddr.set || o->raddr.set || o->lport || o->rport;
	if (o->backend != PGN_BACKEND_AUTO) {
		err = try_backend(tr, o->backend, o, t);
		if (err)
			say_backend_failed(o->backend, err, o->verbose);
	} else {
		for (size_t i = 0; i < sizeof(order) / sizeof(order[0]) && err; i++) {
			/* a backend the kernel refuses is no news unless -v */
			libbpf_print_fn_t print = o->verbose ? NULL : libbpf_set_print(NULL);

			err = try_backend(tr, order[i], o, t);
			if (!o->verbose)
				libbpf_set_print(print);
			if (err && o->verbose)
				fprintf(stderr, "pgnetprof: backend %s unavailable: %s\n",
					pgn_backend_name(order[i]), strerror(-err));
		}
		if (err)
			say_backend_failed(PGN_BACKEND_AUTO, err, o->verbose);
	}
	if (err || (!o->load_only && attach_probes(tr, o, t)))
		goto fail;
	if (!o->load_only) {
		tr->rb = ring_buffer__new(bpf_map__fd(tr->skel->maps.events), handle_record, tr, NULL);
		if (!tr->rb) {
			fprintf(stderr, "pgnetprof: cannot open the ring buffer: %s\n", strerror(errno));
			goto fail;
		}
	}
	return tr;
fail:
	pgn_tracer_free(tr);
	return NULL;
}

/* Forgetting the backend drops what it counted so far and everything it
 * would report; a later process with the same pid is adopted afresh at fork. */
void pgn_tracer_forget(pid_t pid, void *arg)
{
	struct pgn_tracer *tr = arg;
	__u32 key = pid;
	int fd = pidfd_of(pid);

	if (fd >= 0) {
		bpf_map__delete_elem(tr->skel->maps.backends, &fd, sizeof(fd), 0);
		close(fd);
	}
	bpf_map__delete_elem(tr->skel->maps.followed, &key, sizeof(key), 0);
}

enum pgn_hook_backend pgn_tracer_backend(const struct pgn_tracer *tr)
{
	return tr->backend;
}

/* The kernel wakes us only when the buffer fills up (see emit() in the BPF
 * program), so what arrived meanwhile is drained after each timeout. */
int pgn_tracer_poll(struct pgn_tracer *tr, int timeout_ms)
{
	int n = ring_buffer__poll(tr->rb, timeout_ms);
	if (n == -EINTR)
		n = 0;
	return n < 0 ? n : drain(tr);
}

/* Every backend the kernel follows, a copy at a time, with its open
 * statement's text. */
static void each_backend(struct pgn_tracer *tr,
			 void (*fn)(struct pgn_backend *b, const struct pgn_text *text, void *arg),
			 void *arg)
{
	struct bpf_map *m = tr->skel->maps.followed;
	static struct pgn_backend b;
	static struct pgn_text text;
	__u32 key, next, *prev = NULL;
	int fd;

	while (!bpf_map__get_next_key(m, prev, &next, sizeof(next))) {
		key = next;
		prev = &key;
		fd = pidfd_of(key);
		if (fd < 0) {	/* ESRCH: exited, its records are already out */
			if (errno != ESRCH)
				fprintf(stderr, "pgnetprof: cannot read what process %u still holds: %s\n",
					key, strerror(errno));
			continue;
		}
		if (bpf_map__lookup_elem(m, &key, sizeof(key), &text, sizeof(text), 0))
			text.q[0] = 0;	/* gone meanwhile: so is its state, below */
		if (!bpf_map__lookup_elem(tr->skel->maps.backends, &fd, sizeof(fd), &b, sizeof(b), 0))
			fn(&b, &text, arg);
		close(fd);
	}
}

struct flush_ctx {
	struct pgn_tracer *tr;
	__u64 now;
};

/*
 * A session open before tracing began that moved nothing while it ran: its
 * client socket was never seen, so the kernel does not know it is one. Its
 * title says so, and who the client is: it is reported with no traffic
 * (not when client sockets are filtered, which the title cannot be put to).
 */
static void idle_client(struct pgn_tracer *tr, struct pgn_backend *b)
{
	struct pgn_endpoint *ep = &b->sess.ep;
	struct pgn_who w;
	char path[64];
	FILE *f;
	size_t n;

	if ((b->flags & PGN_B_HAVE_SOCK) || tr->endpoint_filters)
		return;
	snprintf(path, sizeof(path), "/proc/%u/cmdline", b->sess.pid);
	f = fopen(path, "r");
	n = f ? fread(ep->title, 1, sizeof(ep->title) - 1, f) : 0;
	if (f)
		fclose(f);
	ep->title[n] = 0;
	if (pgn_proctitle_parse(ep->title, sizeof(ep->title), &w) && pgn_proctitle_client(&w, ep))
		b->flags |= PGN_B_HAVE_SOCK;
}

/* Unless it exited meanwhile and the exit hook reported it (the first to
 * claim a backend in the map flushed reports it) */
static void flush_one(struct pgn_backend *b, const struct pgn_text *text, void *arg)
{
	struct flush_ctx *c = arg;
	__u32 pid = b->sess.pid;
	__u8 one = 1;

	if (bpf_map__update_elem(c->tr->skel->maps.flushed, &pid, sizeof(pid), &one, sizeof(one), BPF_NOEXIST))
		return;
	idle_client(c->tr, b);
	pgn_flush_backend(b, text, c->now, c->tr->probe_set, &c->tr->ro);
}

static void flush_open_backends(struct pgn_tracer *tr)
{
	struct flush_ctx c = { tr, pgn_mono_ns() };

	each_backend(tr, flush_one, &c);
}

__u64 pgn_tracer_settled(struct pgn_tracer *tr)
{
	__u64 settled = pgn_mono_ns();

	/* a statement that ended before now is staged or in the buffer */
	drain(tr);
	return settled;
}

static uint64_t probe_hits(struct pgn_tracer *tr)
{
	int ncpus = libbpf_num_possible_cpus();
	__u32 zero = 0;
	uint64_t sum = 0, *v;

	if (ncpus <= 0 || !(v = calloc(ncpus, sizeof(*v))))
		return 0;
	if (!bpf_map__lookup_elem(tr->skel->maps.probe_hits, &zero, sizeof(zero), v, ncpus * sizeof(*v), 0))
		for (int i = 0; i < ncpus; i++)
			sum += v[i];
	free(v);
	return sum;
}

/* A backend that exits while this runs is reported once, by the exit hook
 * or here, whichever claims it first. */
void pgn_tracer_finish(struct pgn_tracer *tr, struct pgn_summary *sum)
{
	detach_all(tr);
	tr->skel->bss->finishing = 1;
	if (tr->rb)
		drain(tr);
	pgn_reorder_flush(&tr->ro);	/* nothing more comes but from the exit hook */
	flush_open_backends(tr);
	detach_exit(tr);
	if (tr->rb)
		drain(tr);
	pgn_reorder_flush(&tr->ro);
	pgn_tracer_counters(tr, sum);
}

void pgn_tracer_counters(struct pgn_tracer *tr, struct pgn_summary *sum)
{
	sum->lost_records = tr->skel->bss->lost_records;
	sum->lost_backends = tr->skel->bss->lost_backends;
	sum->wire_lost = tr->skel->bss->wire_lost;
	sum->wire_encrypted = tr->skel->bss->wire_encrypted;
	sum->probe_hits = probe_hits(tr);
}

void pgn_tracer_free(struct pgn_tracer *tr)
{
	size_t pos = 0;
	uint32_t pid;
	void *bp;

	if (!tr)
		return;
	while (pgn_pidtab_next(&tr->encrypted, &pos, &pid, &bp))
		probes_free(bp);
	pgn_pidtab_clear(&tr->encrypted);
	detach_all(tr);
	detach_exit(tr);
	ring_buffer__free(tr->rb);
	pgnetprof_bpf__destroy(tr->skel);
	pgn_reorder_free(&tr->ro);
	free(tr);
}
