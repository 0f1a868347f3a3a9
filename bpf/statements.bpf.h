/* USDT probes of the postgresql provider that mark statements. */

/*
 * PostgreSQL writes its title over argv (ps_display on Linux): "postgres:
 * user db host(port) activity", set before authentication. Read it once,
 * in the backend's own context, when a probe first fires after startup.
 */
static __always_inline void capture_title(struct pgn_backend *b)
{
	struct task_struct *task;
	unsigned long arg_start;

	if (b->flags & PGN_B_TITLE)	/* the flags' line is hot; the title's is not */
		return;
	task = bpf_get_current_task_btf();
	arg_start = BPF_CORE_READ(task, mm, arg_start);
	if (bpf_probe_read_user_str(b->sess.ep.title, sizeof(b->sess.ep.title), (void *)arg_start) <= 0) {
		b->sess.ep.title[0] = 0;
		return;
	}
	b->flags = (b->flags | PGN_B_TITLE) & ~PGN_B_EP_SENT;
}

#define PGN_TEXT_CMP 64

/*
 * Whether the text at @text is not the open statement's, by their first
 * 63 bytes: the ones read (a read of a longer text stops there with its
 * NUL) and the ones kept (query_len; all of it unless cut at --query-max).
 * A text that ended before the other's known part ended differs.
 */
static __always_inline int text_differs(struct pgn_backend *b, const char *text)
{
	char buf[PGN_TEXT_CMP];
	struct pgn_text *t = text_of(b);
	long r = bpf_probe_read_user_str(buf, sizeof(buf), text);
	__u32 have, kept = b->stmt.query_len, n;

	if (r <= 0 || !t)
		return 0;
	have = r - 1;			/* complete when r < PGN_TEXT_CMP */
	n = have < kept ? have : kept;
	for (__u32 i = 0; i < PGN_TEXT_CMP - 1 && i < n; i++)
		if (buf[i] != t->q[i])
			return 1;
	if (r < PGN_TEXT_CMP && have < kept)
		return 1;
	return !b->stmt.truncated && kept < have;
}

static __always_inline void stmt_begin(const char *text, int query_probe)
{
	struct pgn_backend *b = current_client_backend();
	struct pgn_text *t;
	__u32 max = query_max;
	long n;

	if (!b)
		return;
	capture_title(b);
	if (!pgn_on_stmt_begin(b, query_probe, (__u64)text,
			       pgn_text_check_needed(b, query_probe, (__u64)text) && text_differs(b, text)))
		return;
	t = text_of(b);
	if (max > PGN_QUERY_MAX)
		max = PGN_QUERY_MAX;
	n = t ? bpf_probe_read_user_str(t->q, max, text) : 0;
	if (n <= 0) {
		if (t)
			t->q[0] = 0;
		n = 1;
	}
	b->stmt.query_len = n - 1;
	b->stmt.truncated = n == max;
}

static __always_inline void stmt_end(void)
{
	struct pgn_backend *b = current_client_backend();

	if (!b)
		return;
	capture_title(b);
	pgn_on_stmt_end(b);
}

/* A load at a constant offset into the context, the only kind the
 * verifier takes (the compiler would fold a ladder of plain loads into one
 * at a computed offset). */
#define PGN_CTX_WORD(i)								\
	case (i) * 8:								\
		asm volatile("%[v] = *(u64 *)(%[ctx] + %[off])"			\
			     : [v] "=r"(v) : [ctx] "r"(ctx), [off] "i"((i) * 8));	\
		return (const char *)v

/*
 * The text argument of statement__status or query__start: straight from
 * the register every site of the probe names (userspace read the notes,
 * see usdt-arg.h; the verifier keeps the one case), else through libbpf's
 * spec look-up, which costs ~40 ns a hit.
 */
static __always_inline const char *text_arg(struct pt_regs *ctx)
{
	long v = 0;

	switch (text_arg_reg) {
	PGN_CTX_WORD(0); PGN_CTX_WORD(1); PGN_CTX_WORD(2); PGN_CTX_WORD(3);
	PGN_CTX_WORD(4); PGN_CTX_WORD(5); PGN_CTX_WORD(6); PGN_CTX_WORD(7);
	PGN_CTX_WORD(8); PGN_CTX_WORD(9); PGN_CTX_WORD(10); PGN_CTX_WORD(11);
	PGN_CTX_WORD(12); PGN_CTX_WORD(13); PGN_CTX_WORD(14); PGN_CTX_WORD(15);
	PGN_CTX_WORD(16); PGN_CTX_WORD(17); PGN_CTX_WORD(18); PGN_CTX_WORD(19);
	PGN_CTX_WORD(20); PGN_CTX_WORD(21); PGN_CTX_WORD(22); PGN_CTX_WORD(23);
	PGN_CTX_WORD(24); PGN_CTX_WORD(25); PGN_CTX_WORD(26); PGN_CTX_WORD(27);
	PGN_CTX_WORD(28); PGN_CTX_WORD(29); PGN_CTX_WORD(30);
	default:
		bpf_usdt_arg(ctx, 0, &v);
		return (const char *)v;
	}
}

/* statement__status(text) at every statement step, (NULL) going idle. */
SEC("usdt")
int on_statement_status(struct pt_regs *ctx)
{
	const char *text = text_arg(ctx);

	count_hit();
	if (text)
		stmt_begin(text, 0);
	else
		stmt_end();
	return 0;
}

/* Fires only when a transaction aborts: errors cost a hit, statements do not. */
SEC("usdt")
int BPF_USDT(on_transaction_abort)
{
	struct pgn_backend *b = current_client_backend();

	count_hit();
	if (b)
		pgn_on_abort(b);
	return 0;
}

/* --probes full: PortalRun entry and exit, for the executor's time. */
SEC("usdt")
int BPF_USDT(on_execute_start)
{
	struct pgn_backend *b = current_client_backend();

	count_hit();
	if (b)
		pgn_on_portal_start(b, bpf_ktime_get_ns());
	return 0;
}

SEC("usdt")
int BPF_USDT(on_execute_done)
{
	struct pgn_backend *b = current_client_backend();

	count_hit();
	if (b)
		pgn_on_portal_done(b, bpf_ktime_get_ns());
	return 0;
}

SEC("usdt")
int on_query_start(struct pt_regs *ctx)
{
	count_hit();
	stmt_begin(text_arg(ctx), 1);
	return 0;
}

SEC("usdt")
int BPF_USDT(on_query_done)
{
	count_hit();
	stmt_end();
	return 0;
}
