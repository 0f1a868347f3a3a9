/* The attribution machine on synthetic event sequences (docs/design.md §2). */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <string.h>
#include <linux/types.h>
#include <cmocka.h>

#include "pgnetprof.h"

#define MAX_OUT 16

static struct pgn_stmt_fixed stmts[MAX_OUT];
static struct pgn_session_rec sessions[MAX_OUT];
static struct pgn_answer_rec answers[MAX_OUT];
static int nstmts, nsessions, nanswers;
static int endpoint_before[MAX_OUT];	/* statements emitted before each endpoint */
static int nendpoints, endpoint_fails;	/* endpoint_fails: refuse that many */

static void pgn_emit_stmt(struct pgn_backend *b)
{
	assert_true(nstmts < MAX_OUT);
	stmts[nstmts++] = b->stmt;
}

static void pgn_emit_session(struct pgn_backend *b)
{
	assert_true(nsessions < MAX_OUT);
	sessions[nsessions++] = b->sess;
}

static int pgn_emit_endpoint(struct pgn_backend *b)
{
	(void)b;
	if (endpoint_fails) {
		endpoint_fails--;
		return -1;
	}
	assert_true(nendpoints < MAX_OUT);
	endpoint_before[nendpoints++] = nstmts;
	return 0;
}

static void pgn_emit_answer(struct pgn_backend *b, __u64 done_ns, __u64 last_tx_ns, __u8 skip_follows)
{
	assert_true(nanswers < MAX_OUT);
	pgn_answer_fill(&answers[nanswers++], b, done_ns, last_tx_ns, skip_follows);
}

/* The machine reads the clock only where no socket call's time will do:
 * counted, since each read costs the backend ~100 ns. */
static __u64 clock_ns;
static int clock_reads;

static __u64 pgn_now(void)
{
	clock_reads++;
	return clock_ns;
}

#define PGN_INLINE static inline
#include "attribution.h"

static struct pgn_backend be;
static __u32 segs_in, segs_out;

static int setup(void **state)
{
	(void)state;
	memset(&be, 0, sizeof(be));
	be.sess.pid = 42;
	be.flags = PGN_B_HAVE_SOCK;
	nstmts = nsessions = nendpoints = endpoint_fails = nanswers = 0;
	clock_ns = 1000;
	clock_reads = 0;
	segs_in = segs_out = 0;
	return 0;
}

/* A recv or send of n bytes (or -errno) taking 10 ns; each data call is
 * one segment in its direction. */
static struct pgn_io io(long n, int rx)
{
	struct pgn_io e = { .dur_ns = 10, .ret = n, .srtt_us = 50 };

	clock_ns += 100;
	e.ts = clock_ns;
	if (n > 0) {
		if (rx)
			segs_in++;
		else
			segs_out++;
	}
	e.segs_in = segs_in;
	e.segs_out = segs_out;
	return e;
}

/* as sock_io does: the call's return is the backend's last, then the machine */
static void recv_(long n) { struct pgn_io e = io(n, 1); be.last_call_ns = e.ts; pgn_on_recv(&be, &e); }
/* a send, and what its end says on the wire (enum pgn_io_flags) */
static void send_said(long n, __u32 flags)
{
	struct pgn_io e = io(n, 0);

	e.flags = flags;
	be.last_call_ns = e.ts;
	pgn_on_send(&be, &e);
}
static void send_(long n) { send_said(n, 0); }
/* statement__status(text) with the text at address @at; Parse messages
 * report theirs from the backend's reused input buffer */
#define MSGBUF 0x5000
static int status_text_at(__u64 at, int differs)
{
	clock_ns += 100;
	if (differs)	/* the caller reads a text only when the machine asks */
		assert_true(pgn_text_check_needed(&be, 0, at));
	return pgn_on_stmt_begin(&be, 0, at, differs);
}
static int status_at(__u64 at) { return status_text_at(at, 0); }
static int status_text(void) { return status_at(0x1000); }
static void status_null(void) { clock_ns += 100; pgn_on_stmt_end(&be); }
static int query_start(void) { clock_ns += 100; return pgn_on_stmt_begin(&be, 1, 0x1000, 0); }
static void query_done(void) { clock_ns += 100; pgn_on_stmt_end(&be); }
static void finish(unsigned probe_set) { clock_ns += 100; pgn_on_exit(&be, clock_ns, probe_set); }

/* Startup as PostgreSQL does it: startup packet in, auth + params + first
 * ReadyForQuery out, the first statement__status(NULL) before the flush. */
static void startup(int with_status)
{
	recv_(8 + 33);
	if (with_status)
		status_null();
	send_(400);
}

static void assert_conserved(const struct pgn_session_rec *s)
{
	__u64 rx = s->startup.rx.bytes + s->unattributed.rx.bytes;
	__u64 tx = s->startup.tx.bytes + s->unattributed.tx.bytes;
	__u64 rxc = s->startup.rx.calls + s->unattributed.rx.calls;
	__u64 rxs = s->startup.rx.segs + s->unattributed.rx.segs;

	for (int i = 0; i < nstmts; i++) {
		rx += stmts[i].t.rx.bytes;
		tx += stmts[i].t.tx.bytes;
		rxc += stmts[i].t.rx.calls;
		rxs += stmts[i].t.rx.segs;
	}
	for (int i = 0; i < nanswers; i++) {
		tx += answers[i].t.tx.bytes;
		rxs += answers[i].t.rx.segs;
	}
	assert_int_equal(rx, s->total.rx.bytes);
	assert_int_equal(tx, s->total.tx.bytes);
	assert_int_equal(rxc, s->total.rx.calls);
	assert_int_equal(rxs, s->total.rx.segs);
	assert_int_equal(s->statements, nstmts);
}

/* Small result: every response byte is sent after the statement is done. */
static void test_small_result(void **state)
{
	(void)state;
	startup(1);
	recv_(15);			/* Q + "select 1" */
	assert_int_equal(status_text(), 1);
	status_null();
	send_(60);			/* T D C Z, all after done */
	recv_(5);			/* Terminate */
	finish(PGN_PROBES_STATUS);

	assert_int_equal(nstmts, 1);
	assert_int_equal(stmts[0].t.rx.bytes, 15);
	assert_int_equal(stmts[0].t.rx.calls, 1);
	assert_int_equal(stmts[0].t.tx.bytes, 60);
	assert_int_equal(stmts[0].t.tx.calls, 1);
	assert_int_equal(stmts[0].t.rx.segs, 1);
	assert_int_equal(stmts[0].t.tx.segs, 1);
	assert_int_equal(stmts[0].protocol, PGN_PROTO_SIMPLE);
	assert_int_equal(stmts[0].status, PGN_STMT_OK);
	assert_true(stmts[0].request_ns < stmts[0].start_ns);
	assert_true(stmts[0].done_ns < stmts[0].last_tx_ns);
	assert_int_equal(stmts[0].srtt_us, 50);
	assert_int_equal(nsessions, 1);
	assert_int_equal(sessions[0].startup.rx.bytes, 41);
	assert_int_equal(sessions[0].startup.tx.bytes, 400);
	assert_int_equal(sessions[0].unattributed.rx.bytes, 5);
	assert_int_equal(sessions[0].total.rx.bytes, 41 + 15 + 5);
	assert_conserved(&sessions[0]);
}

/* Large result: full 8 KiB buffers flushed during execution, the rest after. */
static void test_large_result(void **state)
{
	(void)state;
	startup(1);
	recv_(30);
	status_text();
	send_(8192);
	send_(8192);
	status_null();
	send_(3000);
	recv_(30);			/* next statement's request closes this one */
	assert_int_equal(nstmts, 1);
	assert_int_equal(stmts[0].t.tx.bytes, 8192 * 2 + 3000);
	assert_int_equal(stmts[0].t.tx.calls, 3);
	assert_int_equal(stmts[0].t.tx.segs, 3);
	assert_int_equal(stmts[0].t.tx.ns, 30);
	assert_int_equal(stmts[0].t.rx.bytes, 30);
	finish(PGN_PROBES_STATUS);
	assert_int_equal(nstmts, 1);	/* a request that ran nothing is not a statement */
	assert_int_equal(sessions[0].unattributed.rx.bytes, 30);
	assert_conserved(&sessions[0]);
}

/* A request split over several recvs, with EAGAIN returns in between. */
static void test_split_request_and_eagain(void **state)
{
	(void)state;
	startup(1);
	recv_(-PGN_EAGAIN);
	recv_(1000);
	recv_(-PGN_EAGAIN);
	recv_(1000);
	recv_(234);
	status_text();
	status_null();
	recv_(0);			/* EOF is not traffic either */
	send_(20);
	finish(PGN_PROBES_STATUS);
	assert_int_equal(nstmts, 1);
	assert_int_equal(stmts[0].t.rx.bytes, 2234);
	assert_int_equal(stmts[0].t.rx.calls, 3);
	assert_int_equal(stmts[0].t.rx.ns, 30);
	assert_int_equal(sessions[0].total.rx.calls, 4);
	assert_conserved(&sessions[0]);
}

/* Send blocked on a full socket: EAGAIN until the next send succeeds. */
static void test_tx_wait(void **state)
{
	struct pgn_io e;

	(void)state;
	startup(1);
	recv_(20);
	status_text();
	send_(8192);
	e = io(-PGN_EAGAIN, 0);		/* at t0 */
	pgn_on_send(&be, &e);
	clock_ns += 5000;		/* waiting in epoll */
	e = io(8192, 0);		/* entry = ts - 10 */
	pgn_on_send(&be, &e);
	status_null();
	send_(100);
	finish(PGN_PROBES_STATUS);
	assert_int_equal(stmts[0].t.tx_wait_ns, 5000 + 100 - 10);
	assert_int_equal(stmts[0].t.tx.calls, 3);
	assert_int_equal(sessions[0].total.tx_wait_ns, stmts[0].t.tx_wait_ns);
}

/* Extended protocol: Parse, Bind, Execute each report the text: one statement. */
static void test_extended_one_cycle(void **state)
{
	(void)state;
	startup(1);
	recv_(80);			/* P B D E S in one recv */
	assert_int_equal(status_at(MSGBUF), 1);	/* Parse: the text in the message */
	assert_int_equal(status_at(0x7000), 0);	/* Bind: the prepared statement's */
	assert_int_equal(status_at(0x7100), 0);	/* Execute: the portal's copy */
	status_null();
	send_(70);
	finish(PGN_PROBES_STATUS);
	assert_int_equal(nstmts, 1);
	assert_int_equal(stmts[0].protocol, PGN_PROTO_EXTENDED);
	assert_int_equal(stmts[0].status_hits, 3);
	assert_int_equal(stmts[0].t.rx.bytes, 80);
	assert_int_equal(stmts[0].t.tx.bytes, 70);
	assert_conserved(&sessions[0]);
}

/*
 * Times without clock reads: a statement begins when the recv completing
 * its request returns, and its execution ends where its response's first
 * send enters, so response = recv + execution + send exactly. Only a
 * statement that follows another's execution in one cycle (pipelined)
 * reads the clock, and only the next statement of one request after a
 * Sync takes the previous response's send.
 */
static void test_times_from_socket_calls(void **state)
{
	(void)state;
	startup(1);
	recv_(15);			/* returns at 1400 after 10 ns inside */
	status_text();
	status_null();
	send_(60);			/* enters at 1690 */
	assert_int_equal(clock_reads, 0);
	recv_(80);			/* P B D E S */
	status_at(MSGBUF);
	status_at(0x7000);
	status_at(0x7100);
	status_null();
	send_(70);
	assert_int_equal(clock_reads, 0);	/* the Bind and Execute hits neither */
	recv_(150);			/* P B E P B E S: pipelined */
	status_at(MSGBUF);
	status_at(0x7000);
	status_at(0x7010);
	status_at(MSGBUF);		/* 2800: after the first one's execution */
	status_at(0x7100);
	status_at(0x7110);
	status_null();
	send_(90);
	assert_int_equal(clock_reads, 1);
	recv_(30);			/* Q S, Q S: two requests in one recv */
	status_text();
	status_null();
	send_(20);			/* returns at 3600 */
	status_text();
	status_null();
	send_(20);
	finish(PGN_PROBES_STATUS);

	assert_int_equal(nstmts, 6);
	assert_int_equal(stmts[0].request_ns, 1390);
	assert_int_equal(stmts[0].start_ns, 1400);
	assert_int_equal(stmts[0].done_ns, 1690);
	assert_int_equal(stmts[0].last_tx_ns, 1700);
	assert_int_equal(stmts[0].last_tx_ns - stmts[0].request_ns,
			 stmts[0].t.rx.ns + (stmts[0].done_ns - stmts[0].start_ns) + stmts[0].t.tx.ns);
	assert_int_equal(stmts[1].start_ns, stmts[1].request_ns + 10);
	assert_int_equal(stmts[3].start_ns, 2800);
	assert_int_equal(stmts[5].start_ns, 3600);
	assert_int_equal(clock_reads, 1);
}

/* A pipeline: Parse, Bind, Execute of three statements before one Sync.
 * Three records, all marked; the request is the first's, the response the
 * last's (the cycle's bytes cannot be split). A named statement Bound and
 * Executed twice in one cycle is two statements too. */
static void test_pipeline(void **state)
{
	(void)state;
	startup(1);
	recv_(150);
	for (__u64 plan = 0x7000; plan < 0x7300; plan += 0x100) {
		assert_int_equal(status_at(MSGBUF), 1);
		assert_int_equal(status_at(plan), 0);
		assert_int_equal(status_at(plan + 0x10), 0);
	}
	status_null();
	send_(90);
	recv_(60);			/* B E, B E E, S: one named statement twice */
	assert_int_equal(status_at(0x8000), 1);
	assert_int_equal(status_at(0x8100), 0);
	assert_int_equal(status_at(0x8000), 1);
	assert_int_equal(status_at(0x8200), 0);
	assert_int_equal(status_at(0x8200), 0);	/* another Execute of that portal */
	status_null();
	send_(40);
	recv_(60);			/* B E, B E, S: two named statements */
	assert_int_equal(status_at(0xa000), 1);
	assert_int_equal(status_at(0xa100), 0);
	assert_int_equal(status_text_at(0xb000, 1), 1);	/* another text */
	assert_int_equal(status_text_at(0xb100, 0), 0);	/* hits < 2: not asked */
	status_null();
	send_(40);
	finish(PGN_PROBES_STATUS);

	assert_int_equal(nstmts, 7);
	for (int i = 0; i < 7; i++) {
		assert_int_equal(stmts[i].pipelined, 1);
		assert_int_equal(stmts[i].protocol, PGN_PROTO_EXTENDED);
	}
	assert_int_equal(stmts[0].t.rx.bytes, 150);
	assert_int_equal(stmts[1].t.rx.bytes + stmts[1].t.tx.bytes, 0);
	assert_int_equal(stmts[2].t.tx.bytes, 90);
	assert_int_equal(stmts[3].t.rx.bytes, 60);
	assert_int_equal(stmts[4].status_hits, 3);
	assert_int_equal(stmts[4].t.tx.bytes, 40);
	assert_conserved(&sessions[0]);
}

/* query__start/query__done only: startup's end is seen at the first
 * query__start, and the request is what arrived since the last send. */
static void test_query_probes_startup(void **state)
{
	(void)state;
	startup(0);
	recv_(15);
	query_start();
	query_done();
	send_(60);
	recv_(20);
	query_start();
	query_done();
	send_(61);
	finish(PGN_PROBES_QUERY);
	assert_int_equal(nstmts, 2);
	assert_int_equal(stmts[0].t.rx.bytes, 15);
	assert_int_equal(stmts[0].t.tx.bytes, 60);
	assert_int_equal(stmts[1].t.rx.bytes, 20);
	assert_int_equal(stmts[1].t.tx.bytes, 61);
	assert_int_equal(sessions[0].startup.rx.bytes, 41);
	assert_int_equal(sessions[0].startup.tx.bytes, 400);
	assert_conserved(&sessions[0]);
}

/* query probes: a failed statement never fires query__done; the next
 * query__start closes it as an error and takes only its own request. */
static void test_query_probes_error(void **state)
{
	(void)state;
	startup(0);
	recv_(25);
	query_start();
	send_(90);			/* ErrorResponse + ReadyForQuery */
	recv_(15);
	query_start();
	query_done();
	send_(60);
	recv_(5);			/* Terminate */
	finish(PGN_PROBES_QUERY);
	assert_int_equal(nstmts, 2);
	assert_int_equal(stmts[0].status, PGN_STMT_ERROR);
	assert_int_equal(stmts[0].t.rx.bytes, 25);
	assert_int_equal(stmts[0].t.tx.bytes, 90);
	assert_int_equal(stmts[1].status, PGN_STMT_OK);
	assert_int_equal(stmts[1].t.rx.bytes, 15);
	assert_int_equal(sessions[0].unattributed.rx.bytes, 5);
	assert_conserved(&sessions[0]);
}

/* Killed while executing: the statement is reported as an error. */
static void test_exit_mid_statement(void **state)
{
	(void)state;
	startup(1);
	recv_(25);
	status_text();
	send_(8192);
	finish(PGN_PROBES_STATUS);
	assert_int_equal(nstmts, 1);
	assert_int_equal(stmts[0].status, PGN_STMT_ERROR);
	assert_int_equal(stmts[0].t.tx.bytes, 8192);
	assert_conserved(&sessions[0]);
}

/* Traffic while idle (NOTIFY delivery) belongs to no statement. */
static void test_idle_traffic_unattributed(void **state)
{
	(void)state;
	startup(1);
	recv_(15);
	status_text();
	status_null();
	send_(60);
	recv_(15);
	status_text();
	status_null();
	send_(60);
	assert_int_equal(nstmts, 1);
	finish(PGN_PROBES_STATUS);
	assert_int_equal(nstmts, 2);
	assert_conserved(&sessions[0]);
}

/* A session we joined mid-way: its first request still finds its statement. */
static void test_joined_session(void **state)
{
	(void)state;
	recv_(15);
	status_text();
	status_null();
	send_(60);
	finish(PGN_PROBES_STATUS);
	assert_int_equal(nstmts, 1);
	assert_int_equal(stmts[0].t.rx.bytes, 15);
	assert_int_equal(stmts[0].t.tx.bytes, 60);
	assert_int_equal(sessions[0].startup.rx.bytes, 0);
	assert_conserved(&sessions[0]);
}

/* One status hit: a simple Query, or a Parse-only round trip. */
static void test_protocol_of(void **state)
{
	struct pgn_stmt_rec r = { .status_hits = 1, .query_len = 8, .request_bytes = 14 };

	(void)state;
	assert_int_equal(pgn_protocol_of(&r), PGN_PROTO_SIMPLE);
	r.request_bytes = 14 + 5;	/* Parse + Sync */
	assert_int_equal(pgn_protocol_of(&r), PGN_PROTO_EXTENDED);
	r.truncated = 1;		/* the text is cut: cannot tell, trust the hits */
	assert_int_equal(pgn_protocol_of(&r), PGN_PROTO_SIMPLE);
	r.truncated = 0;
	r.status_hits = 2;
	r.protocol = PGN_PROTO_EXTENDED;
	assert_int_equal(pgn_protocol_of(&r), PGN_PROTO_EXTENDED);
}

/* The request bytes are those received before the statement began. */
static void test_request_bytes(void **state)
{
	(void)state;
	startup(1);
	recv_(15);
	status_text();
	recv_(100);			/* COPY data */
	status_null();
	send_(20);
	finish(PGN_PROBES_STATUS);
	assert_int_equal(stmts[0].request_bytes, 15);
	assert_int_equal(stmts[0].t.rx.bytes, 115);
}

/* dblink inside a statement: its socket's bytes are the statement's
 * outbound traffic, the client's stay the client's; an abort marks it. */
static void test_outbound_and_abort(void **state)
{
	struct pgn_io e;

	(void)state;
	e = io(5, 0);			/* before any statement: the session's only */
	pgn_on_outbound(&be, &e, 0);
	startup(1);
	recv_(40);
	assert_int_equal(status_text(), 1);
	e = io(120, 0);
	pgn_on_outbound(&be, &e, 0);	/* to the remote server */
	e = io(9000, 1);
	pgn_on_outbound(&be, &e, 1);
	e = io(-11, 1);			/* EAGAIN: nothing moved */
	pgn_on_outbound(&be, &e, 1);
	pgn_on_abort(&be);
	status_null();
	send_(80);
	finish(PGN_PROBES_STATUS);

	assert_int_equal(nstmts, 1);
	assert_int_equal(stmts[0].out_tx_bytes, 120);
	assert_int_equal(stmts[0].out_rx_bytes, 9000);
	assert_int_equal(stmts[0].t.rx.bytes, 40);
	assert_int_equal(stmts[0].t.tx.bytes, 80);
	assert_int_equal(stmts[0].aborted, 1);
	assert_int_equal(sessions[0].out_tx_bytes, 125);
	assert_int_equal(sessions[0].out_rx_bytes, 9000);
	assert_conserved(&sessions[0]);
}

/* --probes full: PortalRun time, outermost runs only; a run an error cut
 * short (no done) does not leak into the next statement. */
static void test_portal_nesting(void **state)
{
	(void)state;
	startup(1);
	recv_(20);
	assert_int_equal(status_text(), 1);
	pgn_on_portal_start(&be, 10000);	/* EXECUTE p */
	pgn_on_portal_start(&be, 10100);	/* the prepared statement's portal */
	pgn_on_portal_done(&be, 10900);
	pgn_on_portal_done(&be, 11000);
	pgn_on_portal_done(&be, 12000);		/* unbalanced: ignored */
	pgn_on_portal_start(&be, 13000);	/* a failing run: no done */
	status_null();
	send_(30);
	recv_(20);				/* the next statement */
	assert_int_equal(status_text(), 1);
	pgn_on_portal_start(&be, 20000);
	pgn_on_portal_done(&be, 20500);
	status_null();
	send_(30);
	finish(PGN_PROBES_STATUS);

	assert_int_equal(nstmts, 2);
	assert_int_equal(stmts[0].portal_ns, 1000);
	assert_int_equal(stmts[1].portal_ns, 500);
}

/* The endpoint goes out before the backend's first statement, again only
 * when it changed (the title was read), and until a ring buffer took it. */
static void one_statement(void)
{
	recv_(15);
	status_text();
	status_null();
	send_(60);
}

/* A batch (executemany): Parse, Bind, Execute, then Bind, Execute again
 * twice before one Sync. The prepared statement's address (the second hit)
 * coming back after a third hit is the next execution: three records. */
static void test_batch(void **state)
{
	(void)state;
	startup(1);
	recv_(200);
	assert_int_equal(status_at(MSGBUF + 19), 1);	/* Parse "__name__" */
	assert_int_equal(status_at(0x7000), 0);	/* Bind */
	assert_int_equal(status_at(0x7100), 0);	/* Execute */
	assert_int_equal(status_at(0x7000), 1);	/* Bind again */
	assert_int_equal(status_at(0x7200), 0);
	assert_int_equal(status_at(0x7000), 1);
	assert_int_equal(status_at(0x7300), 0);
	status_null();
	send_said(120, PGN_IO_READY);
	finish(PGN_PROBES_STATUS);
	assert_int_equal(nstmts, 3);
	for (int i = 0; i < 3; i++)
		assert_int_equal(stmts[i].pipelined, 1);
	assert_int_equal(stmts[0].t.rx.bytes, 200);
	assert_int_equal(stmts[2].t.tx.bytes, 120);
	assert_conserved(&sessions[0]);
}

/* Parse of a named statement, Describe, Flush: its description goes out
 * with no ReadyForQuery; then a Query in the same cycle (asyncpg's
 * copy_records_to_table). The Query's text, at the start of the input
 * buffer the Parse's name preceded its text in, is the next statement's,
 * and the request that came after the description is its own. */
static void test_query_after_flush(void **state)
{
	(void)state;
	startup(1);
	recv_(93);			/* P D H */
	assert_int_equal(status_at(MSGBUF + 19), 1);
	send_(59);			/* ParseComplete, ParameterDescription, RowDescription */
	recv_(55);			/* Q COPY */
	assert_int_equal(status_at(MSGBUF), 1);
	send_(12);			/* CopyInResponse */
	recv_(9000);			/* CopyData, CopyDone */
	status_null();
	send_said(20, PGN_IO_READY);
	finish(PGN_PROBES_STATUS);
	assert_int_equal(nstmts, 2);
	assert_int_equal(stmts[0].t.rx.bytes, 93);
	assert_int_equal(stmts[0].t.tx.bytes, 59);
	assert_int_equal(stmts[0].pipelined, 0);
	assert_int_equal(stmts[1].t.rx.bytes, 9055);
	assert_int_equal(stmts[1].request_bytes, 55);
	assert_int_equal(stmts[1].t.tx.bytes, 32);
	assert_int_equal(stmts[1].pipelined, 0);
	assert_int_equal(stmts[1].protocol, PGN_PROTO_SIMPLE);	/* a Query: one hit */
	assert_int_equal(stmts[1].status_hits, 1);
	assert_conserved(&sessions[0]);
}

/* Once ReadyForQuery is out the statement is reported; what the backend
 * sends while idle (a notification) is no statement's. */
static void test_ready_ends_statement(void **state)
{
	(void)state;
	startup(1);
	recv_(15);
	status_text();
	status_null();
	send_said(18, PGN_IO_READY);
	assert_int_equal(nstmts, 1);
	send_(100);			/* NotificationResponse */
	send_(120);
	recv_(15);
	status_text();
	status_null();
	send_said(60, PGN_IO_READY);
	finish(PGN_PROBES_STATUS);
	assert_int_equal(nstmts, 2);
	assert_int_equal(stmts[0].t.tx.bytes, 18);
	assert_int_equal(stmts[1].t.tx.bytes, 60);
	assert_int_equal(sessions[0].unattributed.tx.bytes, 220);
	assert_conserved(&sessions[0]);
}

/* A response that ends with ErrorResponse fails its statement, whatever
 * the probes saw (an error inside a savepoint, or in an aborted
 * transaction, fires no transaction__abort); an ErrorResponse while no
 * statement runs fails none. With query probes the failed statement's
 * ReadyForQuery ends it. */
static void test_error_response(void **state)
{
	(void)state;
	startup(1);
	recv_(16);
	status_text();
	send_said(90, PGN_IO_ERROR);
	status_null();
	send_said(6, PGN_IO_READY);
	recv_(15);
	status_text();
	status_null();
	send_said(60, PGN_IO_READY);
	finish(PGN_PROBES_STATUS);
	assert_int_equal(nstmts, 2);
	assert_int_equal(stmts[0].status, PGN_STMT_ERROR);
	assert_int_equal(stmts[0].t.tx.bytes, 96);
	assert_int_equal(stmts[1].status, PGN_STMT_OK);

	setup(NULL);
	startup(0);
	recv_(25);
	query_start();
	send_said(90, PGN_IO_ERROR | PGN_IO_READY);
	assert_int_equal(nstmts, 1);
	send_(40);			/* idle: a notification */
	recv_(15);
	query_start();
	query_done();
	send_said(60, PGN_IO_READY);
	finish(PGN_PROBES_QUERY);
	assert_int_equal(nstmts, 2);
	assert_int_equal(stmts[0].status, PGN_STMT_ERROR);
	assert_int_equal(stmts[0].t.tx.bytes, 90);
	assert_int_equal(sessions[0].unattributed.tx.bytes, 40);
	assert_conserved(&sessions[0]);

	/* query probes, an extended cycle (no probe), then a simple one: the
	 * first is no statement's, and its error fails none */
	setup(NULL);
	startup(0);
	for (int i = 0; i < 2; i++) {
		if (i) {
			recv_(80);	/* P B D E S, refused */
			send_said(70, PGN_IO_ERROR | PGN_IO_READY);
		}
		recv_(15);
		query_start();
		query_done();
		send_said(60, PGN_IO_READY);
	}
	finish(PGN_PROBES_QUERY);
	assert_int_equal(nstmts, 2);
	assert_int_equal(stmts[1].status, PGN_STMT_OK);
	assert_int_equal(stmts[1].t.rx.bytes, 15);
	assert_int_equal(sessions[0].unattributed.rx.bytes, 80);
	assert_int_equal(sessions[0].unattributed.tx.bytes, 70);
	assert_conserved(&sessions[0]);
}

/* The next cycle of one request (Q S after a Sync in one recv) after
 * ReadyForQuery closed the first: it begins where that send returned. */
static void test_cycle_after_ready(void **state)
{
	(void)state;
	startup(1);
	recv_(30);
	status_text();
	status_null();
	send_said(20, PGN_IO_READY);	/* returns at clock_ns */
	__u64 sent = clock_ns;
	status_text();
	status_null();
	send_said(20, PGN_IO_READY);
	finish(PGN_PROBES_STATUS);
	assert_int_equal(nstmts, 2);
	assert_int_equal(stmts[1].start_ns, sent);
	assert_int_equal(stmts[0].t.rx.bytes, 30);
	assert_int_equal(clock_reads, 0);
	assert_conserved(&sessions[0]);
}

static void test_endpoint_records(void **state)
{
	(void)state;
	startup(1);
	endpoint_fails = 1;
	one_statement();
	one_statement();	/* closes the first: its endpoint is refused */
	assert_int_equal(nendpoints, 0);
	assert_int_equal(nstmts, 1);
	one_statement();
	assert_int_equal(nendpoints, 1);
	assert_int_equal(endpoint_before[0], 1);
	one_statement();
	assert_int_equal(nendpoints, 1);
	be.flags &= ~PGN_B_EP_SENT;	/* capture_title read the title */
	one_statement();
	finish(PGN_PROBES_STATUS);
	assert_int_equal(nendpoints, 2);
	assert_int_equal(endpoint_before[1], 3);
	assert_int_equal(nstmts, 5);
	assert_conserved(&sessions[0]);
}

/* A backend's state is a task-local storage value: Linux 7.x refuses
 * those above ~8100 bytes (every backend then goes unfollowed), so it
 * stays well under, whatever --query-max is (the text is kept apart). */
/* --probes wire: a recv's messages (type, and the bytes from that message
 * to the recv's end) after the recv is counted, as wire_recv does. */
static struct pgn_io last_rx;
static void recv_msgs(long n, const char *types, const __u32 *rest)
{
	last_rx = io(n, 1);
	be.last_call_ns = last_rx.ts;
	pgn_on_recv(&be, &last_rx);
	for (int i = 0; types[i]; i++)
		pgn_on_wire_msg(&be, types[i], &last_rx, rest[i]);
}
/* a send as wire_send and sock_io see it: while executions await, its
 * server messages that end answers (@types, each ending at @ends[i]); the
 * 6-byte read of its end says READY outside IDLE when @ready */
static void send_wire(long n, int ready, const char *types, const __u32 *ends)
{
	struct pgn_io e = io(n, 0);
	__u32 taken = 0;
	int walked;

	e.flags = ready && be.state != PGN_ST_IDLE ? PGN_IO_READY : 0;
	walked = pgn_wire_walked(&be, &e);
	be.last_call_ns = e.ts;
	if (walked)
		pgn_wire_due(&be, &e, &taken);
	for (int i = 0; walked && types[i]; i++)
		pgn_on_wire_answer(&be, &e, types[i], ends[i], &taken);
	if (pgn_wire_sent(&be, &e, taken, walked))
		pgn_on_send(&be, &e);
}
static void send_ready(long n) { send_wire(n, 1, "", NULL); }

/* Startup ends with its ReadyForQuery; a Query is a statement, its
 * response ends it, no clock read; what comes after is unattributed. */
static void test_wire_simple(void **state)
{
	(void)state;
	recv_msgs(41, "", NULL);	/* the startup packet */
	send_ready(400);
	recv_msgs(14, "Q", (__u32[]){ 14 });
	send_ready(66);
	send_(48);			/* a NotificationResponse while idle */
	recv_msgs(5, "", NULL);		/* Terminate */
	finish(PGN_PROBES_STATUS);
	assert_int_equal(nstmts, 1);
	assert_int_equal(stmts[0].t.rx.bytes, 14);
	assert_int_equal(stmts[0].t.tx.bytes, 66);
	assert_int_equal(stmts[0].protocol, PGN_PROTO_SIMPLE);
	assert_int_equal(stmts[0].status_hits, 0);
	assert_int_equal(stmts[0].pipelined, 0);
	assert_true(stmts[0].done_ns > stmts[0].start_ns);
	assert_int_equal(sessions[0].startup.rx.bytes, 41);
	assert_int_equal(sessions[0].unattributed.tx.bytes, 48);
	assert_int_equal(sessions[0].unattributed.rx.bytes, 5);
	assert_int_equal(clock_reads, 0);
	assert_conserved(&sessions[0]);
}

/* A batch in one recv: Parse, Bind, Execute, Bind, Execute, Bind, Execute,
 * Sync. Each execution's request is its own messages; the first two await
 * their answers, split from the one send at each CommandComplete. */
static void test_wire_batch(void **state)
{
	(void)state;
	recv_msgs(41, "", NULL);
	send_ready(400);
	/* P 30, B 20, E 10, B 20, E 10, B 20, E 10, S 5 = 125 bytes */
	recv_msgs(125, "PBEBEBES", (__u32[]){ 125, 95, 75, 65, 45, 35, 15, 5 });
	assert_int_equal(nstmts, 2);
	assert_int_equal(be.awaiting, 2);
	/* 1 5, 2 5, C 16 | 2 5, C 16 | 2 5, C 16, Z 6 */
	send_wire(74, 1, "CCCZ", (__u32[]){ 26, 47, 68, 74 });
	finish(PGN_PROBES_STATUS);
	assert_int_equal(nstmts, 3);
	assert_int_equal(nanswers, 2);
	assert_int_equal(stmts[0].t.rx.bytes, 60);
	assert_int_equal(stmts[1].t.rx.bytes, 30);
	assert_int_equal(stmts[2].t.rx.bytes, 35);	/* with the Sync */
	assert_int_equal(stmts[0].t.rx.calls, 1);	/* the call counted once */
	assert_int_equal(stmts[1].t.rx.calls, 0);
	assert_true(stmts[0].awaiting && stmts[1].awaiting && !stmts[2].awaiting);
	assert_int_equal(answers[0].t.tx.bytes, 26);
	assert_int_equal(answers[1].t.tx.bytes, 21);
	assert_int_equal(stmts[2].t.tx.bytes, 27);	/* with ReadyForQuery */
	assert_int_equal(answers[0].t.tx.calls, 1);	/* the send counted once */
	assert_int_equal(answers[1].t.tx.calls + stmts[2].t.tx.calls, 0);
	assert_int_equal(answers[0].status, PGN_STMT_OK);
	for (int i = 0; i < 3; i++) {
		assert_int_equal(stmts[i].pipelined, 1);
		assert_int_equal(stmts[i].protocol, PGN_PROTO_EXTENDED);
		assert_int_equal(stmts[i].status_hits, 2);
	}
	assert_conserved(&sessions[0]);
}

/* A pipeline with a Sync after each execution: the first's answer runs
 * through its ReadyForQuery, which ends no other statement; a response
 * whose last message goes on in the next send. */
static void test_wire_pipeline_syncs(void **state)
{
	(void)state;
	recv_msgs(41, "", NULL);
	send_ready(400);
	/* B 20, E 10, S 5, B 20, E 10, S 5 */
	recv_msgs(70, "BESBES", (__u32[]){ 70, 50, 40, 35, 15, 5 });
	/* 2 5, D 1000, C (16, of which 6 in the next send) | Z 6 */
	send_wire(1015, 0, "C", (__u32[]){ 1021 });
	assert_int_equal(be.answer_due, 6);
	send_wire(12, 1, "Z", (__u32[]){ 12 });	/* the due 6 bytes, then Z 6 */
	assert_int_equal(nanswers, 1);
	assert_int_equal(nstmts, 1);
	assert_int_equal(be.state, PGN_ST_ACTIVE);	/* not ended by the first's Z */
	send_ready(27);
	finish(PGN_PROBES_STATUS);
	assert_int_equal(answers[0].t.tx.bytes, 1027);
	assert_int_equal(answers[0].t.tx.calls, 2);
	assert_int_equal(nstmts, 2);
	assert_int_equal(stmts[1].t.tx.bytes, 27);
	assert_int_equal(stmts[1].t.rx.bytes, 35);
	assert_conserved(&sessions[0]);
}

/* The second of three executions fails: the third is skipped by the
 * server (marked, for userspace to add to the failure), its Sync's
 * ReadyForQuery its own; then a Sync between executions: the failure's
 * answer takes the skipped awaiting one and runs to its ReadyForQuery. */
static void test_wire_failure_skips(void **state)
{
	(void)state;
	recv_msgs(41, "", NULL);
	send_ready(400);
	recv_msgs(95, "BEBEBES", (__u32[]){ 95, 75, 65, 45, 35, 15, 5 });
	/* 2 5, C 16 | 2 5, E 40 | Z 6 */
	send_wire(72, 1, "CEZ", (__u32[]){ 21, 66, 72 });
	assert_int_equal(nanswers, 2);
	assert_int_equal(answers[1].status, PGN_STMT_ERROR);
	assert_int_equal(answers[1].skip_follows, 1);
	assert_int_equal(answers[1].t.tx.bytes, 45);
	assert_int_equal(nstmts, 3);
	assert_int_equal(stmts[2].status, PGN_STMT_SKIPPED);
	assert_int_equal(stmts[2].t.tx.bytes, 6);
	/* B E B E S B E S: the first fails, the second is skipped */
	recv_msgs(100, "BEBESBES", (__u32[]){ 100, 80, 70, 50, 40, 35, 15, 5 });
	send_wire(51, 1, "EZ", (__u32[]){ 45, 51 });
	assert_int_equal(nanswers, 3);
	assert_int_equal(answers[2].status, PGN_STMT_ERROR);
	assert_int_equal(answers[2].skipped, 1);
	assert_int_equal(answers[2].skip_follows, 0);
	assert_int_equal(answers[2].t.tx.bytes, 51);
	send_ready(27);
	finish(PGN_PROBES_STATUS);
	assert_int_equal(nstmts, 6);
	assert_int_equal(stmts[5].status, PGN_STMT_OK);
	assert_int_equal(stmts[5].t.tx.bytes, 27);
	assert_conserved(&sessions[0]);
}

/* The first execution's response went out before the next execution
 * arrived (a client that writes its batch in pieces): the walk saw its
 * end, so it is complete when the next arrives; its ReadyForQuery is
 * still to come when a Sync followed it. */
static void test_wire_answered_before_next(void **state)
{
	(void)state;
	recv_msgs(41, "", NULL);
	send_ready(400);
	recv_msgs(30, "BE", (__u32[]){ 30, 10 });
	send_wire(21, 0, "C", (__u32[]){ 21 });	/* BindComplete, CommandComplete */
	recv_msgs(35, "BES", (__u32[]){ 35, 15, 5 });
	assert_int_equal(be.awaiting, 0);
	assert_int_equal(nstmts, 1);
	assert_int_equal(stmts[0].t.tx.bytes, 21);
	assert_int_equal(stmts[0].awaiting, 0);
	send_wire(27, 1, "CZ", (__u32[]){ 21, 27 });
	/* B E S, answered, then B E S: the first awaits its ReadyForQuery */
	recv_msgs(35, "BES", (__u32[]){ 35, 15, 5 });
	send_wire(16, 0, "C", (__u32[]){ 16 });
	recv_msgs(35, "BES", (__u32[]){ 35, 15, 5 });
	assert_int_equal(be.awaiting, 1);
	send_wire(6, 0, "Z", (__u32[]){ 6 });
	assert_int_equal(nanswers, 1);
	assert_int_equal(answers[0].t.tx.bytes, 6);
	send_ready(22);
	finish(PGN_PROBES_STATUS);
	assert_int_equal(nstmts, 4);
	assert_int_equal(stmts[1].t.tx.bytes, 27);
	assert_int_equal(stmts[2].t.tx.bytes, 16);
	assert_int_equal(stmts[3].t.tx.bytes, 22);
	assert_conserved(&sessions[0]);
}

/* The session ends with executions still awaiting: each is answered, the
 * oldest with what it has, so nothing is held and no byte lost. */
static void test_wire_exit_awaiting(void **state)
{
	(void)state;
	recv_msgs(41, "", NULL);
	send_ready(400);
	recv_msgs(95, "BEBEBES", (__u32[]){ 95, 75, 65, 45, 35, 15, 5 });
	send_wire(3000, 0, "", NULL);	/* rows of the first */
	finish(PGN_PROBES_STATUS);
	assert_int_equal(nanswers, 2);
	assert_int_equal(answers[0].t.tx.bytes, 3000);
	assert_int_equal(answers[1].t.tx.bytes, 0);
	assert_int_equal(nstmts, 3);
	assert_conserved(&sessions[0]);
}

/* a TLS write as bpf/tls.bpf.h sees it: ciphertext sends of @cipher[]
 * bytes (0-terminated) held, then its plaintext of @len bytes, whose
 * server messages @types end at @ends[i], walked as a send's */
static void tls_write(const long *cipher, long len, int ready, const char *types, const __u32 *ends)
{
	struct pgn_io e, s;
	__u32 taken = 0;
	int walked;

	for (int i = 0; cipher[i]; i++) {
		s = io(cipher[i], 0);
		be.last_call_ns = s.ts;
		pgn_tls_hold(&be, &s);
	}
	assert_true(pgn_tls_take(&be, &e));
	s = e;
	e.ret = len;
	e.flags = ready && be.state != PGN_ST_IDLE ? PGN_IO_READY : 0;
	walked = pgn_wire_walked(&be, &e);
	if (walked)
		pgn_wire_due(&be, &e, &taken);
	for (int i = 0; walked && types[i]; i++)
		pgn_on_wire_answer(&be, &e, types[i], ends[i], &taken);
	pgn_tls_sent(&be, &e, s.ret, taken, walked);
}

/*
 * TLS (--probes wire): the request's ciphertext is counted as it arrives,
 * its plaintext split where the second execution begins (that one takes
 * its plaintext's size, the first the rest: its own and the framing); the
 * sends of one write are one send of their calls, the first execution's
 * answer its plaintext's size, the last the rest. Sends held when the
 * backend dies inside a write are counted at its exit.
 */
static void test_wire_tls(void **state)
{
	(void)state;
	recv_msgs(41, "", NULL);
	tls_write((long[]){ 300, 0 }, 280, 1, "", NULL);
	/* Bind 30, Execute 10, Bind 30, Execute 10, Sync 5 in one record */
	recv_msgs(85 + 22, "BEBES", (__u32[]){ 85, 55, 45, 15, 5 });
	/* BindComplete, rows, CommandComplete of each, ReadyForQuery: 100
	 * bytes in two records */
	tls_write((long[]){ 60 + 22, 40 + 22, 0 }, 100, 1, "CCZ", (__u32[]){ 40, 94, 100 });
	recv_msgs(14 + 22, "Q", (__u32[]){ 14 });
	tls_write((long[]){ 50, 0 }, 28, 0, "", NULL);	/* rows... */
	{
		struct pgn_io s = io(40, 0);

		pgn_tls_hold(&be, &s);	/* ... and the backend is killed inside a write */
	}
	finish(PGN_PROBES_WIRE);
	assert_int_equal(nstmts, 3);
	assert_int_equal(nanswers, 1);
	assert_int_equal(stmts[0].t.rx.bytes, 107 - 45);
	assert_int_equal(stmts[1].t.rx.bytes, 45);
	assert_int_equal(answers[0].t.tx.bytes, 40);
	assert_int_equal(answers[0].t.tx.calls, 2);
	assert_int_equal(stmts[1].t.tx.bytes, 144 - 40);
	assert_int_equal(stmts[1].t.tx.calls, 0);
	assert_int_equal(stmts[1].status, PGN_STMT_OK);
	assert_int_equal(stmts[2].t.tx.bytes, 50 + 40);
	assert_int_equal(stmts[2].status, PGN_STMT_ERROR);	/* cut short */
	assert_int_equal(sessions[0].total.tx.bytes, 300 + 144 + 50 + 40);
	assert_int_equal(sessions[0].total.tx.calls, 1 + 2 + 1 + 1);
	assert_conserved(&sessions[0]);
}

/* a TLS read as bpf/tls.bpf.h sees it: recvs of @cipher[] bytes
 * (0-terminated) inside it, then its plaintext of @plain bytes, whose
 * messages @types begin @rest[i] bytes before its end */
static void tls_read(const long *cipher, long plain, const char *types, const __u32 *rest)
{
	for (int i = 0; cipher[i]; i++) {
		last_rx = io(cipher[i], 1);
		be.last_call_ns = last_rx.ts;
		pgn_on_recv(&be, &last_rx);
		be.tls_rx += cipher[i];
	}
	pgn_tls_read(&be, plain);
	last_rx.ret = plain;
	for (int i = 0; types[i]; i++)
		pgn_on_wire_msg(&be, types[i], &last_rx, rest[i]);
}

/*
 * TLS: a record bigger than the server's 8192-byte input buffer (a Query
 * and its COPY data, sent at once after an execution of the same cycle)
 * comes out over two reads, its ciphertext counted at the first: the
 * COPY takes all of it, the execution before keeps only its own.
 */
static void test_wire_tls_record_over_reads(void **state)
{
	(void)state;
	recv_msgs(41, "", NULL);
	send_ready(400);
	tls_read((long[]){ 5, 93 + 22 - 5, 0 }, 93, "PBE", (__u32[]){ 93, 50, 20 });
	tls_write((long[]){ 59 + 22, 0 }, 59, 0, "", NULL);	/* its rows, no Sync yet */
	tls_read((long[]){ 5, 8976 + 22 - 5, 0 }, 8192, "Q", (__u32[]){ 8192 });
	tls_read((long[]){ 0 }, 8976 - 8192, "", NULL);	/* the rest, from OpenSSL's buffer */
	tls_write((long[]){ 32 + 22, 0 }, 32, 1, "", NULL);
	finish(PGN_PROBES_WIRE);
	assert_int_equal(nstmts, 2);
	assert_int_equal(stmts[0].t.rx.bytes, 93 + 22);
	assert_int_equal(stmts[1].t.rx.bytes, 8976 + 22);
	assert_int_equal(be.tls_ahead, 22);	/* the framing, until the next record */
	assert_conserved(&sessions[0]);
}

/* Parse, Describe, Sync alone (a named statement prepared): a statement
 * of its own, one hit, for userspace to join to its execution; then a
 * Parse and Describe with a Flush, answered, and a Query in the same
 * cycle: the Parse round trip is its own record, the Query another. */
static void test_wire_parse_only(void **state)
{
	(void)state;
	recv_msgs(41, "", NULL);
	send_ready(400);
	recv_msgs(40, "P", (__u32[]){ 40 });
	send_ready(20);
	recv_msgs(40, "P", (__u32[]){ 40 });
	send_(30);			/* ParseComplete, descriptions: no ReadyForQuery */
	recv_msgs(60, "Q", (__u32[]){ 60 });
	send_ready(15);
	finish(PGN_PROBES_STATUS);
	assert_int_equal(nstmts, 3);
	assert_int_equal(stmts[0].status_hits, 1);
	assert_int_equal(stmts[0].t.rx.bytes, 40);
	assert_int_equal(stmts[0].t.tx.bytes, 20);
	assert_int_equal(stmts[1].status_hits, 1);
	assert_int_equal(stmts[1].pipelined, 0);
	assert_int_equal(stmts[1].t.rx.bytes, 40);
	assert_int_equal(stmts[1].t.tx.bytes, 30);
	assert_int_equal(stmts[2].protocol, PGN_PROTO_SIMPLE);
	assert_int_equal(stmts[2].t.rx.bytes, 60);
	assert_int_equal(stmts[2].t.tx.bytes, 15);
	assert_conserved(&sessions[0]);
}

/* A session already running when tracing began (no startup seen): its
 * first message opens a statement with what came since its last send. */
static void test_wire_joined(void **state)
{
	(void)state;
	recv_msgs(14, "Q", (__u32[]){ 14 });
	send_ready(66);
	finish(PGN_PROBES_STATUS);
	assert_int_equal(nstmts, 1);
	assert_int_equal(stmts[0].t.rx.bytes, 14);
	assert_int_equal(stmts[0].t.tx.bytes, 66);
	assert_conserved(&sessions[0]);
}

static void test_backend_state_fits(void **state)
{
	(void)state;
	assert_true(sizeof(struct pgn_backend) <= PGN_BACKEND_MAX);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup(test_small_result, setup),
		cmocka_unit_test_setup(test_large_result, setup),
		cmocka_unit_test_setup(test_split_request_and_eagain, setup),
		cmocka_unit_test_setup(test_tx_wait, setup),
		cmocka_unit_test_setup(test_extended_one_cycle, setup),
		cmocka_unit_test_setup(test_pipeline, setup),
		cmocka_unit_test_setup(test_times_from_socket_calls, setup),
		cmocka_unit_test_setup(test_query_probes_startup, setup),
		cmocka_unit_test_setup(test_query_probes_error, setup),
		cmocka_unit_test_setup(test_exit_mid_statement, setup),
		cmocka_unit_test_setup(test_idle_traffic_unattributed, setup),
		cmocka_unit_test_setup(test_joined_session, setup),
		cmocka_unit_test(test_protocol_of),
		cmocka_unit_test_setup(test_request_bytes, setup),
		cmocka_unit_test_setup(test_outbound_and_abort, setup),
		cmocka_unit_test_setup(test_portal_nesting, setup),
		cmocka_unit_test_setup(test_endpoint_records, setup),
		cmocka_unit_test(test_backend_state_fits),
		cmocka_unit_test_setup(test_batch, setup),
		cmocka_unit_test_setup(test_query_after_flush, setup),
		cmocka_unit_test_setup(test_ready_ends_statement, setup),
		cmocka_unit_test_setup(test_error_response, setup),
		cmocka_unit_test_setup(test_cycle_after_ready, setup),
		cmocka_unit_test_setup(test_wire_simple, setup),
		cmocka_unit_test_setup(test_wire_batch, setup),
		cmocka_unit_test_setup(test_wire_pipeline_syncs, setup),
		cmocka_unit_test_setup(test_wire_failure_skips, setup),
		cmocka_unit_test_setup(test_wire_answered_before_next, setup),
		cmocka_unit_test_setup(test_wire_exit_awaiting, setup),
		cmocka_unit_test_setup(test_wire_parse_only, setup),
		cmocka_unit_test_setup(test_wire_joined, setup),
		cmocka_unit_test_setup(test_wire_tls, setup),
		cmocka_unit_test_setup(test_wire_tls_record_over_reads, setup),
	};

	return cmocka_run_group_tests_name("attribution", tests, NULL, NULL);
}
