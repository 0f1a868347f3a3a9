/*
 * The framing of the PostgreSQL v3 protocol as pure C: where each message
 * begins in a byte stream fed one call at a time (a message may span
 * calls, a call may hold many): the client's, from its startup packet on,
 * and the server's while its answers are split (see pgn_on_wire_answer). Shared by the BPF program
 * (--probes wire), which reads the bytes from the backend's buffer, and the
 * unit tests, which feed it streams split at every byte. The includer
 * defines, before including this file:
 *   PGN_INLINE                                  function qualifiers
 *   int pgn_wire_read(void *ctx, __u32 off, __u8 dst[8], __u32 n)
 *       copies n (at most 8) bytes at off of the call's bytes; 0 on success
 * Only headers are read here (5 bytes, or an untyped startup packet's 8);
 * what a message holds is the caller's to read, where the walk found it.
 */
#ifndef PGNETPROF_WIRE_H
#define PGNETPROF_WIRE_H

#include "messages.h"
#include "pgnetprof.h"

/* Messages a recv may hold that one walk looks at; past them the framing
 * is given up (8192-byte recvs of 5-byte messages would need 1639). */
#define PGN_WIRE_MSGS 512
/* Messages of a recv the caller hears of (see struct pgn_wire_seen). */
#define PGN_WIRE_EVENTS 256
/* A message longer than this is a lie (PostgreSQL's own limit is 1 GB);
 * so is a startup packet longer than PostgreSQL takes. */
#define PGN_WIRE_LEN_MAX (1u << 30)
#define PGN_STARTUP_LEN_MAX 10000

#define PGN_SSL_REQUEST 80877103
#define PGN_GSSENC_REQUEST 80877104
#define PGN_CANCEL_REQUEST 80877102

/* One message that begins in this recv and that the caller acts on. */
struct pgn_wire_event {
	__u8 type;		/* one of pgn_wire_seen.wanted; 0: a startup packet */
	__u8 pad[3];
	__u32 code;		/* startup packet: its protocol or request code */
	__u32 start;		/* offset of its first byte in this recv (0 when its
				 * header began in an earlier one) */
	__u32 body;		/* offset of its body (after the header) */
	__u32 len;		/* its body's length */
};

struct pgn_wire_seen {
	__u64 wanted;		/* set by the caller: the types heard of */
	__u32 events;		/* in event[], in order (at most PGN_WIRE_EVENTS) */
	__u32 dropped;		/* more events than event[] holds */
	struct pgn_wire_event event[PGN_WIRE_EVENTS];
};

static inline __u32 pgn_be32(const __u8 *p)
{
	return (__u32)p[0] << 24 | (__u32)p[1] << 16 | (__u32)p[2] << 8 | p[3];
}

/* Sets of message types as one test each: bit (type - 'B'). */
#define PGN_WIRE_BIT(c) (1ull << ((c) - 'B'))
/* from the catalogue (probes/messages.h): the client's that make
 * statements or end cycles, and the server's that end responses */
#define PGN_WIRE_IS_FRONTEND_REQUEST 1
#define PGN_WIRE_IS_BACKEND_ANSWER 2
#define PGN_WIRE_IS_FRONTEND_ANSWER 0
#define PGN_WIRE_IS_BACKEND_REQUEST 0
#define PGN_WIRE_REQUEST_BIT(dir, type, name, role) | \
	(PGN_WIRE_IS_##dir##_##role == 1 ? PGN_WIRE_BIT(type) : 0)
#define PGN_WIRE_ANSWER_BIT(dir, type, name, role) | \
	(PGN_WIRE_IS_##dir##_##role == 2 ? PGN_WIRE_BIT(type) : 0)
#define PGN_WIRE_REQUESTS (0 PGN_PROTOCOL_MESSAGES(PGN_WIRE_REQUEST_BIT))
#define PGN_WIRE_ANSWERS (0 PGN_PROTOCOL_MESSAGES(PGN_WIRE_ANSWER_BIT))

static inline int pgn_wire_wanted(__u64 wanted, __u8 type)
{
	__u32 k = (__u32)type - 'B';

	return k < 64 && (wanted >> k) & 1;
}

/*
 * A complete header in w->hdr: its body's length; whether the caller hears
 * of it; the mode moves on (startup ends with the startup message; an SSL
 * or GSS request leaves it untyped: the server's answer decides, see
 * pgn_wire_encrypted). 0 with the mode LOST or OPAQUE for a length that
 * cannot be.
 */
PGN_INLINE int pgn_wire_header(struct pgn_wire *w, __u64 wanted, __u32 *len, __u32 *code)
{
	__u32 n;

	if (w->mode == PGN_WIRE_STARTUP) {
		n = pgn_be32(w->hdr);
		*code = pgn_be32(w->hdr + 4);
		if (n < 8 || n > PGN_STARTUP_LEN_MAX) {
			/* a TLS handshake record: direct TLS (PostgreSQL 17) */
			w->mode = w->hdr[0] == 0x16 ? PGN_WIRE_OPAQUE : PGN_WIRE_LOST;
			return 0;
		}
		*len = n - 8;
		if (*code >> 16 == 3)	/* protocol 3.x: the startup message */
			w->mode = PGN_WIRE_TYPED;
		return 1;
	}
	n = pgn_be32(w->hdr + 1);
	if (n < 4 || n > PGN_WIRE_LEN_MAX) {
		w->mode = PGN_WIRE_LOST;
		return 0;
	}
	*len = n - 4;
	*code = 0;
	return pgn_wire_wanted(wanted, w->hdr[0]);
}

/* A message whose header ends at @off (@start: where it began, 0 when in
 * an earlier recv): heard of if wanted, its body skipped. */
PGN_INLINE void pgn_wire_message(struct pgn_wire *w, __u32 start, __u32 off, int typed,
				 struct pgn_wire_seen *seen)
{
	__u32 len = 0, code = 0, i = seen->events;

	if (pgn_wire_header(w, seen->wanted, &len, &code)) {
		if (i < PGN_WIRE_EVENTS) {
			struct pgn_wire_event *e = &seen->event[i & (PGN_WIRE_EVENTS - 1)];

			e->type = typed ? w->hdr[0] : 0;
			e->code = code;
			e->start = start;
			e->body = off;
			e->len = len;
			seen->events = i + 1;
		} else {
			seen->dropped++;
		}
	}
	w->left = len;
}

/* Skips what is left of a message's body; the new offset. */
static inline __u32 pgn_wire_skip(struct pgn_wire *w, __u32 off, __u32 size)
{
	__u32 n = size - off < w->left ? size - off : w->left;

	w->left -= n;
	return off + n;
}

/*
 * The header that begins at @off, whole in this recv, or its first bytes
 * kept for the next (w->have). The offset after it; @size when it is not
 * whole, or on a read that failed (the mode LOST).
 */
PGN_INLINE __u32 pgn_wire_take(struct pgn_wire *w, void *ctx, __u32 off, __u32 size, __u32 hlen)
{
	__u8 got[8] = {};
	__u32 n = hlen - w->have;

	if (n > size - off)
		n = size - off;
	if (n > 8 || pgn_wire_read(ctx, off, got, n)) {
		w->mode = PGN_WIRE_LOST;
		return size;
	}
	for (__u32 j = 0; j < 8; j++)
		if (j < n && w->have + j < 8)
			w->hdr[(w->have + j) & 7] = got[j];
	w->have += n;
	return off + n;
}

/*
 * Walks the @size bytes of one call (@ctx for pgn_wire_read), noting in
 * @seen the wanted messages that begin in it. Returns the bytes walked:
 * @size, or less when the framing was lost or given up. The loop over
 * typed messages, where nearly all the bytes are, is kept to a few tests
 * a message: the verifier follows every one of its PGN_WIRE_MSGS turns.
 */
PGN_INLINE __u32 pgn_wire_walk(struct pgn_wire *w, void *ctx, __u32 size, struct pgn_wire_seen *seen)
{
	__u32 off = 0, hlen, start;

	seen->events = 0;
	seen->dropped = 0;
	/* a body, then a header, begun in earlier recvs; startup's packets */
	for (int k = 0; k < 4; k++) {
		if (w->mode >= PGN_WIRE_OPAQUE)
			return off;
		off = pgn_wire_skip(w, off, size);
		if (off >= size)
			return off;
		if (w->mode == PGN_WIRE_TYPED && !w->have)
			break;
		hlen = w->mode == PGN_WIRE_STARTUP ? 8 : 5;
		start = w->have ? 0 : off;
		off = pgn_wire_take(w, ctx, off, size, hlen);
		if (w->have < hlen)
			return off;	/* the header ends in a later recv, or lost */
		w->have = 0;
		pgn_wire_message(w, start, off, hlen == 5, seen);
	}
	if (w->mode != PGN_WIRE_TYPED)
		return off;
	/* typed messages whose headers begin here */
	for (int i = 0; i < PGN_WIRE_MSGS; i++) {
		__u8 *h = w->hdr;

		off = pgn_wire_skip(w, off, size);
		if (off >= size)
			return off;
		if (size - off < 5)
			return pgn_wire_take(w, ctx, off, size, 5);	/* kept for the next */
		if (pgn_wire_read(ctx, off, h, 5)) {
			w->mode = PGN_WIRE_LOST;
			return off;
		}
		pgn_wire_message(w, off, off + 5, 1, seen);
		if (w->mode != PGN_WIRE_TYPED)
			return off;
		off += 5;
	}
	off = pgn_wire_skip(w, off, size);
	if (off < size)
		w->mode = PGN_WIRE_LOST;	/* more messages than one walk takes */
	return off;
}

/*
 * The server's answer to an SSLRequest or GSSENCRequest, the first byte it
 * sends in startup: 'S' or 'G' and the rest is encrypted.
 */
PGN_INLINE void pgn_wire_encrypted(struct pgn_wire *w, __u8 first_byte_sent, __u32 sent)
{
	if (w->mode == PGN_WIRE_STARTUP && sent == 1 && (first_byte_sent == 'S' || first_byte_sent == 'G'))
		w->mode = PGN_WIRE_OPAQUE;
}

#endif
