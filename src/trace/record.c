/* What a record from the kernel (or the end-of-trace flush) is. */
#include "record.h"

int pgn_rec_parse(const void *rec, size_t size, struct pgn_rec_id *id)
{
	const struct pgn_stmt_rec *st = rec;
	const struct pgn_session_rec *se = rec;
	const struct pgn_endpoint_rec *ep = rec;
	const struct pgn_answer_rec *an = rec;

	if (size < sizeof(uint32_t))
		return -1;
	switch (st->type) {
	case PGN_REC_STATEMENT:
		/* the text, and its terminating NUL, inside the record */
		if (size < offsetof(struct pgn_stmt_rec, query) + 1 ||
		    st->query_len >= size - offsetof(struct pgn_stmt_rec, query))
			return -1;
		*id = (struct pgn_rec_id){ st->type, st->pid, st->seq, st->proc_start_ns, 0 };
		return 0;
	case PGN_REC_SESSION:
	case PGN_REC_SESSION_OPEN:
		if (size < sizeof(*se))
			return -1;
		*id = (struct pgn_rec_id){ se->type, se->pid, se->seq, se->proc_start_ns, 1 };
		return 0;
	case PGN_REC_ENDPOINT:
		if (size < sizeof(*ep))
			return -1;
		*id = (struct pgn_rec_id){ ep->type, ep->pid, ep->seq, ep->proc_start_ns, 0 };
		return 0;
	case PGN_REC_ANSWER:
		if (size < sizeof(*an))
			return -1;
		*id = (struct pgn_rec_id){ an->type, an->pid, an->seq, an->proc_start_ns, 0 };
		return 0;
	default:
		return -1;
	}
}
