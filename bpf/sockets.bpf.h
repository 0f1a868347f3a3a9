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
	if (rx)
		pgn_on_recv(b, &io);
	else
		pgn_on_send(b, &io);
}

/*
 * The entry stamp of a send/recv goes to a per-CPU slot tagged with the
 * task, not to the backend's state: taking it needs no look-up, and the
 * calls of every other process (which has no task-local storage at all)
 * leave after one load.
 */
static __always_inline struct pgn_call *this_cpu_call(void)
{
	__u32 zero = 0;

	return bpf_map_lookup_elem(&calls, &zero);
}

/* Stamps the entry of @task's send/recv. */
static __always_inline void sock_call_stamp(struct task_struct *task)
{
	struct pgn_call *c = this_cpu_call();

	if (c) {
		c->task = (__u64)task;
		c->start_ns = bpf_ktime_get_ns();
	}
}

static __always_inline void sock_call_start(void)
{
	struct task_struct *task = bpf_get_current_task_btf();

	if (may_be_backend(task))
		sock_call_stamp(task);
}

/* Takes this CPU's entry stamp for @task's call returning now (see
 * pgn_call_entry); 0 if unknown. */
static __always_inline __u64 sock_call_take(struct pgn_backend *b, struct task_struct *task)
{
	struct pgn_call *c = this_cpu_call();
	__u64 start;

	if (!c)
		return 0;
	start = pgn_call_entry(b, c->task, (__u64)task, c->start_ns);
	if (c->task == (__u64)task)
		c->task = 0;
	return start;
}

/*
 * @task's send/recv returned @ret: its backend, or NULL when there is
 * nothing to count. A task with no storage at all (any other process)
 * leaves after one load, before this CPU's stamp slot is touched. A recv
 * that moved nothing (EAGAIN before PostgreSQL waits, which every backend
 * makes once per request; EOF; an error) is not traffic: it drops its
 * stamp and leaves before the backend's look-up.
 */
static __always_inline struct pgn_backend *sock_call_returned(struct task_struct *task, long ret,
							      int rx)
{
	if (!may_be_backend(task))
		return NULL;
	if (rx && ret <= 0) {
		sock_call_take(NULL, task);
		return NULL;
	}
	return backend_of(task);
}

/* @sk is a BTF pointer when @btf (the verifier must see it as one: the
 * kretprobe path, whose socket is a number, stays apart). */
static __always_inline void sock_call_done(struct sock *sk, long ret, int rx, int btf)
{
	struct task_struct *task = bpf_get_current_task_btf();
	struct pgn_backend *b = sock_call_returned(task, ret, rx);

	if (b)
		sock_io(b, sk, ret, rx, btf, sock_call_take(b, task));
}
