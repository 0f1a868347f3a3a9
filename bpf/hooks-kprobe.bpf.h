/*
 * kprobe backend (any kernel with CONFIG_KPROBES): kprobe + kretprobe on
 * the TCP and Unix-stream send/recv functions.  Only the first argument
 * is read, so the signature changes of tcp_recvmsg (5.19) do not matter.
 */
SEC("kprobe/tcp_sendmsg")
int BPF_KPROBE(kp_tcp_sendmsg, struct sock *sk)
{
	sock_call_start(sk);
	return 0;
}

SEC("kprobe/tcp_recvmsg")
int BPF_KPROBE(kp_tcp_recvmsg, struct sock *sk)
{
	sock_call_start(sk);
	return 0;
}

SEC("kprobe/unix_stream_sendmsg")
int BPF_KPROBE(kp_unix_sendmsg, struct socket *sock)
{
	sock_call_start(BPF_CORE_READ(sock, sk));
	return 0;
}

SEC("kprobe/unix_stream_recvmsg")
int BPF_KPROBE(kp_unix_recvmsg, struct socket *sock)
{
	sock_call_start(BPF_CORE_READ(sock, sk));
	return 0;
}

static __always_inline void kretprobe_done(long ret, int rx)
{
	struct pgn_backend *b = current_backend();
	__u64 start;

	if (b && call_returned(b, ret, rx, &start))
		sock_io(b, (struct sock *)b->call_sk, ret, rx, 0, start);
}

SEC("kretprobe/tcp_sendmsg")
int BPF_KRETPROBE(krp_tcp_sendmsg, int ret)
{
	kretprobe_done(ret, 0);
	return 0;
}

SEC("kretprobe/tcp_recvmsg")
int BPF_KRETPROBE(krp_tcp_recvmsg, int ret)
{
	kretprobe_done(ret, 1);
	return 0;
}

SEC("kretprobe/unix_stream_sendmsg")
int BPF_KRETPROBE(krp_unix_sendmsg, int ret)
{
	kretprobe_done(ret, 0);
	return 0;
}

SEC("kretprobe/unix_stream_recvmsg")
int BPF_KRETPROBE(krp_unix_recvmsg, int ret)
{
	kretprobe_done(ret, 1);
	return 0;
}
