/*
 * kprobe backend (any kernel with CONFIG_KPROBES): kprobe + kretprobe on
 * the TCP and Unix-stream send/recv functions.  Only the first argument
 * is read, so the signature changes of tcp_recvmsg (5.19) do not matter.
 */
/* A kretprobe has no arguments: the socket waits in the backend's state. */
static __always_inline void kprobe_call_start(struct sock *sk, struct msghdr *msg, __u64 len)
{
	struct task_struct *task = bpf_get_current_task_btf();
	struct pgn_backend *b = backend_of(task);

	if (b) {
		b->call_sk = (__u64)sk;
		sock_call_enter(b, msg_user_buf(msg), len);
	}
}

SEC("kprobe/tcp_sendmsg")
int BPF_KPROBE(kp_tcp_sendmsg, struct sock *sk, struct msghdr *msg, size_t len)
{
	kprobe_call_start(sk, msg, len);
	return 0;
}

SEC("kprobe/tcp_recvmsg")
int BPF_KPROBE(kp_tcp_recvmsg, struct sock *sk, struct msghdr *msg, size_t len)
{
	kprobe_call_start(sk, msg, len);
	return 0;
}

SEC("kprobe/unix_stream_sendmsg")
int BPF_KPROBE(kp_unix_sendmsg, struct socket *sock, struct msghdr *msg, size_t len)
{
	kprobe_call_start(BPF_CORE_READ(sock, sk), msg, len);
	return 0;
}

SEC("kprobe/unix_stream_recvmsg")
int BPF_KPROBE(kp_unix_recvmsg, struct socket *sock, struct msghdr *msg, size_t len)
{
	kprobe_call_start(BPF_CORE_READ(sock, sk), msg, len);
	return 0;
}


static __always_inline void kretprobe_done(long ret, int rx)
{
	struct task_struct *task = bpf_get_current_task_btf();
	struct pgn_backend *b = sock_call_returned(task, ret, rx);

	if (b)
		sock_io(b, (struct sock *)b->call_sk, ret, rx, 0, sock_call_take(b));
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
