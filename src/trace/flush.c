/* End of trace: what the kernel still holds is closed by the same machine. */
#include <stddef.h>
#include <string.h>

#include "flush.h"

static struct pgn_reorder *flush_ro;
static const struct pgn_text *flush_text;
static __u64 flush_now;

static void pgn_emit_stmt(struct pgn_backend *b);
static void pgn_emit_session(struct pgn_backend *b);
static int pgn_emit_endpoint(struct pgn_backend *b);
static void pgn_emit_answer(struct pgn_backend *b, __u64 done_ns, __u64 last_tx_ns, __u8 skip_follows);

static __u64 pgn_now(void)
{
	return flush_now;
}

#define PGN_INLINE static inline
#include "attribution.h"

static void pgn_emit_stmt(struct pgn_backend *b)
{
	static struct pgn_stmt_rec r;

	if (b->stmt.query_len >= PGN_QUERY_MAX)
		b->stmt.query_len = PGN_QUERY_MAX - 1;
	b->stmt.seq = b->seq++;
	memcpy(&r, &b->stmt, sizeof(b->stmt));
	memcpy(r.query, flush_text->q, r.query_len);
	r.query[r.query_len] = 0;
	pgn_reorder_push(flush_ro, &r, sizeof(r));
}

static int pgn_emit_endpoint(struct pgn_backend *b)
{
	struct pgn_endpoint_rec r = {
		.type = PGN_REC_ENDPOINT, .pid = b->sess.pid,
		.proc_start_ns = b->sess.proc_start_ns, .ep = b->sess.ep, .seq = b->seq++,
	};

	pgn_reorder_push(flush_ro, &r, sizeof(r));
	return 0;
}

static void pgn_emit_answer(struct pgn_backend *b, __u64 done_ns, __u64 last_tx_ns, __u8 skip_follows)
{
	struct pgn_answer_rec r;

	pgn_answer_fill(&r, b, done_ns, last_tx_ns, skip_follows);
	b->seq++;
	pgn_reorder_push(flush_ro, &r, sizeof(r));
}

static void pgn_emit_session(struct pgn_backend *b)
{
	b->sess.type = PGN_REC_SESSION_OPEN;
	b->sess.seq = b->seq++;
	pgn_reorder_push(flush_ro, &b->sess, sizeof(b->sess));
}

void pgn_flush_backend(struct pgn_backend *b, const struct pgn_text *text, __u64 now_ns,
		       unsigned probe_set, struct pgn_reorder *ro)
{
	if ((b->flags & (PGN_B_HAVE_SOCK | PGN_B_IGNORED)) != PGN_B_HAVE_SOCK)
		return;
	/* still running when we stop: not a failure, just unfinished */
	if (b->state == PGN_ST_ACTIVE && !PGN_SET_ACTIVE_AT_EXIT_FAILED(probe_set))
		b->state = PGN_ST_CLOSING;
	flush_ro = ro;
	flush_text = text;
	flush_now = now_ns;
	pgn_on_exit(b, now_ns, probe_set);
	flush_ro = NULL;
	flush_text = NULL;
}
