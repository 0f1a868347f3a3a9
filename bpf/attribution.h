/*
 * The attribution state machine (docs/design.md §2), as pure C.
 *
 * Included by the BPF program (which feeds it kernel events) and by the
 * userspace unit tests and end-of-trace flush (which feed it synthetic or
 * saved state).  The includer defines, before including this file:
 *   PGN_INLINE                          function qualifiers
 *   void pgn_emit_stmt(struct pgn_backend *b)     a statement is complete
 *   void pgn_emit_session(struct pgn_backend *b)  the session is complete
 *   int pgn_emit_endpoint(struct pgn_backend *b)  sess.ep, before a statement;
 *                                                 0 once it went out
 *   __u64 pgn_now(void)                           the clock, where no socket
 *                                                 call's time will do
 *   void pgn_emit_answer(struct pgn_backend *b, __u64 done_ns, __u64 last_tx_ns,
 *                        __u8 skip_follows)      --probes wire: the oldest awaiting
 *                                                 execution's answer (b->answer)
 * and keeps b->last_call_ns, the return of the backend's last send/recv.
 * Nothing here allocates, loops or calls out except through those.
 */
#ifndef PGNETPROF_ATTRIBUTION_H
#define PGNETPROF_ATTRIBUTION_H

#include "pgnetprof.h"

#define PGN_EAGAIN 11

/* What the end of a send that flushed all it was given says on the wire
 * (see pgn_on_send); the caller reads it only in ACTIVE and CLOSING. */
enum pgn_io_flags {
	PGN_IO_READY = 1 << 0,	/* ends with ReadyForQuery: the cycle is over */
	PGN_IO_ERROR = 1 << 1,	/* ends with ErrorResponse */
	PGN_IO_CONTINUED = 1 << 2,	/* wire: the call's first bytes went to an
					 * answer, and the call with them */
};


/* Where traffic seen now belongs. */
PGN_INLINE struct pgn_traffic *pgn_bucket(struct pgn_backend *b)
{
	switch (b->state) {
	case PGN_ST_STARTUP:
		return &b->sess.startup;
	case PGN_ST_IDLE:
		return &b->sess.unattributed;
	default:
		return &b->stmt.t;
	}
}

PGN_INLINE void pgn_stmt_open(struct pgn_backend *b, __u64 request_ns)
{
	b->flags &= ~PGN_B_PARSED;
	__builtin_memset(&b->stmt.t, 0, sizeof(b->stmt.t));
	b->stmt.out_rx_bytes = 0;
	b->stmt.out_tx_bytes = 0;
	b->stmt.portal_ns = 0;
	b->portal_depth = 0;	/* an error left a PortalRun without its done */
	b->stmt.type = PGN_REC_STATEMENT;
	b->stmt.pid = b->sess.pid;
	b->stmt.proc_start_ns = b->sess.proc_start_ns;
	b->stmt.request_ns = request_ns;
	b->stmt.start_ns = 0;
	b->stmt.done_ns = 0;
	b->stmt.last_tx_ns = 0;
	b->stmt.srtt_us = 0;
	b->stmt.protocol = PGN_PROTO_SIMPLE;
	b->stmt.status = PGN_STMT_OK;
	b->stmt.aborted = 0;
	b->stmt.pipelined = 0;
	b->stmt.status_hits = 0;
	b->stmt.truncated = 0;
	b->stmt.query_len = 0;
	b->stmt.name_hash = 0;
	b->stmt.awaiting = 0;
	b->stmt.skip_follows = 0;
	b->stmt_synced = 0;
	b->flags |= PGN_B_STMT_OPEN;
}

PGN_INLINE void pgn_stmt_close(struct pgn_backend *b)
{
	if (!(b->flags & PGN_B_STMT_OPEN))
		return;
	b->flags &= ~PGN_B_STMT_OPEN;
	b->sess.statements++;
	if (!(b->flags & PGN_B_EP_SENT) && !pgn_emit_endpoint(b))
		b->flags |= PGN_B_EP_SENT;
	pgn_emit_stmt(b);
}

/* An open request that never ran a statement (Terminate, a lone Sync). */
PGN_INLINE void pgn_request_drop(struct pgn_backend *b)
{
	pgn_traffic_add(&b->sess.unattributed, &b->stmt.t);
	b->flags &= ~PGN_B_STMT_OPEN;
}

/*
 * Bytes received since the last send are the next statement's request
 * (the client only speaks after our ReadyForQuery).  Take them from the
 * bucket they were counted in and open a statement with them.
 */
PGN_INLINE void pgn_stmt_open_with_tail(struct pgn_backend *b, struct pgn_traffic *from,
					__u64 ts)
{
	struct pgn_dir tail = b->tail_rx;
	__u64 first = b->tail_first_ns;

	pgn_dir_sub(&from->rx, &tail);
	if (from == &b->stmt.t)
		pgn_stmt_close(b);
	pgn_stmt_open(b, first ? first : ts);
	pgn_dir_add(&b->stmt.t.rx, &tail);
}

PGN_INLINE void pgn_account(struct pgn_backend *b, struct pgn_traffic *bk,
			    const struct pgn_io *io, int rx)
{
	__u64 din = (__u32)(io->segs_in - b->last_segs_in);
	__u64 dout = (__u32)(io->segs_out - b->last_segs_out);
	__u64 dre = (__u32)(io->retrans - b->last_retrans);
	int first = !(io->flags & PGN_IO_CONTINUED);
	struct pgn_dir d = { .bytes = (__u64)io->ret, .calls = first ? 1 + io->more_calls : 0,
			     .ns = first ? io->dur_ns : 0 };
	struct pgn_traffic *tot = &b->sess.total;

	b->last_segs_in = io->segs_in;
	b->last_segs_out = io->segs_out;
	b->last_retrans = io->retrans;
	if (io->srtt_us)
		b->stmt.srtt_us = io->srtt_us;

	pgn_dir_add(rx ? &bk->rx : &bk->tx, &d);
	pgn_dir_add(rx ? &tot->rx : &tot->tx, &d);
	bk->rx.segs += din;
	bk->tx.segs += dout;
	bk->retrans += dre;
	tot->rx.segs += din;
	tot->tx.segs += dout;
	tot->retrans += dre;
	if (rx) {
		d.segs = din;
		pgn_dir_add(&b->tail_rx, &d);
		if (!b->tail_first_ns)
			b->tail_first_ns = io->ts - io->dur_ns;
	}
}

PGN_INLINE void pgn_on_recv(struct pgn_backend *b, const struct pgn_io *io)
{
	if (io->ret <= 0)	/* EAGAIN before a wait, EOF, errors: not traffic */
		return;
	if (!b->sess.first_rx_ns)
		b->sess.first_rx_ns = io->ts - io->dur_ns;
	if (b->state == PGN_ST_STARTUP && (b->flags & PGN_B_STARTUP_IDLE))
		b->state = PGN_ST_IDLE;
	if (b->state == PGN_ST_CLOSING) {
		pgn_stmt_close(b);
		b->state = PGN_ST_IDLE;
	}
	if (b->state == PGN_ST_IDLE) {
		pgn_stmt_open(b, io->ts - io->dur_ns);
		b->state = PGN_ST_REQUEST;
	}
	pgn_account(b, pgn_bucket(b), io, 1);
}

/*
 * The server reports an error with ErrorResponse and flushes right after
 * it (even inside a savepoint or an aborted transaction, where no probe
 * fires); it ends a cycle with ReadyForQuery and flushes. Once that is out
 * the statement is complete: whatever the backend sends next while idle
 * (NotificationResponse, ParameterStatus, NoticeResponse) is no
 * statement's. With --probes query an ACTIVE statement that failed never
 * sees query__done, so its ReadyForQuery ends it too, and a cycle no probe
 * saw at all (the extended protocol) is no statement's.
 */
PGN_INLINE void pgn_on_reply(struct pgn_backend *b, __u32 flags)
{
	if ((flags & PGN_IO_ERROR) && b->state == PGN_ST_ACTIVE && b->stmt.status == PGN_STMT_OK)
		b->stmt.status = PGN_STMT_ERROR;
	if (!(flags & PGN_IO_READY))
		return;
	if (b->state == PGN_ST_CLOSING ||
	    (b->state == PGN_ST_ACTIVE && b->stmt.status == PGN_STMT_ERROR)) {
		pgn_stmt_close(b);
		b->state = PGN_ST_IDLE;
	} else if (b->state == PGN_ST_REQUEST) {
		/* a cycle no probe saw (the extended protocol with query probes) */
		pgn_request_drop(b);
		b->state = PGN_ST_IDLE;
	}
}

/* @bytes of the send @io into @bk (a wait for room before it goes with
 * the call's first bytes). */
PGN_INLINE void pgn_send_share(struct pgn_backend *b, struct pgn_traffic *bk, const struct pgn_io *io,
			       __u64 bytes)
{
	struct pgn_io share = *io;
	__u64 entry = io->ts - io->dur_ns;

	if (b->eagain_ns) {
		__u64 wait = entry > b->eagain_ns ? entry - b->eagain_ns : 0;

		bk->tx_wait_ns += wait;
		b->sess.total.tx_wait_ns += wait;
		b->eagain_ns = 0;
	}
	share.ret = bytes;
	pgn_account(b, bk, &share, 0);
	__builtin_memset(&b->tail_rx, 0, sizeof(b->tail_rx));
	b->tail_first_ns = 0;
}

PGN_INLINE void pgn_on_send(struct pgn_backend *b, const struct pgn_io *io)
{
	/* the execution ended where its response starts going out (see
	 * pgn_on_stmt_end) */
	if (b->state == PGN_ST_CLOSING && !b->stmt.done_ns)
		b->stmt.done_ns = io->ts - io->dur_ns;
	if (io->ret == -PGN_EAGAIN) {	/* socket full: blocked on the peer */
		if (!b->eagain_ns)
			b->eagain_ns = io->ts;
		return;
	}
	if (io->ret <= 0)
		return;
	pgn_send_share(b, b->awaiting ? &b->answer : pgn_bucket(b), io, io->ret);
	if (b->state == PGN_ST_STARTUP)
		b->sess.startup_done_ns = io->ts;
	else if ((b->flags & PGN_B_STMT_OPEN) && !b->awaiting)
		b->stmt.last_tx_ns = io->ts;
	pgn_on_reply(b, io->flags);
}

/*
 * Traffic on another stream socket of the backend (postgres_fdw, dblink,
 * replication): the statement's outbound traffic, never the client's.
 */
PGN_INLINE void pgn_on_outbound(struct pgn_backend *b, const struct pgn_io *io, int rx)
{
	if (io->ret <= 0)
		return;
	if (rx)
		b->sess.out_rx_bytes += io->ret;
	else
		b->sess.out_tx_bytes += io->ret;
	if (!(b->flags & PGN_B_STMT_OPEN))
		return;
	if (rx)
		b->stmt.out_rx_bytes += io->ret;
	else
		b->stmt.out_tx_bytes += io->ret;
}

/*
 * A statement__status(text) hit inside a cycle that starts another
 * statement. Each message reports its statement's text from where it
 * lives: Query and Parse from the backend's reused input buffer (a Query's
 * text at its start, a Parse's after the statement's name, at most 64
 * bytes further: PGN_MSG_TEXT_SPAN), Bind from the prepared statement,
 * Execute from the portal's copy (other memory contexts, kilobytes away).
 * So the address that opened the statement, or one as near it, coming
 * back is the next Parse or Query (or the same named statement's next
 * Bind), and
 * the address of its second hit (its Bind) coming back after a third is
 * the prepared statement bound again: a batch (executemany: Parse, Bind,
 * Execute, then Bind, Execute again before one Sync). Another address
 * after two hits may be this statement's Execute or the next named
 * statement's Bind: the caller compares the texts then (text_differs, see
 * pgn_text_check_needed).
 */
#define PGN_MSG_TEXT_SPAN 64	/* NAMEDATALEN: a statement name and its NUL */

PGN_INLINE int pgn_near_first_text(const struct pgn_backend *b, __u64 text)
{
	__u64 d = text > b->first_text ? text - b->first_text : b->first_text - text;

	return d <= PGN_MSG_TEXT_SPAN;
}

PGN_INLINE int pgn_text_check_needed(const struct pgn_backend *b, int query_probe, __u64 text)
{
	return b->state == PGN_ST_ACTIVE && !query_probe && b->stmt.status_hits >= 2 &&
	       !pgn_near_first_text(b, text) && text != b->second_text;
}

PGN_INLINE int pgn_is_next_stmt(const struct pgn_backend *b, __u64 text, int text_differs)
{
	if (pgn_near_first_text(b, text))
		return 1;
	if (b->stmt.status_hits >= 3 && text == b->second_text)
		return 1;
	return b->stmt.status_hits >= 2 && text_differs;
}

/*
 * When a statement that begins now began, without a clock read in the
 * probe: the return of the recv that completed its request (a recv came
 * since the last send), or of the send that closed the previous statement
 * of one request (CLOSING, that send seen; or IDLE with no recv since:
 * the previous cycle's ReadyForQuery). Only reading the message runs in
 * the backend in between. Otherwise the clock says.
 */
PGN_INLINE __u64 pgn_begin_ns(const struct pgn_backend *b)
{
	int after_recv = b->tail_rx.calls && b->state != PGN_ST_CLOSING;
	int after_reply = (b->state == PGN_ST_CLOSING && b->stmt.done_ns) || b->state == PGN_ST_IDLE;

	if (b->last_call_ns && (after_recv || after_reply))
		return b->last_call_ns;
	return pgn_now();
}

/*
 * Opens the next statement of an ACTIVE cycle (see pgn_is_next_stmt); 0
 * when the hit is the open statement's own. A request that came after
 * the statement's response went out (Parse, Describe, Flush, then a Query:
 * no ReadyForQuery in between) is the next statement's own. Otherwise the
 * bytes of one cycle cannot be split: the request stays with the first
 * statement, the response goes to the last, and all of them are marked
 * pipelined. *ts: when the new statement began.
 */
PGN_INLINE int pgn_next_in_cycle(struct pgn_backend *b, __u64 text, int text_differs, __u64 *ts)
{
	if (!pgn_is_next_stmt(b, text, text_differs))
		return 0;
	if (b->tail_rx.calls && b->stmt.t.tx.calls) {
		*ts = pgn_begin_ns(b);
		pgn_stmt_open_with_tail(b, &b->stmt.t, *ts);
		return 1;
	}
	b->stmt.pipelined = 1;
	pgn_stmt_close(b);
	/* it follows the previous one's execution, not a socket call */
	*ts = pgn_now();
	pgn_stmt_open(b, *ts);
	b->stmt.pipelined = 1;
	b->stmt.protocol = PGN_PROTO_EXTENDED;
	return 1;
}

/*
 * statement__status(text) or query__start (text: the text's address, and
 * whether it differs from the statement's, to tell statements of one cycle
 * apart).  Returns 1 when a new statement was opened, so the caller
 * captures its text.
 */
PGN_INLINE int pgn_on_stmt_begin(struct pgn_backend *b, int query_probe, __u64 text,
				 int text_differs)
{
	__u64 ts;

	switch (b->state) {
	case PGN_ST_STARTUP:
		/* query__start is the first sign startup is over; or we joined
		 * a session already running */
		ts = pgn_begin_ns(b);
		pgn_stmt_open_with_tail(b, &b->sess.startup, ts);
		break;
	case PGN_ST_IDLE:	/* the next cycle of one request, after its Sync */
		ts = pgn_begin_ns(b);
		pgn_stmt_open(b, ts);
		break;
	case PGN_ST_CLOSING:	/* next statement of one request (pipelined Sync) */
		ts = pgn_begin_ns(b);
		pgn_stmt_close(b);
		pgn_stmt_open(b, ts);
		break;
	case PGN_ST_REQUEST:
		ts = pgn_begin_ns(b);
		break;
	case PGN_ST_ACTIVE:
		if (query_probe) {
			/* query__start without query__done: the previous one failed */
			ts = pgn_begin_ns(b);
			b->stmt.status = PGN_STMT_ERROR;
			pgn_stmt_open_with_tail(b, &b->stmt.t, ts);
			break;
		}
		/* Parse, Bind, Execute of one statement: one cycle */
		if (!pgn_next_in_cycle(b, text, text_differs, &ts)) {
			if (++b->stmt.status_hits == 2)
				b->second_text = text;
			b->stmt.protocol = PGN_PROTO_EXTENDED;
			return 0;
		}
		break;
	default:
		return 0;
	}
	b->first_text = text;
	b->state = PGN_ST_ACTIVE;
	b->stmt.start_ns = ts;
	b->stmt.status_hits = 1;
	b->stmt.request_bytes = b->stmt.t.rx.bytes;
	return 1;
}

/*
 * statement__status(NULL) or query__done. The execution's end is taken
 * from the entry of the response's first send (pgn_on_send): between the
 * two the backend only queues ReadyForQuery, and the probe saves a clock
 * read.
 */
PGN_INLINE void pgn_on_stmt_end(struct pgn_backend *b)
{
	switch (b->state) {
	case PGN_ST_STARTUP:
		b->flags |= PGN_B_STARTUP_IDLE;
		break;
	case PGN_ST_ACTIVE:
		b->state = PGN_ST_CLOSING;
		break;
	case PGN_ST_REQUEST:
		pgn_request_drop(b);
		b->state = PGN_ST_IDLE;
		break;
	default:
		break;
	}
}

/*
 * --probes wire: the client's messages that make statements, in the order
 * they begin in one recv already counted (pgn_on_recv; bpf/wire.h finds
 * them). A statement is each Query (or FunctionCall) and each Execute,
 * with the Parse and Bind before it. When one begins in a recv after
 * another statement executed (a pipeline, a batch: Bind, Execute, Bind,
 * Execute ... Sync), that one is complete as far as its request goes: it
 * is closed, pipelined, and the recv's bytes from this message on (@rest)
 * are the next one's. Its response is the last statement's, as with the
 * probes. Returns 1 when the caller should capture the text the message
 * holds (Query, Parse).
 */
PGN_INLINE void pgn_wire_split(struct pgn_backend *b, const struct pgn_io *io, __u32 rest, __u8 pipelined)
{
	__u8 protocol = b->stmt.protocol;
	__u32 query_len = b->stmt.query_len, name_hash = b->stmt.name_hash;
	__u8 truncated = b->stmt.truncated;
	/* it failed before its Sync (or was skipped): so is what follows */
	__u8 skip = b->stmt.status != PGN_STMT_OK && !b->stmt_synced;

	if (rest > b->stmt.t.rx.bytes)
		rest = b->stmt.t.rx.bytes;
	b->stmt.t.rx.bytes -= rest;
	b->stmt.pipelined = pipelined;
	b->stmt.skip_follows = skip;
	/* its response (or the ReadyForQuery of its Sync) is still to come:
	 * it awaits its answer; the walk may have seen its end already */
	if (pipelined && !skip && b->state == PGN_ST_ACTIVE && b->awaiting < PGN_AWAITING_MAX &&
	    b->txwire.mode == PGN_WIRE_TYPED && (!(b->answer_flags & PGN_ANS_COMPLETE) || b->stmt_synced)) {
		b->stmt.awaiting = 1;
		b->synced |= (__u64)b->stmt_synced << b->awaiting;
		b->awaiting++;
	} else if (!b->awaiting) {
		b->answer_flags = 0;
	}
	pgn_stmt_close(b);
	pgn_stmt_open(b, io->ts - io->dur_ns);
	b->stmt.t.rx.bytes = rest;
	b->stmt.pipelined = pipelined;
	if (skip)
		b->stmt.status = PGN_STMT_SKIPPED;
	/* a batch binds the same statement again: its text, until a Parse or
	 * Query of its own */
	b->stmt.protocol = protocol;
	b->stmt.query_len = query_len;
	b->stmt.truncated = truncated;
	b->stmt.name_hash = name_hash;
	b->state = PGN_ST_REQUEST;
}

PGN_INLINE void pgn_wire_begin(struct pgn_backend *b, __u64 ts, __u8 hits)
{
	b->state = PGN_ST_ACTIVE;
	b->stmt.start_ns = ts;
	b->stmt.status_hits = hits;
	b->stmt.request_bytes = b->stmt.t.rx.bytes;
}

PGN_INLINE int pgn_on_wire_msg(struct pgn_backend *b, __u8 type, const struct pgn_io *io, __u32 rest)
{
	__u64 ts;

	rest += b->tls_ahead;	/* TLS: and the record's rest (pgn_tls_read) */

	if (type == 'S') {	/* Sync: the cycle of the open execution ends */
		if (b->state == PGN_ST_ACTIVE)
			b->stmt_synced = 1;
		return 0;
	}
	if (b->state == PGN_ST_STARTUP) {	/* a session joined while it ran */
		pgn_stmt_open_with_tail(b, &b->sess.startup, pgn_begin_ns(b));
		b->state = PGN_ST_REQUEST;
	}
	if (b->state != PGN_ST_REQUEST && b->state != PGN_ST_ACTIVE)
		return 0;
	if (b->state == PGN_ST_ACTIVE) {	/* the next statement's first message, or
						 * the same portal executed again */
		pgn_wire_split(b, io, rest, 1);
	} else if (type == 'Q' && (b->flags & PGN_B_PARSED)) {
		/* a Parse (and Describe, Flush) round trip no execution of it
		 * followed: a statement of its own, as with the probes */
		pgn_wire_begin(b, pgn_begin_ns(b), 1);
		pgn_wire_split(b, io, rest, 0);
	}
	ts = b->stmt.pipelined ? io->ts : pgn_begin_ns(b);
	switch (type) {
	case 'Q':
	case 'F':
		b->stmt.protocol = PGN_PROTO_SIMPLE;
		pgn_wire_begin(b, ts, 0);
		return type == 'Q';
	case 'E':
		b->stmt.protocol = PGN_PROTO_EXTENDED;
		pgn_wire_begin(b, ts, 2);
		return 0;
	case 'P':
		b->flags |= PGN_B_PARSED;
		b->stmt.protocol = PGN_PROTO_EXTENDED;
		return 1;
	default:		/* Bind */
		b->stmt.protocol = PGN_PROTO_EXTENDED;
		return 0;
	}
}

/*
 * --probes wire: a send that ends with ReadyForQuery ends the cycle's last
 * statement, as statement__status(NULL) would have before it. A cycle that
 * only prepared a statement (Parse, Sync) is a statement of its own, as
 * with the probes (userspace joins it to its execution).
 */
PGN_INLINE void pgn_on_wire_ready(struct pgn_backend *b)
{
	if (b->state == PGN_ST_STARTUP)	/* the session is ready: startup is over */
		b->flags |= PGN_B_STARTUP_IDLE;
	/* a skipped one is reported (merged into the failure by userspace)
	 * even when its Execute never came */
	if (b->state == PGN_ST_REQUEST && ((b->flags & PGN_B_PARSED) || b->stmt.status == PGN_STMT_SKIPPED))
		pgn_wire_begin(b, pgn_begin_ns(b), 1);
	pgn_on_stmt_end(b);
}

/*
 * --probes wire: answers. An execution closed when the next one's request
 * began (pgn_wire_split) is reported at once and awaits its answer. While
 * any awaits, the server's sends are walked (bpf/wire.h) and each message
 * that ends an execution's response ends the oldest one's answer at its
 * last byte, or at its ReadyForQuery's when a Sync followed it. The rest
 * of a send is the open statement's, as without answers. The sends of a
 * cycle before its last are walked too, so that the framing is known
 * when an execution arrives after the response began (and whether the
 * open one's end went out already); a send that ends the cycle is not,
 * so a cycle of one execution and one send is never walked. After an ErrorResponse the server skips the
 * executions up to Sync: they are counted into the failed one's answer
 * (awaiting ones) or marked skipped (the open one), and userspace adds
 * them to it.
 */
/* The oldest answer ends at byte @end of the send @io (@*taken: its bytes
 * already in answers); the call goes with its first share. */
PGN_INLINE void pgn_answer_close(struct pgn_backend *b, struct pgn_io *io, __u32 end, __u32 *taken,
				 __u8 skip_follows)
{
	__u32 n = 1 + b->answer_skipped;

	if (end > *taken) {
		pgn_send_share(b, &b->answer, io, end - *taken);
		io->flags |= PGN_IO_CONTINUED;
		*taken = end;
	}
	pgn_emit_answer(b, io->ts - io->dur_ns, io->ts, skip_follows);
	if (n > b->awaiting)
		n = b->awaiting;
	b->awaiting -= n;
	b->synced = n < 64 ? b->synced >> n : 0;
	__builtin_memset(&b->answer, 0, sizeof(b->answer));
	b->answer_flags = 0;
	b->answer_skipped = 0;
}

/*
 * The oldest failed where no Sync followed it: what the server skips up
 * to the next Sync. Awaiting ones are its (answer_skipped); when the Sync
 * is not among them the open statement is skipped too, and the answer
 * ends here (ReadyForQuery will be the open one's).
 */
PGN_INLINE void pgn_answer_failed(struct pgn_backend *b, struct pgn_io *io, __u32 end, __u32 *taken)
{
	for (__u32 i = 1; i < PGN_AWAITING_MAX && i < b->awaiting; i++) {
		if ((b->synced >> i) & 1) {
			b->answer_skipped = i;
			b->answer_flags |= PGN_ANS_COMPLETE;
			return;
		}
	}
	b->answer_skipped = b->awaiting - 1;
	b->stmt.status = PGN_STMT_SKIPPED;
	pgn_answer_close(b, io, end, taken, 1);
}

/* A message of the server's of @type that ends at byte @end of the send
 * @io: beyond its end, in a later send (answer_due). */
PGN_INLINE void pgn_on_wire_answer(struct pgn_backend *b, struct pgn_io *io, __u8 type, __u32 end,
				   __u32 *taken)
{
	__u8 f = b->answer_flags;

	if (!b->awaiting) {	/* the open statement's end (see pgn_wire_split) */
		if (type != 'Z' && b->state == PGN_ST_ACTIVE) {
			b->answer_flags = PGN_ANS_COMPLETE | (type == 'E' ? PGN_ANS_FAILED : 0);
			if (type == 'E' && b->stmt.status == PGN_STMT_OK)
				b->stmt.status = PGN_STMT_ERROR;
		}
		return;
	}
	if (end > io->ret) {
		b->answer_due = end - io->ret;
		b->answer_due_type = type;
		return;
	}
	if (type == 'Z') {
		if (f & PGN_ANS_COMPLETE)
			pgn_answer_close(b, io, end, taken, 0);
		return;
	}
	if (f & PGN_ANS_COMPLETE)
		return;
	if (type == 'E')
		b->answer_flags = f |= PGN_ANS_FAILED;
	if (b->synced & 1)
		b->answer_flags = f | PGN_ANS_COMPLETE;
	else if (type == 'E')
		pgn_answer_failed(b, io, end, taken);
	else
		pgn_answer_close(b, io, end, taken, 0);
}

/* Whether the server's messages in send @io are walked (see above). */
PGN_INLINE int pgn_wire_walked(const struct pgn_backend *b, const struct pgn_io *io)
{
	return b->txwire.mode == PGN_WIRE_TYPED &&
	       (b->awaiting || (!(io->flags & PGN_IO_READY) && (b->state == PGN_ST_ACTIVE || b->state == PGN_ST_REQUEST)));
}

/* A walked send's first bytes: the end of a message that ends an answer,
 * begun in an earlier send (answer_due). */
PGN_INLINE void pgn_wire_due(struct pgn_backend *b, struct pgn_io *io, __u32 *taken)
{
	__u32 due = b->answer_due, size = io->ret;

	if (!due)
		return;
	b->answer_due = due > size ? due - size : 0;
	if (due <= size)
		pgn_on_wire_answer(b, io, b->answer_due_type, due, taken);
}

/*
 * --probes wire: a send whose first @taken bytes were answers (its
 * server messages @walked for them): the rest is the open statement's,
 * and a ReadyForQuery that ends it ends that one's cycle, where the
 * server's framing is known again; it is lost after a send not walked
 * that ended elsewhere. Returns whether pgn_on_send counts the rest.
 */
PGN_INLINE int pgn_wire_sent(struct pgn_backend *b, struct pgn_io *io, __u32 taken, int walked)
{
	io->ret -= taken;
	if (taken)
		io->flags |= PGN_IO_CONTINUED;
	if (!walked && !(io->flags & PGN_IO_READY) && b->state != PGN_ST_IDLE && b->state != PGN_ST_STARTUP)
		b->txwire.mode = PGN_WIRE_LOST;
	if (io->ret <= 0)
		return 0;
	if ((io->flags & PGN_IO_READY) && !b->awaiting) {
		__builtin_memset(&b->txwire, 0, sizeof(b->txwire));
		b->txwire.mode = PGN_WIRE_TYPED;
		b->answer_flags = 0;
		pgn_on_wire_ready(b);
	}
	return 1;
}

/* The server's framing is lost (or the session ends): every awaiting one
 * is answered with what it has; what follows is the open statement's. */
PGN_INLINE void pgn_answers_give_up(struct pgn_backend *b, struct pgn_io *io)
{
	__u32 taken = 0;

	for (int i = 0; i < PGN_AWAITING_MAX && b->awaiting; i++)
		pgn_answer_close(b, io, 0, &taken, 0);
	b->answer_due = 0;
	b->txwire.mode = PGN_WIRE_LOST;
}

/*
 * --probes wire, TLS: the ciphertext sends inside one be_tls_write are
 * held, and counted as one send when it returns, when its plaintext says
 * where answers end (bpf/tls.bpf.h); sends held when the backend exits
 * are counted then.
 */
PGN_INLINE void pgn_tls_hold(struct pgn_backend *b, const struct pgn_io *io)
{
	struct pgn_io *h = &b->tls_tx;
	__u64 bytes = h->ret, ns = h->dur_ns;
	__u32 more = bytes ? h->more_calls + 1 : 0;

	*h = *io;
	h->ret += bytes;
	h->dur_ns += ns;
	h->more_calls = more;
}

/*
 * --probes wire, TLS: a read returned @plain bytes of plaintext. A record
 * bigger than the server's input buffer comes out over several reads,
 * its ciphertext counted at the first: what is counted beyond the
 * plaintext returned so far (tls_ahead: the record's rest, and its
 * framing) goes with the bytes after a split (pgn_on_wire_msg). A read
 * that received a record finds the earlier ones wholly returned.
 */
PGN_INLINE void pgn_tls_read(struct pgn_backend *b, __u64 plain)
{
	__u64 have = b->tls_rx ? b->tls_rx : b->tls_ahead;

	b->tls_ahead = have > plain ? have - plain : 0;
	b->tls_rx = 0;
}

/* The held sends, as one (@out); 0 when there are none. */
PGN_INLINE int pgn_tls_take(struct pgn_backend *b, struct pgn_io *out)
{
	*out = b->tls_tx;
	__builtin_memset(&b->tls_tx, 0, sizeof(b->tls_tx));
	return out->ret > 0;
}

/*
 * The write whose held sends moved @cipher bytes returned: its plaintext
 * (@io->ret bytes, @walked for answers) gave its first @taken bytes to
 * answers, at their plaintext's size; the rest of the ciphertext (the
 * open statement's bytes and the TLS records' framing) goes where a
 * plaintext send's rest would.
 */
PGN_INLINE void pgn_tls_sent(struct pgn_backend *b, struct pgn_io *io, __s64 cipher, __u32 taken, int walked)
{
	if (!pgn_wire_sent(b, io, taken, walked))
		io->flags = 0;	/* it ended with an answer: the rest is framing */
	io->ret = cipher > taken ? cipher - taken : 0;
	if (io->ret)
		pgn_on_send(b, io);
}

/*
 * query__execute__start/done (--probes full) bracket PortalRun, which
 * nests (EXECUTE of a prepared statement runs a portal inside a portal):
 * only the outermost run counts, so no time is counted twice.
 */
PGN_INLINE void pgn_on_portal_start(struct pgn_backend *b, __u64 ts)
{
	if (b->portal_depth++ == 0)
		b->portal_start_ns = ts;
}

PGN_INLINE void pgn_on_portal_done(struct pgn_backend *b, __u64 ts)
{
	if (!b->portal_depth || --b->portal_depth)
		return;
	if ((b->flags & PGN_B_STMT_OPEN) && ts > b->portal_start_ns)
		b->stmt.portal_ns += ts - b->portal_start_ns;
}

/*
 * transaction__abort: the statement in progress failed and took its
 * transaction down, or it is a ROLLBACK (userspace tells them apart by the
 * text). Errors inside a subtransaction (savepoint) do not fire it.
 */
PGN_INLINE void pgn_on_abort(struct pgn_backend *b)
{
	if (b->state == PGN_ST_ACTIVE)
		b->stmt.aborted = 1;
}

/*
 * The process is gone (or tracing ends).  With query probes an ACTIVE
 * statement is one that failed, and what arrived after its error reply
 * (Terminate) is not its own.
 */
PGN_INLINE void pgn_on_exit(struct pgn_backend *b, __u64 ts, unsigned probe_set)
{
	struct pgn_io end = { .ts = ts }, held;

	if (pgn_tls_take(b, &held))
		pgn_on_send(b, &held);
	pgn_answers_give_up(b, &end);
	if (b->state == PGN_ST_REQUEST) {
		pgn_request_drop(b);
	} else if (b->state == PGN_ST_ACTIVE) {
		b->stmt.status = PGN_STMT_ERROR;
		if (PGN_SET_ACTIVE_AT_EXIT_FAILED(probe_set)) {
			pgn_dir_sub(&b->stmt.t.rx, &b->tail_rx);
			pgn_dir_add(&b->sess.unattributed.rx, &b->tail_rx);
		}
		pgn_stmt_close(b);
	} else if (b->state == PGN_ST_CLOSING) {
		pgn_stmt_close(b);
	}
	b->state = PGN_ST_IDLE;
	b->sess.end_ns = ts;
	pgn_emit_session(b);
}

#endif
