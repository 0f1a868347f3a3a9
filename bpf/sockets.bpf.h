/* Socket traffic, whichever hook reports it: client socket, filters, counters. */

#define PGN_AF_UNIX 1
#define PGN_AF_INET 2
#define PGN_AF_INET6 10
#define PGN_SOCK_STREAM 1
#define PGN_IPPROTO_TCP 6

static __always_inline __u8 sock_transport(struct sock *sk)
{
	__u16 family = BPF_CORE_READ(sk, __sk_common.skc_family);
	__u16 type = BPF_CORE_READ(sk, sk_type);
	__u16 proto = BPF_CORE_READ(sk, sk_protocol);

	if (type != PGN_SOCK_STREAM)
		return PGN_TRANSPORT_NONE;
	if (family == PGN_AF_UNIX)
		return PGN_TRANSPORT_UNIX;
	if (proto != PGN_IPPROTO_TCP)
		return PGN_TRANSPORT_NONE;
	if (family == PGN_AF_INET)
		return PGN_TRANSPORT_TCP4;
	if (family == PGN_AF_INET6)
		return PGN_TRANSPORT_TCP6;
	return PGN_TRANSPORT_NONE;
}

static __always_inline void sock_endpoint(struct sock *sk, __u8 transport,
					  struct pgn_endpoint *ep)
{
	ep->transport = transport;
	if (transport == PGN_TRANSPORT_TCP4) {
		bpf_core_read(ep->laddr, 4, &sk->__sk_common.skc_rcv_saddr);
		bpf_core_read(ep->raddr, 4, &sk->__sk_common.skc_daddr);
	} else if (transport == PGN_TRANSPORT_TCP6) {
		bpf_core_read(ep->laddr, 16, &sk->__sk_common.skc_v6_rcv_saddr);
		bpf_core_read(ep->raddr, 16, &sk->__sk_common.skc_v6_daddr);
	}
	if (transport != PGN_TRANSPORT_UNIX) {
		ep->lport = BPF_CORE_READ(sk, __sk_common.skc_num);
		ep->rport = bpf_ntohs(BPF_CORE_READ(sk, __sk_common.skc_dport));
	}
}

static __always_inline bool addr_match(const volatile __u8 *want, __u8 len, const __u8 *have)
{
#pragma unroll
	for (int i = 0; i < 16; i++)
		if (i < len && want[i] != have[i])
			return false;
	return true;
}

static __always_inline bool endpoint_wanted(const struct pgn_endpoint *ep)
{
	bool ip = ep->transport == PGN_TRANSPORT_TCP4 || ep->transport == PGN_TRANSPORT_TCP6;

	if (filter_family == PGN_AF_INET && ep->transport != PGN_TRANSPORT_TCP4)
		return false;
	if (filter_family == PGN_AF_INET6 && ep->transport != PGN_TRANSPORT_TCP6)
		return false;
	if ((filter_lport || filter_rport || filter_laddr || filter_raddr) && !ip)
		return false;
	if (filter_lport && ep->lport != filter_lport)
		return false;
	if (filter_rport && ep->rport != filter_rport)
		return false;
	if (filter_laddr && ((laddr_len == 4) != (ep->transport == PGN_TRANSPORT_TCP4) ||
			     !addr_match(laddr, laddr_len, ep->laddr)))
		return false;
	if (filter_raddr && ((raddr_len == 4) != (ep->transport == PGN_TRANSPORT_TCP4) ||
			     !addr_match(raddr, raddr_len, ep->raddr)))
		return false;
	return true;
}

/* The client socket is the first stream socket the backend receives on
 * (the startup packet); anything else is the backend's own outbound. */
static __always_inline bool claim_client_sock(struct pgn_backend *b, struct sock *sk)
{
	__u8 transport = sock_transport(sk);

	if (!transport)
		return false;
	b->sk = (__u64)sk;
	b->flags = (b->flags | PGN_B_HAVE_SOCK) & ~PGN_B_EP_SENT;
	sock_endpoint(sk, transport, &b->sess.ep);
	if (transport != PGN_TRANSPORT_UNIX)
		b->sess.handshake_us = take_handshake(sk);
	if (!endpoint_wanted(&b->sess.ep))
		b->flags |= PGN_B_IGNORED;
	return true;
}

/*
 * The connection's TCP counters. From a BTF pointer (tp_btf, fentry/fexit
 * arguments) the loads are direct; a kprobe's argument is a plain number,
 * read with bpf_probe_read_kernel.
 */
static __always_inline void tcp_counters(struct sock *sk, int btf, struct pgn_io *io)
{
	struct tcp_sock *tp;

	if (btf) {
		tp = bpf_skc_to_tcp_sock(sk);
		if (!tp)
			return;
		io->segs_in = tp->segs_in;
		io->segs_out = tp->segs_out;
		io->retrans = tp->total_retrans;
		io->srtt_us = tp->srtt_us >> 3;
		return;
	}
	tp = (struct tcp_sock *)sk;
	io->segs_in = BPF_CORE_READ(tp, segs_in);
	io->segs_out = BPF_CORE_READ(tp, segs_out);
	io->retrans = BPF_CORE_READ(tp, total_retrans);
	io->srtt_us = BPF_CORE_READ(tp, srtt_us) >> 3;
}

/*
 * What the end of a send says (enum pgn_io_flags), for one that went out
 * whole (a flush of the backend's output buffer): ReadyForQuery is always
 * the 6 bytes 'Z' 0 0 0 5 status. An ErrorResponse ends with its last
 * field's NUL and a NUL; it is found by its header, 'E' and a length that
 * reaches exactly the end, then its first field, the severity 'S'. Two
 * NULs in a row occur in no text field, so a NoticeResponse cannot hide
 * one. Errors longer than PGN_ERR_SCAN bytes are not seen.
 */
#define PGN_ERR_SCAN 1024

struct pgn_scan {
	__u8 b[PGN_ERR_SCAN + 8];	/* a header's 6 bytes from any offset fit */
};

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct pgn_scan);
} scans SEC(".maps");

/* A global function: the verifier checks its loop once, not in every
 * state of every caller. @buf: the user address of a send of @len bytes. */
__noinline int ends_with_error(__u64 buf, __u64 len)
{
	__u32 zero = 0;
	__u64 n = len < PGN_ERR_SCAN ? len : PGN_ERR_SCAN;
	struct pgn_scan *s = bpf_map_lookup_elem(&scans, &zero);

	if (!s || n > PGN_ERR_SCAN)
		return 0;
	barrier_var(n);		/* the copy's size is the register checked */
	if (bpf_probe_read_user(s->b, n & (2 * PGN_ERR_SCAN - 1), (const void *)(buf + len - n)))
		return 0;
	for (__u32 i = 6; i <= PGN_ERR_SCAN && i <= n; i++) {
		/* a header ending i bytes before the end */
		const __u8 *h = s->b + ((n - i) & (PGN_ERR_SCAN - 1));
		__u32 size = (__u32)h[1] << 24 | (__u32)h[2] << 16 | (__u32)h[3] << 8 | h[4];

		if ((h[0] == 'E') & (h[5] == 'S') & (size == i - 1))
			return 1;
	}
	return 0;
}

static __always_inline __u32 reply_flags(struct pgn_backend *b, long ret)
{
	__u8 t[6];
	const __u8 *buf = (const __u8 *)b->call_buf;

	/* wire: also the end of startup, and of a cycle that only prepared
	 * (Parse, Sync) */
	if (b->state != PGN_ST_ACTIVE && b->state != PGN_ST_CLOSING &&
	    !(probe_set == PGN_PROBES_WIRE && (b->state == PGN_ST_REQUEST || b->state == PGN_ST_STARTUP)))
		return 0;
	if (!buf || b->call_len != ret || ret < 6 || bpf_probe_read_user(t, 6, buf + ret - 6))
		return 0;
	if (t[0] == 'Z' && !t[1] && !t[2] && !t[3] && t[4] == 5 &&
	    (t[5] == 'I' || t[5] == 'T' || t[5] == 'E'))
		return PGN_IO_READY;
	if (!t[4] && !t[5] && b->state == PGN_ST_ACTIVE && ends_with_error((__u64)buf, ret))
		return PGN_IO_ERROR;
	return 0;
}

#define PGN_PROTOCOL_3_0 196608
#define PGN_PROTOCOL_3_2 196610

/*
 * The startup message (int32 length, int32 protocol, then parameters), the
 * first thing received in clear: its parameters name the user and database
 * as the client asked for them, which no name can forge (the process title
 * separates them by spaces). An SSLRequest or GSSENCRequest comes first,
 * then the message in clear when the server said no; a TLS session's is
 * ciphertext and left alone.
 */
static __always_inline void capture_startup(struct pgn_backend *b, long ret)
{
	const __u8 *buf = (const __u8 *)b->call_buf;
	__u8 h[8];
	__u32 code;
	__u64 n;

	if (!buf || ret < 8 || bpf_probe_read_user(h, sizeof(h), buf))
		return;
	code = (__u32)h[4] << 24 | (__u32)h[5] << 16 | (__u32)h[6] << 8 | h[7];
	if (code != PGN_PROTOCOL_3_0 && code != PGN_PROTOCOL_3_2)
		return;
	n = (__u64)ret - 8 < PGN_STARTUP_MAX - 1 ? (__u64)ret - 8 : PGN_STARTUP_MAX - 1;
	barrier_var(n);		/* the size is the register checked */
	if (n > PGN_STARTUP_MAX - 1 || bpf_probe_read_user(b->sess.ep.startup, n, buf + 8))
		return;
	b->sess.ep.startup_len = n;
	b->flags = (b->flags | PGN_B_STARTUP_READ) & ~PGN_B_EP_SENT;
}

/* A TLS session's send or recv (@rx): counted; its messages are the TLS
 * hooks' to read (bpf/tls.bpf.h), the sends inside a write held until it
 * returns, the recvs inside a read noted (pgn_tls_read). */
static __always_inline void tls_sock_io(struct pgn_backend *b, struct pgn_io *io, int rx)
{
	if (rx) {
		pgn_on_recv(b, io);
		if (b->flags & PGN_B_TLS_READ)
			b->tls_rx += io->ret;
	} else if ((b->flags & PGN_B_TLS_WRITE) && io->ret > 0) {
		pgn_tls_hold(b, io);
	} else {
		pgn_on_send(b, io);
	}
}

/* One send (rx == 0) or recv (rx == 1) that entered at @start returned
 * @ret on @sk (@btf: sk is a BTF pointer). */
static __always_inline void sock_io(struct pgn_backend *b, struct sock *sk, long ret, int rx,
				    int btf, __u64 start)
{
	__u64 now = bpf_ktime_get_ns();
	struct pgn_io io = { .ts = now, .ret = ret };

	b->last_call_ns = now;
	if (!sk)
		return;
	if (!(b->flags & PGN_B_HAVE_SOCK) && (!rx || !claim_client_sock(b, sk)))
		return;
	if (b->flags & PGN_B_IGNORED)
		return;
	if (b->sk != (__u64)sk) {
		if (ret > 0 && sock_transport(sk))
			pgn_on_outbound(b, &io, rx);
		return;
	}
	if (start && start <= now)
		io.dur_ns = now - start;
	if (b->sess.ep.transport != PGN_TRANSPORT_UNIX)
		tcp_counters(sk, btf, &io);
	if (b->flags & PGN_B_TLS) {
		tls_sock_io(b, &io, rx);
		return;
	}
	if (rx) {
		if (b->state == PGN_ST_STARTUP && !(b->flags & PGN_B_STARTUP_READ))
			capture_startup(b, ret);
		pgn_on_recv(b, &io);
		if (probe_set == PGN_PROBES_WIRE)
			wire_recv(b, &io, ret);
		return;
	}
	if (ret > 0)
		io.flags = reply_flags(b, ret);
	if (probe_set == PGN_PROBES_WIRE && ret > 0 && !wire_send(b, &io))
		return;
	pgn_on_send(b, &io);
}

/*
 * The entry of a backend's send/recv: its time and buffer go to the
 * backend's state, where its return finds them even when the backend was
 * moved to another CPU inside the call. Every other process (which has no
 * task-local storage at all) leaves after one load.
 */
static __always_inline void sock_call_enter(struct pgn_backend *b, __u64 buf, __u64 len)
{
	b->call_start_ns = bpf_ktime_get_ns();
	b->call_buf = buf;
	b->call_len = len;
}

static __always_inline void sock_call_start(__u64 buf, __u64 len)
{
	struct pgn_backend *b = backend_of(bpf_get_current_task_btf());

	if (b)
		sock_call_enter(b, buf, len);
}

/* Takes the entry time of @b's call returning now; 0 if unknown. */
static __always_inline __u64 sock_call_take(struct pgn_backend *b)
{
	__u64 start = b->call_start_ns;

	b->call_start_ns = 0;
	return start;
}

/*
 * @task's send/recv returned @ret: its backend, or NULL when there is
 * nothing to count. A task with no storage at all (any other process)
 * leaves after one load. A recv that moved nothing (EAGAIN before
 * PostgreSQL waits, which every backend makes once per request; EOF; an
 * error) is not traffic: it leaves before the backend's look-up (its
 * stamp is overwritten by the next call's).
 */
static __always_inline struct pgn_backend *sock_call_returned(struct task_struct *task, long ret,
							      int rx)
{
	if (!may_be_backend(task) || (rx && ret <= 0))
		return NULL;
	return backend_of(task);
}

/* @sk is a BTF pointer when @btf (the verifier must see it as one: the
 * kretprobe path, whose socket is a number, stays apart). */
static __always_inline void sock_call_done(struct sock *sk, long ret, int rx, int btf)
{
	struct task_struct *task = bpf_get_current_task_btf();
	struct pgn_backend *b = sock_call_returned(task, ret, rx);

	if (b)
		sock_io(b, sk, ret, rx, btf, sock_call_take(b));
}

/*
 * The user buffer of a send/recv from its msghdr, at the call's entry
 * (the kernel advances the iterator as it copies): one user segment,
 * ITER_UBUF from 6.0 on, else the first iovec (send() makes one).
 */
struct iov_iter___v64 {
	const struct iovec *__iov;
} __attribute__((preserve_access_index));

struct iov_iter___old {
	const struct iovec *iov;
} __attribute__((preserve_access_index));

static __always_inline __u64 msg_user_buf(struct msghdr *msg)
{
	struct iov_iter *it = &msg->msg_iter;
	const struct iovec *iov;

	if (bpf_core_enum_value_exists(enum iter_type, ITER_UBUF) &&
	    BPF_CORE_READ(it, iter_type) == bpf_core_enum_value(enum iter_type, ITER_UBUF))
		return (__u64)BPF_CORE_READ(it, ubuf);
	if (bpf_core_field_exists(((struct iov_iter___v64 *)it)->__iov))
		iov = BPF_CORE_READ((struct iov_iter___v64 *)it, __iov);
	else
		iov = BPF_CORE_READ((struct iov_iter___old *)it, iov);
	return (__u64)BPF_CORE_READ(iov, iov_base);
}
