/*
 * fexit backend (BTF trampolines, 5.17+ for bpf_get_func_ret): fentry
 * stamps the start, fexit reads the socket (argument 0, stable) and the
 * return value wherever this kernel's signature puts it.
 */
/* @btf: sk came straight from the arguments (a BTF pointer) */
static __always_inline void fexit_done(__u64 *ctx, struct sock *sk, int rx, int btf)
{
	__u64 ret = 0;

	bpf_get_func_ret(ctx, &ret);
	sock_call_done(sk, (int)ret, rx, btf);
}

static __always_inline struct sock *socket_sk(__u64 *ctx)
{
	return BPF_CORE_READ((struct socket *)ctx[0], sk);
}

/* All four take (socket, msghdr, length, ...). */
static __always_inline void fentry_start(__u64 *ctx)
{
	struct task_struct *task = bpf_get_current_task_btf();
	struct pgn_backend *b = backend_of(task);

	if (b)
		sock_call_enter(b, msg_user_buf((struct msghdr *)ctx[1]), ctx[2]);
}

SEC("fentry/tcp_sendmsg")
int fe_tcp_sendmsg(__u64 *ctx) { fentry_start(ctx); return 0; }

SEC("fentry/tcp_recvmsg")
int fe_tcp_recvmsg(__u64 *ctx) { fentry_start(ctx); return 0; }

SEC("fentry/unix_stream_sendmsg")
int fe_unix_sendmsg(__u64 *ctx) { fentry_start(ctx); return 0; }

SEC("fentry/unix_stream_recvmsg")
int fe_unix_recvmsg(__u64 *ctx) { fentry_start(ctx); return 0; }

SEC("fexit/tcp_sendmsg")
int fx_tcp_sendmsg(__u64 *ctx) { fexit_done(ctx, (struct sock *)ctx[0], 0, 1); return 0; }

SEC("fexit/tcp_recvmsg")
int fx_tcp_recvmsg(__u64 *ctx) { fexit_done(ctx, (struct sock *)ctx[0], 1, 1); return 0; }

SEC("fexit/unix_stream_sendmsg")
int fx_unix_sendmsg(__u64 *ctx) { fexit_done(ctx, socket_sk(ctx), 0, 0); return 0; }

SEC("fexit/unix_stream_recvmsg")
int fx_unix_recvmsg(__u64 *ctx) { fexit_done(ctx, socket_sk(ctx), 1, 0); return 0; }
