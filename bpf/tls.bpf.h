/*
 * --probes wire, TLS sessions: the socket carries ciphertext, so the
 * messages are read in clear where PostgreSQL decrypts and encrypts them,
 * in be_tls_read and be_tls_write. Their uprobes are attached for the
 * whole binary from the start (no session can slip past an attach), and
 * only backends of TLS sessions ever call them: a plaintext session pays
 * nothing. The socket hooks still count the bytes (the ciphertext the
 * kernel moved); these hooks only tell where statements begin and end.
 *
 * A read's plaintext goes through the same walk as a plaintext session's
 * recv (its bytes already counted by the recvs inside the call); a write
 * is a plaintext session's send, its ciphertext sends held until it
 * returns (see tls_sent).
 */

/*
 * A TLS backend of ours (one joined while its session ran is read in clear
 * from here on). A call may come before the backend's first recv names
 * its client socket (a session joined while idle): the returns act only
 * once it is known, as the socket hooks do.
 */
static __always_inline struct pgn_backend *tls_backend(void)
{
	struct pgn_backend *b = current_backend();

	count_hit();
	if (!b || (b->flags & PGN_B_IGNORED))
		return NULL;
	if (!(b->flags & PGN_B_TLS))
		tls_begin(b, PGN_WIRE_TYPED);
	return b;
}

SEC("uprobe")
int BPF_KPROBE(on_tls_read, void *port, void *ptr)
{
	struct pgn_backend *b = tls_backend();

	if (!b)
		return 0;
	b->tls_buf = (__u64)ptr;
	b->flags |= PGN_B_TLS_READ;
	return 0;
}

/* The plaintext of @ret bytes is in: the request is complete now. */
SEC("uretprobe")
int BPF_KRETPROBE(on_tls_read_done, long ret)
{
	struct pgn_backend *b = tls_backend();
	struct pgn_io io = { .ret = ret };

	if (!b)
		return 0;
	b->flags &= ~PGN_B_TLS_READ;
	if (!(b->flags & PGN_B_HAVE_SOCK) || ret <= 0 || !b->tls_buf)
		return 0;
	pgn_tls_read(b, ret);
	io.ts = b->last_call_ns = bpf_ktime_get_ns();
	b->call_buf = b->tls_buf;
	b->call_len = ret;
	if (b->state == PGN_ST_STARTUP && !(b->flags & PGN_B_STARTUP_READ))
		capture_startup(b, ret);
	wire_recv(b, &io, ret);
	return 0;
}

SEC("uprobe")
int BPF_KPROBE(on_tls_write, void *port, void *ptr, __u64 len)
{
	struct pgn_backend *b = tls_backend();

	if (!b)
		return 0;
	b->tls_wbuf = (__u64)ptr;
	b->tls_write_len = len;
	b->flags |= PGN_B_TLS_WRITE;
	return 0;
}

/* The @len bytes at @buf went out, as the sends held meanwhile: one send
 * to the attribution, its plaintext walked for answers (pgn_tls_sent). */
static __always_inline void tls_sent(struct pgn_backend *b, __u64 buf, __u32 len)
{
	struct pgn_io io;
	__s64 cipher;
	__u32 taken = 0;
	int walked;

	if (!pgn_tls_take(b, &io))
		io.ts = bpf_ktime_get_ns();
	cipher = io.ret;
	b->call_buf = buf;
	b->call_len = len;
	io.ret = len;
	io.flags = reply_flags(b, len);
	walked = pgn_wire_walked(b, &io);
	if (walked)
		taken = wire_answers(b, &io);
	pgn_tls_sent(b, &io, cipher, taken, walked);
}

/* A failed write (WANT_WRITE) is made again: its sends stay held. */
SEC("uretprobe")
int BPF_KRETPROBE(on_tls_write_done, long ret)
{
	struct pgn_backend *b = tls_backend();

	if (!b)
		return 0;
	b->flags &= ~PGN_B_TLS_WRITE;
	if ((b->flags & PGN_B_HAVE_SOCK) && ret > 0 && ret <= b->tls_write_len)
		tls_sent(b, b->tls_wbuf, ret);
	return 0;
}
