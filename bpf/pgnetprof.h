/* Types shared by the BPF programs and the userspace tool. */
#ifndef PGNETPROF_H
#define PGNETPROF_H

#include "usdt.h"	/* the probe sets */

/* Upper bound of captured SQL text; --query-max picks up to this. */
#define PGN_QUERY_MAX 8192

/* The record ring buffer (--buffer-size): a power of two in this range. */
#define PGN_BUFFER_MIN (64u << 10)
#define PGN_BUFFER_MAX (1u << 30)

enum pgn_record_type {
	PGN_REC_STATEMENT = 1,
	PGN_REC_SESSION = 2,
	PGN_REC_ENDPOINT = 3,
	PGN_REC_BATCH = 4,
	PGN_REC_ENCRYPTED = 5,
	PGN_REC_ANSWER = 6,
	PGN_REC_SESSION_OPEN = 7,	/* userspace's: a session still open at the end */
};

/* --probes wire: a session became encrypted (TLS, GSS), so its messages
 * cannot be read: userspace attaches the statement probes to this backend
 * alone. Sent at once, outside the sequence of the backend's records. */
struct pgn_encrypted_rec {
	__u32 type;		/* PGN_REC_ENCRYPTED */
	__u32 pid;
};

/*
 * Records leave the kernel in batches, each CPU's own (see emit() in
 * pgnetprof.bpf.c): this header, then every record as a pgn_staged
 * header, its bytes and padding to 8. Each record carries its backend's
 * sequence number, since a backend that moved CPU may have a later record
 * delivered before an earlier one.
 */
struct pgn_batch_rec {
	__u32 type;		/* PGN_REC_BATCH */
	__u32 len;		/* bytes after this header */
	__u32 records;
	__u32 busy;		/* kernel side: an append is under way */
};

struct pgn_staged {
	__u32 size;		/* of the record that follows */
	__u32 pad;
};

/* Bytes staged per CPU before they go out as one batch; a bigger record
 * goes out alone. */
#define PGN_STAGE_SIZE 16384
#define PGN_STAGE_REC_MAX 2048

enum pgn_protocol {
	PGN_PROTO_SIMPLE = 0,
	PGN_PROTO_EXTENDED = 1,
};

enum pgn_stmt_status {
	PGN_STMT_OK = 0,
	PGN_STMT_ERROR = 1,
	/* wire: an execution the server skipped after an earlier one of its
	 * cycle failed (up to Sync): userspace adds it to the failed one */
	PGN_STMT_SKIPPED = 2,
};

enum pgn_transport {
	PGN_TRANSPORT_NONE = 0,
	PGN_TRANSPORT_TCP4 = 1,
	PGN_TRANSPORT_TCP6 = 2,
	PGN_TRANSPORT_UNIX = 3,
};

/* One direction of traffic on the client socket. */
struct pgn_dir {
	__u64 bytes;
	__u64 calls;
	__u64 segs;
	__u64 ns;		/* time spent inside the send/recv calls */
};

struct pgn_traffic {
	struct pgn_dir rx;
	struct pgn_dir tx;
	__u64 tx_wait_ns;	/* send returned EAGAIN until the next send went through */
	__u64 retrans;
};

static inline void pgn_dir_add(struct pgn_dir *to, const struct pgn_dir *x)
{
	to->bytes += x->bytes;
	to->calls += x->calls;
	to->segs += x->segs;
	to->ns += x->ns;
}

static inline void pgn_dir_sub(struct pgn_dir *from, const struct pgn_dir *x)
{
	from->bytes -= x->bytes;
	from->calls -= x->calls;
	from->segs -= x->segs;
	from->ns -= x->ns;
}

static inline void pgn_traffic_add(struct pgn_traffic *to, const struct pgn_traffic *x)
{
	pgn_dir_add(&to->rx, &x->rx);
	pgn_dir_add(&to->tx, &x->tx);
	to->tx_wait_ns += x->tx_wait_ns;
	to->retrans += x->retrans;
}

#define PGN_TITLE_MAX 96
#define PGN_STARTUP_MAX 160

/* The backend's client socket (addresses in network byte order, ports in
 * host order) and its process title, read in the kernel because a short
 * session is gone before userspace could read /proc. */
struct pgn_endpoint {
	__u8 transport;		/* enum pgn_transport */
	__u8 startup_len;	/* bytes of startup[] the kernel read */
	__u8 pad[2];
	__u16 lport;
	__u16 rport;
	__u8 laddr[16];		/* IPv4 in the first 4 bytes */
	__u8 raddr[16];
	char title[PGN_TITLE_MAX];	/* "postgres: USER DB HOST(PORT) ..." */
	/* the startup message's parameters as the client sent them in clear
	 * (key NUL value NUL ... NUL): who it is, beyond doubt; empty with
	 * TLS or a session joined while running */
	char startup[PGN_STARTUP_MAX];
	/* the postmaster's pid: which server (cluster) of the binary it is */
	__u32 server_pid;
	/* the backend's pid in its own pid namespace (a container's) */
	__u32 ns_pid;
};

struct pgn_session_rec {
	__u32 type;		/* PGN_REC_SESSION */
	__u32 pid;
	__u64 proc_start_ns;	/* CLOCK_MONOTONIC (boot-relative) times */
	__u64 first_rx_ns;
	__u64 startup_done_ns;	/* last byte of the startup exchange sent */
	__u64 end_ns;
	__u64 statements;
	__u32 handshake_us;	/* SYN-ACK sent to handshake ACK; 0: not seen */
	__u32 seq;		/* the backend's record number (see pgn_batch_rec) */
	__u64 out_rx_bytes;	/* on the backend's other sockets (postgres_fdw, dblink) */
	__u64 out_tx_bytes;
	struct pgn_endpoint ep;
	struct pgn_traffic total;
	struct pgn_traffic startup;
	struct pgn_traffic unattributed;
};

/*
 * Who a backend's statements come from, sent before its first statement
 * record and again whenever it changed, so that statement records (whose
 * every byte costs the backend a cache miss in the ring buffer) need not
 * carry it.
 */
struct pgn_endpoint_rec {
	__u32 type;		/* PGN_REC_ENDPOINT */
	__u32 pid;
	__u64 proc_start_ns;
	struct pgn_endpoint ep;
	__u32 seq;
	__u32 pad;
};

/* A statement record's fixed part: what the backend's state holds while the
 * statement runs (its text is kept apart, see struct pgn_text). */
#define PGN_STMT_FIXED_FIELDS							\
	__u32 type;		/* PGN_REC_STATEMENT */			\
	__u32 pid;							\
	__u64 proc_start_ns;						\
	__u64 request_ns;	/* first request byte received */	\
	__u64 start_ns;		/* execution start (probe) */		\
	__u64 done_ns;		/* execution end (probe); 0 if never seen */ \
	__u64 last_tx_ns;	/* last response byte sent */		\
	struct pgn_traffic t;						\
	__u64 out_rx_bytes;	/* on the backend's other sockets during the statement */ \
	__u64 out_tx_bytes;						\
	__u32 srtt_us;							\
	__u8 protocol;		/* enum pgn_protocol */			\
	__u8 status;		/* enum pgn_stmt_status */		\
	__u8 status_hits;	/* statement__status(text) hits in this cycle; wire: \
				 * 0 Query, 1 Parse only, 2 an execution */ \
	__u8 truncated;		/* query text was cut at --query-max */	\
	__u8 aborted;		/* transaction__abort fired: an error, or a ROLLBACK */ \
	__u8 pipelined;		/* one of several statements of one cycle (see attribution.h) */ \
	__u8 awaiting;		/* wire: its response comes in an answer record */ \
	__u8 skip_follows;	/* wire: executions skipped after this failure \
				 * (or skipped one) follow, up to the cycle's end */ \
	__u32 query_len;	/* bytes of text, without NUL */	\
	__u32 request_bytes;	/* received before the statement began */ \
	__u32 seq;							\
	__u32 name_hash;	/* wire: the prepared statement's name, hashed \
				 * (pgn_name_hash); 0: unnamed */		\
	__u64 portal_ns;	/* --probes full: time in the outermost PortalRun calls */

struct pgn_stmt_fixed {
	PGN_STMT_FIXED_FIELDS
};

/* As it leaves the kernel: the fixed part, then query_len bytes and a NUL. */
struct pgn_stmt_rec {
	PGN_STMT_FIXED_FIELDS
	char query[PGN_QUERY_MAX];
};

/*
 * --probes wire: the response of an execution of a pipeline or batch that
 * was reported when the next one's request began (awaiting): the server's
 * messages up to its CommandComplete (or EmptyQueryResponse,
 * PortalSuspended, ErrorResponse), through ReadyForQuery when a Sync
 * followed it. Answers come in the order of the executions.
 */
struct pgn_answer_rec {
	__u32 type;		/* PGN_REC_ANSWER */
	__u32 pid;
	__u64 proc_start_ns;
	__u64 done_ns;		/* entry of the send that ended it */
	__u64 last_tx_ns;	/* its return */
	struct pgn_traffic t;
	__u32 seq;
	__u8 status;		/* enum pgn_stmt_status */
	__u8 skipped;		/* failed: the awaiting executions after it that
				 * the server skipped (their records are its) */
	__u8 skip_follows;	/* failed: more skipped ones follow (statements) */
	__u8 pad;
};

/*
 * The text of a backend's open statement. Not in the backend's task-local
 * storage: a value there must stay under ~8100 bytes on Linux 7.x, whatever
 * --query-max is (see the size check in tests/unit/test-attribution.c).
 */
struct pgn_text {
	char q[PGN_QUERY_MAX];
};

/* --probes wire: the client's byte stream as bpf/wire.h walks it. */
enum pgn_wire_mode {
	PGN_WIRE_STARTUP = 0,	/* untyped packets: int32 length, int32 code, ... */
	PGN_WIRE_TYPED,		/* after the startup message: type, int32 length */
	PGN_WIRE_OPAQUE,	/* TLS or GSS encryption: nothing to read */
	PGN_WIRE_LOST,		/* a length that cannot be: the framing is lost */
};

/* Where the walk stands between recvs. */
struct pgn_wire {
	__u32 left;		/* bytes of the current message still to come */
	__u8 mode;		/* enum pgn_wire_mode */
	__u8 have;		/* bytes of a split header held in hdr[] */
	__u8 hdr[8];
};

/* A prepared statement's name (@len bytes), hashed (FNV-1a, 32 bits): how
 * a Bind names the statement whose text came with an earlier Parse; 0 for
 * the unnamed statement. */
static inline __u32 pgn_name_hash(const char *name, __u32 len)
{
	__u32 h = 2166136261u;

	for (__u32 i = 0; i < 63 && i < len; i++)
		h = (h ^ (__u8)name[i]) * 16777619u;
	return len ? h | 1 : 0;
}

/* Attribution state of one backend (one process of the traced binary),
 * kept in its main thread's task-local storage. */
enum pgn_state {
	PGN_ST_STARTUP = 0,
	PGN_ST_IDLE,
	PGN_ST_REQUEST,
	PGN_ST_ACTIVE,
	PGN_ST_CLOSING,
};

enum pgn_backend_flags {
	PGN_B_HAVE_SOCK = 1 << 0,	/* client socket identified */
	PGN_B_IGNORED = 1 << 1,		/* client socket filtered out */
	PGN_B_STARTUP_IDLE = 1 << 2,	/* first statement__status(NULL) seen */
	PGN_B_STMT_OPEN = 1 << 3,	/* stmt holds a statement (or a request) */
	PGN_B_EP_SENT = 1 << 4,		/* sess.ep went out as it is now */
	PGN_B_TITLE = 1 << 5,		/* sess.ep.title read */
	PGN_B_STARTUP_READ = 1 << 6,	/* sess.ep.startup read */
	PGN_B_PARSED = 1 << 7,		/* wire: the open statement holds a Parse */
	PGN_B_WIRE_GONE = 1 << 8,	/* wire: its framing lost, or encrypted */
	PGN_B_TEXT_PARSE = 1 << 9,	/* wire: the text held is a Parse's (parsed_hash) */
	PGN_B_TLS = 1 << 10,		/* wire: TLS, its messages read in clear (bpf/tls.bpf.h) */
	PGN_B_TLS_WRITE = 1 << 11,	/* inside be_tls_write: its sends are held */
	PGN_B_TLS_READ = 1 << 12,	/* inside be_tls_read: its recvs are tls_rx */
};

/* --probes wire: executions awaiting their answers (see pgn_on_wire_answer
 * in attribution.h) */
#define PGN_AWAITING_MAX 64	/* bits of pgn_backend.synced */

enum pgn_answer_flags {
	PGN_ANS_COMPLETE = 1 << 0,	/* its last message seen; a Sync followed
					 * it: the answer runs to ReadyForQuery */
	PGN_ANS_FAILED = 1 << 1,	/* ErrorResponse */
};

/* One completed send or recv on the client socket. */
struct pgn_io {
	__u64 ts;		/* when the call returned */
	__u64 dur_ns;		/* time inside the call; 0 if unknown */
	__s64 ret;		/* bytes moved, or -errno */
	__u32 segs_in;		/* tcp_sock counters as now (0 on Unix sockets) */
	__u32 segs_out;
	__u32 retrans;
	__u32 srtt_us;
	__u32 flags;		/* enum pgn_io_flags */
	__u32 more_calls;	/* TLS: further socket calls it stands for */
};

struct pgn_backend {
	__u32 state;		/* enum pgn_state */
	__u32 flags;		/* enum pgn_backend_flags */
	__u64 sk;		/* client socket (kernel pointer, identity only) */
	__u64 call_sk;		/* socket of the call in flight (kprobe backend) */
	__u64 call_start_ns;	/* entry of the send/recv in flight; 0: unknown */
	__u64 call_buf;		/* its user buffer and length; 0: unknown */
	__u64 call_len;
	__u64 last_call_ns;	/* return of the last send/recv seen */
	__u64 eagain_ns;	/* a send returned EAGAIN at this time; 0: not waiting */
	__u64 tail_first_ns;	/* first byte of tail_rx */
	__u32 last_segs_in;
	__u32 last_segs_out;
	__u32 last_retrans;
	__u32 portal_depth;	/* --probes full: PortalRun nesting */
	__u64 portal_start_ns;	/* entry of the outermost PortalRun */
	__u64 first_text;	/* text address of the hit that opened the statement */
	__u64 second_text;	/* and of its second hit */
	__u32 seq;		/* of the next record */
	__u32 parsed_hash;	/* wire: name_hash of the Parse whose text is held */
	struct pgn_wire wire;	/* --probes wire: where the client's messages stand */
	__u64 tls_buf;		/* TLS: the buffer of the be_tls_read in flight, */
	__u64 tls_wbuf;		/* of the be_tls_write in flight, and its length */
	__u64 tls_write_len;
	struct pgn_io tls_tx;	/* TLS: the sends held (pgn_tls_hold) */
	__u64 tls_rx;		/* TLS: ciphertext received inside reads since one
				 * returned plaintext */
	__u64 tls_ahead;	/* and counted beyond the plaintext returned (see
				 * pgn_tls_read) */
	/* --probes wire, answers (see pgn_on_wire_answer) */
	struct pgn_wire txwire;	/* where the server's messages stand, if known */
	__u8 awaiting;		/* executions reported, their answers to come */
	__u8 answer_flags;	/* enum pgn_answer_flags: the oldest one's */
	__u8 stmt_synced;	/* a Sync came after the open statement's Execute */
	__u8 answer_skipped;	/* the oldest failed: awaiting ones it skipped */
	__u32 answer_due;	/* a message that ends an answer ends this many
				 * bytes into the next sends; its type: */
	__u8 answer_due_type;
	__u8 pad2[3];
	__u64 synced;		/* bit i: a Sync came after awaiting execution i
				 * (bit 0: the oldest) */
	struct pgn_traffic answer;	/* the oldest one's response so far */
	struct pgn_dir tail_rx;	/* received since the last send: a pending request */
	struct pgn_session_rec sess;
	struct pgn_stmt_fixed stmt;
};

/* The oldest awaiting execution's answer, as held in @b (the record's
 * sequence number is the backend's next). */
static inline void pgn_answer_fill(struct pgn_answer_rec *r, const struct pgn_backend *b, __u64 done_ns,
				   __u64 last_tx_ns, __u8 skip_follows)
{
	r->type = PGN_REC_ANSWER;
	r->pid = b->sess.pid;
	r->proc_start_ns = b->sess.proc_start_ns;
	r->done_ns = done_ns;
	r->last_tx_ns = last_tx_ns;
	__builtin_memcpy(&r->t, &b->answer, sizeof(r->t));
	r->seq = b->seq;
	r->status = b->answer_flags & PGN_ANS_FAILED ? PGN_STMT_ERROR : PGN_STMT_OK;
	r->skipped = b->answer_skipped;
	r->skip_follows = skip_follows;
	r->pad = 0;
}

/* Task-local storage values above ~8100 bytes fail on Linux 7.x: the
 * backend's state stays well under (tests/unit/test-attribution.c). */
#define PGN_BACKEND_MAX 2048

/*
 * One statement__status(text) hit is a simple Query or a Parse-only round
 * trip (the first use of a named prepared statement); a simple Query's
 * request is exactly 'Q', int32 length, text, NUL.  Decided once the text
 * is known, so the kernel does not need to.
 */
static inline __u8 pgn_protocol_of(const struct pgn_stmt_rec *s)
{
	if (s->protocol == PGN_PROTO_EXTENDED || s->status_hits != 1 || s->truncated ||
	    s->request_bytes == 1 + 4 + s->query_len + 1)
		return s->protocol;
	return PGN_PROTO_EXTENDED;
}

#endif
