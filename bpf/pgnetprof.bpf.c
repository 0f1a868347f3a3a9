// SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause
/*
 * pgnetprof kernel side: socket hooks (one of three backends, chosen by
 * userspace through autoload) count the client socket's traffic; the
 * protocol's messages read there (--probes wire, the default; a TLS
 * session's read by uprobes where the server decrypts and encrypts them),
 * or the binary's USDT probes, mark statements; the attribution
 * machine aggregates it into one record per statement and per session,
 * staged per CPU and sent to the ring buffer in batches (see emit()).
 */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_tracing.h>
#include <bpf/bpf_core_read.h>
#include <bpf/bpf_endian.h>
#include <bpf/usdt.bpf.h>

#define PGN_INLINE static __always_inline
#include "pgnetprof.h"

char LICENSE[] SEC("license") = "Dual BSD/GPL";

/* Set by userspace through the skeleton before load. */
const volatile __u32 probe_set = PGN_PROBES_STATUS;
const volatile __u32 query_max = 2048;
const volatile bool track_exec = true;	/* adopt new execs of the binary */
const volatile __u64 target_dev = 0;	/* kernel dev_t of the binary */
const volatile __u64 target_mnt_dev = 0;	/* that of the file system mounted where it is */
const volatile __u64 target_ino = 0;
const volatile __s32 text_arg_reg = -1;	/* pt_regs offset of the text argument, or -1 */
const volatile __u8 filter_family = 0;	/* 0, AF_INET or AF_INET6 */
const volatile bool filter_laddr = false;
const volatile bool filter_raddr = false;
const volatile __u8 laddr[16] = {};
const volatile __u8 raddr[16] = {};
const volatile __u8 laddr_len = 0;	/* 4 or 16 */
const volatile __u8 raddr_len = 0;
const volatile __u16 filter_lport = 0;	/* host byte order; 0: any */
const volatile __u16 filter_rport = 0;
const volatile __u64 wake_bytes = PGN_BUFFER_MIN / 4;	/* a quarter of the ring */

__u64 lost_records = 0;
__u64 lost_backends = 0;	/* no memory for a backend's state */
__u32 stage_off = 0;		/* set by userspace: records go out one by one */

/* Sized by userspace (--buffer-size) before load. */
struct {
	__uint(type, BPF_MAP_TYPE_RINGBUF);
	__uint(max_entries, PGN_BUFFER_MIN);
} events SEC(".maps");

/*
 * Each backend's state lives in its main thread's task-local storage: the
 * hooks find it without hashing, and every other task of the machine,
 * which has none, is dropped at once. Threads of a backend are not
 * followed (PostgreSQL's are single-threaded).
 */
struct {
	__uint(type, BPF_MAP_TYPE_TASK_STORAGE);
	__uint(map_flags, BPF_F_NO_PREALLOC);
	__type(key, int);
	__type(value, struct pgn_backend);
} backends SEC(".maps");

/*
 * The pids with a state, for userspace to find them (task-local storage
 * cannot be listed), with the text of each one's open statement (too big
 * for the task-local storage, see struct pgn_text); entries are made at
 * fork, exec and exit only, each on first use.
 */
struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(map_flags, BPF_F_NO_PREALLOC);
	__uint(max_entries, 65536);
	__type(key, __u32);	/* tgid */
	__type(value, struct pgn_text);
} followed SEC(".maps");

/*
 * End of trace: the exit hook stays attached while userspace flushes the
 * backends still running, and whoever inserts a backend's pid here first
 * reports its session, so one that exits meanwhile is reported once.
 */
__u32 finishing = 0;

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(map_flags, BPF_F_NO_PREALLOC);
	__uint(max_entries, 65536);
	__type(key, __u32);	/* tgid */
	__type(value, __u8);
} flushed SEC(".maps");

/* A new entry's initial value (the map update copies it). */
struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct pgn_text);
} blank_text SEC(".maps");

static __always_inline struct pgn_text *text_of(struct pgn_backend *b)
{
	__u32 tgid = b->sess.pid;

	return bpf_map_lookup_elem(&followed, &tgid);
}

/* USDT hits, the cost driver: per CPU, so counting them bounces no cache line. */
struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, __u64);
} probe_hits SEC(".maps");

static __always_inline void count_hit(void)
{
	__u32 zero = 0;
	__u64 *n = bpf_map_lookup_elem(&probe_hits, &zero);

	if (n)
		(*n)++;
}

/* TCP handshakes completed on this machine, by socket, until a backend
 * claims the socket: the kernel's own SYN-ACK round-trip measurement. */
struct {
	__uint(type, BPF_MAP_TYPE_LRU_HASH);
	__uint(max_entries, 4096);
	__type(key, __u64);	/* struct sock * */
	__type(value, __u32);	/* microseconds */
} handshakes SEC(".maps");

/*
 * Waking the reader costs microseconds inside the hook (irq_work and a
 * wake-up per record); it polls every 100 ms anyway, so wake it only
 * when the buffer is filling up.
 */
/* @records: how many a failure loses (counted in lost_records) */
static __always_inline int ring_out(void *data, __u64 size, __u32 records)
{
	__u64 flags = bpf_ringbuf_query(&events, BPF_RB_AVAIL_DATA) > wake_bytes ?
		      BPF_RB_FORCE_WAKEUP : BPF_RB_NO_WAKEUP;

	if (!bpf_ringbuf_output(&events, data, size, flags))
		return 0;
	__sync_fetch_and_add(&lost_records, records);
	return -1;
}

/*
 * Records are staged per CPU and leave in batches: a ring-buffer output
 * costs the backend ~300 ns in cache misses on lines the other CPUs and
 * the reader wrote (measured on pgbench), an append to its own CPU's stage
 * a fraction of that. A stage goes out when the next record would not fit,
 * and userspace flushes every CPU's after each wait (flush_stage), so a
 * record is late by one poll at most.
 */
struct pgn_stage {
	struct pgn_batch_rec head;
	__u8 data[PGN_STAGE_SIZE + sizeof(struct pgn_staged) + PGN_STAGE_REC_MAX];
};

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct pgn_stage);
} stages SEC(".maps");

static __always_inline void stage_out(struct pgn_stage *st)
{
	__u32 len = st->head.len;

	if (!len || len > PGN_STAGE_SIZE)
		return;
	st->head.type = PGN_REC_BATCH;
	ring_out(st, sizeof(st->head) + len, st->head.records);
	st->head.len = 0;
	st->head.records = 0;
}

/* A record that does not go through the stage leaves in one piece: its
 * parts are put together here first. */
struct pgn_alone {
	__u32 busy;
	__u32 pad;
	__u8 data[sizeof(struct pgn_stmt_rec)];
};

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct pgn_alone);
} alone SEC(".maps");

static const char zero_byte;	/* the text of a statement whose text is lost */

/* @fixed bytes at @rec, then @rest at @tail, as one ring-buffer record. */
static __always_inline int emit_alone(void *rec, __u64 fixed, const void *tail, __u64 rest)
{
	__u32 zero = 0;
	struct pgn_alone *a;
	int err;

	if (!rest)
		return ring_out(rec, fixed, 1);
	a = bpf_map_lookup_elem(&alone, &zero);
	if (!a || a->busy || fixed > sizeof(struct pgn_stmt_fixed) || rest > PGN_QUERY_MAX) {
		__sync_fetch_and_add(&lost_records, 1);
		return -1;
	}
	a->busy = 1;
	bpf_probe_read_kernel(a->data, fixed, rec);
	bpf_probe_read_kernel(a->data + fixed, rest, tail);
	err = ring_out(a->data, fixed + rest, 1);
	a->busy = 0;
	return err;
}

#define compiler_barrier() asm volatile("" ::: "memory")

/*
 * Appends a record to @st at @off: @fixed bytes (a constant, a multiple of
 * 8) at @rec copied inline, then @rest at @tail (the text) by the helper:
 * a helper call and its fault handling cost more than the moves for the
 * fixed part of a record.
 */
static __always_inline void stage_copy(struct pgn_stage *st, __u32 off, const void *rec,
				       __u64 fixed, const void *tail, __u64 rest)
{
	__u8 *to = &st->data[off + sizeof(struct pgn_staged)];

#pragma unroll
	for (int i = 0; i < fixed / 8; i++)
		((__u64 *)to)[i] = ((const __u64 *)rec)[i];
	barrier_var(rest);	/* one register checked and used (for 6.1's verifier) */
	if (rest <= PGN_STAGE_REC_MAX - fixed)
		bpf_probe_read_kernel(to + fixed, rest, tail);
}

/*
 * busy keeps what interrupts an append on this CPU (a hook in a softirq,
 * the flush's IPI) off the stage: such a record goes out alone. -1 when
 * the record is lost now; a stage lost later is counted the same way.
 * A record is @fixed bytes at @rec (see stage_copy) and @rest at @tail.
 */
static __always_inline int emit(void *rec, __u64 fixed, const void *tail, __u64 rest)
{
	__u32 zero = 0, off;
	__u64 size = fixed + rest;
	struct pgn_stage *st = bpf_map_lookup_elem(&stages, &zero);

	if (!st || st->head.busy || stage_off || size > PGN_STAGE_REC_MAX)
		return emit_alone(rec, fixed, tail, rest);
	st->head.busy = 1;
	compiler_barrier();
	if (st->head.len + sizeof(struct pgn_staged) + size > PGN_STAGE_SIZE)
		stage_out(st);
	off = st->head.len;
	if (off <= PGN_STAGE_SIZE) {
		((struct pgn_staged *)&st->data[off])->size = size;
		stage_copy(st, off, rec, fixed, tail, rest);
		st->head.len = off + sizeof(struct pgn_staged) + ((size + 7) & ~7);
		st->head.records++;
	}
	compiler_barrier();
	st->head.busy = 0;
	return 0;
}

/* Run by userspace on each CPU in turn (BPF_PROG_TEST_RUN on a CPU) after
 * each wait; returns 1 when an append it interrupted holds the stage, to
 * be run again. */
SEC("raw_tp")
int flush_stage(void *ctx)
{
	__u32 zero = 0;
	struct pgn_stage *st = bpf_map_lookup_elem(&stages, &zero);

	if (!st)
		return 0;
	if (st->head.busy)
		return 1;
	stage_out(st);
	return 0;
}

_Static_assert(sizeof(struct pgn_stmt_fixed) == __builtin_offsetof(struct pgn_stmt_rec, query),
	       "a statement record is its fixed part, then its text");

PGN_INLINE void pgn_emit_stmt(struct pgn_backend *b)
{
	struct pgn_text *t = text_of(b);
	__u64 len = b->stmt.query_len;

	if (!t)		/* no text to go with it: an empty one */
		b->stmt.query_len = len = 0;
	if (len > PGN_QUERY_MAX - 1)
		len = PGN_QUERY_MAX - 1;
	b->stmt.seq = b->seq++;
	emit(&b->stmt, sizeof(b->stmt), t ? (void *)t->q : (void *)&zero_byte, len + 1);
}

/* Not staged: one that finds the ring full is not lost but sent again
 * with the backend's next statement (its statements name it). Written in
 * place: ~300 bytes the stack of --probes wire's calls has no room for. */
PGN_INLINE int pgn_emit_endpoint(struct pgn_backend *b)
{
	__u64 flags = bpf_ringbuf_query(&events, BPF_RB_AVAIL_DATA) > wake_bytes ?
		      BPF_RB_FORCE_WAKEUP : BPF_RB_NO_WAKEUP;
	struct pgn_endpoint_rec *r = bpf_ringbuf_reserve(&events, sizeof(*r), 0);

	if (!r)
		return -1;
	r->type = PGN_REC_ENDPOINT;
	r->pid = b->sess.pid;
	r->proc_start_ns = b->sess.proc_start_ns;
	r->seq = b->seq;
	r->pad = 0;
	__builtin_memcpy(&r->ep, &b->sess.ep, sizeof(r->ep));
	bpf_ringbuf_submit(r, flags);
	b->seq++;
	return 0;
}

/* Written in place, like the endpoint (the stack of the wire walk's calls
 * has no room); one the ring cannot take is lost and counted. */
PGN_INLINE void pgn_emit_answer(struct pgn_backend *b, __u64 done_ns, __u64 last_tx_ns, __u8 skip_follows)
{
	struct pgn_answer_rec *r = bpf_ringbuf_reserve(&events, sizeof(*r), 0);

	if (!r) {
		__sync_fetch_and_add(&lost_records, 1);
		b->seq++;
		return;
	}
	pgn_answer_fill(r, b, done_ns, last_tx_ns, skip_follows);
	b->seq++;
	bpf_ringbuf_submit(r, bpf_ringbuf_query(&events, BPF_RB_AVAIL_DATA) > wake_bytes ?
			      BPF_RB_FORCE_WAKEUP : BPF_RB_NO_WAKEUP);
}

PGN_INLINE void pgn_emit_session(struct pgn_backend *b)
{
	b->sess.type = PGN_REC_SESSION;
	b->sess.seq = b->seq++;
	emit(&b->sess, sizeof(b->sess), NULL, 0);
}

PGN_INLINE __u64 pgn_now(void)
{
	return bpf_ktime_get_ns();
}

#include "attribution.h"

/* False for a task with no task-local storage at all, which is most of the
 * machine: the socket hooks, which fire for every process, drop it after
 * one load, without a look-up. */
static __always_inline bool may_be_backend(struct task_struct *task)
{
	return task->bpf_storage;
}

static __always_inline struct pgn_backend *backend_of(struct task_struct *task)
{
	if (!may_be_backend(task))
		return NULL;
	return bpf_task_storage_get(&backends, task, 0, 0);
}

static __always_inline struct pgn_backend *current_backend(void)
{
	return backend_of(bpf_get_current_task_btf());
}

/* A backend we attribute for: client socket known and not filtered out. */
static __always_inline struct pgn_backend *current_client_backend(void)
{
	struct pgn_backend *b = current_backend();

	if (!b || (b->flags & (PGN_B_HAVE_SOCK | PGN_B_IGNORED)) != PGN_B_HAVE_SOCK)
		return NULL;
	return b;
}

#include "procs.bpf.h"
#include "handshake.bpf.h"
#include "statements.bpf.h"
#include "wire.bpf.h"
#include "sockets.bpf.h"
#include "tls.bpf.h"
#include "hooks-tracepoint.bpf.h"
#include "hooks-kprobe.bpf.h"
#include "hooks-fexit.bpf.h"
