/*
 * --probes wire: statements found in the client's messages, read from the
 * backend's own buffer when its recv returns (no uprobe, no trap): the
 * walk of bpf/wire.h finds the messages, pgn_on_wire_msg makes statements
 * of them, and the text of a Query or Parse is read where it lies.
 */

__u64 wire_lost = 0;		/* sessions whose framing was lost */
__u64 wire_encrypted = 0;	/* sessions encrypted (TLS, GSS): no statements */

/* A statement name read from a Parse or Bind (off the stack, which the
 * records emitted beside it fill). */
struct wire_name {
	char s[PGN_MSG_TEXT_SPAN];
};

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct wire_name);
} wire_names SEC(".maps");

/* One CPU's walk of one recv (too big for the stack). */
struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct pgn_wire_seen);
} wire_seen SEC(".maps");

static __always_inline int pgn_wire_read(void *ctx, __u32 off, __u8 dst[8], __u32 n)
{
	__u64 buf = *(__u64 *)ctx, sz = n;

	barrier_var(sz);	/* the register checked is the one passed */
	if (sz > 8)
		return -1;
	return bpf_probe_read_user(dst, sz, (const void *)(buf + off));
}

#include "wire.h"

/* Global functions: the verifier checks each once, not in every state of
 * every caller. @buf: the recv's user buffer, of @size bytes. */
__noinline int wire_walk(struct pgn_wire *w, __u64 buf, __u32 size, struct pgn_wire_seen *seen)
{
	if (!w || !seen)
		return 0;
	return pgn_wire_walk(w, &buf, size, seen);
}

/* A string's length with its NUL, read into @dst: what
 * bpf_probe_read_user_str returns, but 1 for an empty string, for which
 * some kernels (6.1) return 0; negative when the read failed. */
static __always_inline long read_name(char *dst, __u64 from)
{
	long r = bpf_probe_read_user_str(dst, PGN_MSG_TEXT_SPAN, (const void *)from);

	return r ? r : 1;
}

/* The text of a Query (@body) or of a Parse (after its statement name),
 * @avail of its bytes in this recv: read up to --query-max. */
static __always_inline void wire_text(struct pgn_backend *b, __u8 type, __u64 body, __u32 avail)
{
	struct pgn_text *t = text_of(b);
	__u32 zero = 0, skip = 0;
	struct wire_name *name = bpf_map_lookup_elem(&wire_names, &zero);
	__u64 max = query_max, n;
	long r = 0;

	if (!t || !name)
		return;
	if (type == 'P') {
		r = read_name(name->s, body);
		skip = r > 0 ? r : avail;
		b->stmt.name_hash = b->parsed_hash = r > 1 ? pgn_name_hash(name->s, r - 1) : 0;
		b->flags |= PGN_B_TEXT_PARSE;
	} else {
		b->flags &= ~PGN_B_TEXT_PARSE;
	}
	/* no byte past the recv's (the buffer's stale data): a text that goes
	 * on in the next recv is cut there */
	n = skip < avail ? (__u64)(avail - skip) + 1 : 1;
	if (n > max)
		n = max;
	barrier_var(n);		/* the register checked is the one passed */
	if (n > 1 && n <= PGN_QUERY_MAX)
		r = bpf_probe_read_user_str(t->q, n, (const void *)(body + skip));
	else
		r = 0;
	if (r <= 0) {
		t->q[0] = 0;
		r = 1;
	}
	b->stmt.query_len = r - 1;
	b->stmt.truncated = r == n;
}

/*
 * A Bind (portal name, statement name, ...) of a statement whose Parse is
 * not the one whose text is held: its text is unknown here, userspace has
 * it from that Parse's record, by the name's hash (a statement prepared
 * before tracing began has none).
 */
static __always_inline void wire_bind(struct pgn_backend *b, __u64 body)
{
	__u32 zero = 0, h;
	struct wire_name *name = bpf_map_lookup_elem(&wire_names, &zero);
	long portal, r;

	if (!name)
		return;
	portal = read_name(name->s, body);
	if (portal <= 0)
		return;
	r = read_name(name->s, body + portal);
	h = r > 1 ? pgn_name_hash(name->s, r - 1) : 0;
	b->stmt.name_hash = h;
	if (!(b->flags & PGN_B_TEXT_PARSE) || h != b->parsed_hash) {
		b->stmt.query_len = 0;
		b->stmt.truncated = 0;
	}
}

/* @io: the recv (its bytes at b->call_buf). */
__noinline int wire_event(struct pgn_backend *b, const struct pgn_wire_event *e, const struct pgn_io *io)
{
	__u32 size;

	if (!b || !e || !io)
		return 0;
	size = io->ret;
	if (!e->type || e->start > size || e->body > size)
		return 0;	/* a startup packet: capture_startup has it */
	if (pgn_on_wire_msg(b, e->type, io, size - e->start))
		wire_text(b, e->type, b->call_buf + e->body, e->len < size - e->body ? e->len : size - e->body);
	else if (e->type == 'B')
		wire_bind(b, b->call_buf + e->body);
	return 0;
}

__u32 tls_hooked = 0;	/* set by userspace: the TLS hooks are attached */

/* The session turned to TLS: from now on its streams are walked in clear
 * (bpf/tls.bpf.h), the client's from @mode. */
static __always_inline void tls_begin(struct pgn_backend *b, __u8 mode)
{
	b->flags |= PGN_B_TLS;
	__builtin_memset(&b->wire, 0, sizeof(b->wire));
	b->wire.mode = mode;
}

/*
 * The framing is lost, or the session encrypted. A TLS one (@tls: the
 * server's 'S', or direct TLS) is read in clear from its startup packet on
 * where the TLS hooks are attached; otherwise userspace is told at once (a
 * wake-up), to attach the statement probes to this backend.
 */
static __always_inline void wire_gone(struct pgn_backend *b, int tls)
{
	struct pgn_encrypted_rec r = { .type = PGN_REC_ENCRYPTED, .pid = b->sess.pid };

	if (b->flags & PGN_B_WIRE_GONE)
		return;
	if (b->wire.mode != PGN_WIRE_OPAQUE) {
		b->flags |= PGN_B_WIRE_GONE;
		__sync_fetch_and_add(&wire_lost, 1);
		return;
	}
	__sync_fetch_and_add(&wire_encrypted, 1);
	if (tls && tls_hooked) {
		tls_begin(b, PGN_WIRE_STARTUP);
		return;
	}
	b->flags |= PGN_B_WIRE_GONE;
	bpf_ringbuf_output(&events, &r, sizeof(r), BPF_RB_FORCE_WAKEUP);
}

/* A recv of @ret bytes, counted (pgn_on_recv), or a TLS read's plaintext:
 * its messages. */
static __always_inline void wire_recv(struct pgn_backend *b, const struct pgn_io *io, long ret)
{
	__u32 zero = 0, size = ret;
	struct pgn_wire_seen *seen = bpf_map_lookup_elem(&wire_seen, &zero);

	if (!seen || !b->call_buf || b->wire.mode >= PGN_WIRE_OPAQUE)
		return;
	seen->wanted = PGN_WIRE_REQUESTS;
	wire_walk(&b->wire, b->call_buf, size, seen);
	for (__u32 i = 0; i < PGN_WIRE_EVENTS && i < seen->events; i++)
		wire_event(b, &seen->event[i], io);
	if (b->wire.mode >= PGN_WIRE_OPAQUE)	/* direct TLS, unless read in clear */
		wire_gone(b, !(b->flags & PGN_B_TLS));
}

__noinline int wire_answer(struct pgn_backend *b, struct pgn_io *io, __u32 type, __u32 end, __u32 *taken)
{
	if (b && io && taken)
		pgn_on_wire_answer(b, io, type, end, taken);
	return 0;
}

/*
 * The answers a send ends, while executions await them (see
 * pgn_on_wire_answer): the server's messages walked as the client's are.
 * Returns the bytes that went to answers.
 */
__noinline int wire_answers(struct pgn_backend *b, struct pgn_io *io)
{
	__u32 zero = 0, taken = 0, size;
	struct pgn_wire_seen *seen = bpf_map_lookup_elem(&wire_seen, &zero);

	if (!b || !io || !seen)
		return 0;
	size = io->ret;
	pgn_wire_due(b, io, &taken);
	seen->wanted = PGN_WIRE_ANSWERS;
	if (wire_walk(&b->txwire, b->call_buf, size, seen) < size || b->txwire.mode != PGN_WIRE_TYPED ||
	    seen->dropped) {
		pgn_answers_give_up(b, io);
		return taken;
	}
	for (__u32 i = 0; i < PGN_WIRE_EVENTS && i < seen->events; i++) {
		const struct pgn_wire_event *e = &seen->event[i & (PGN_WIRE_EVENTS - 1)];

		wire_answer(b, io, e->type, e->body + e->len, &taken);
	}
	return taken;
}

/* A send: the answer to an SSL or GSS request; answers to awaiting
 * executions; the end of a cycle. 0 when none of it is left to count. */
static __always_inline int wire_send(struct pgn_backend *b, struct pgn_io *io)
{
	int walked = b->call_buf && pgn_wire_walked(b, io);
	__u8 c;

	if (b->state == PGN_ST_STARTUP && io->ret == 1 && b->call_buf &&
	    !bpf_probe_read_user(&c, 1, (const void *)b->call_buf)) {
		pgn_wire_encrypted(&b->wire, c, 1);
		if (b->wire.mode == PGN_WIRE_OPAQUE)
			wire_gone(b, c == 'S');
	}
	return pgn_wire_sent(b, io, walked ? wire_answers(b, io) : 0, walked);
}
