/*
 * Tracepoint backend (Linux 6.3+): sock:sock_{send,recv}_length fire after
 * every socket send/recv with the result; the syscall-entry tracepoint
 * gives the start time for durations, and the buffer of send()/recv().
 */
/* PostgreSQL moves socket data with send()/recv() only; read()/write() are
 * left out since every process's file I/O would pay a map look-up. */
#if defined(__TARGET_ARCH_x86)
#define PGN_NR_SENDTO 44
#define PGN_NR_RECVFROM 45
#define PGN_NR_SENDMSG 46
#define PGN_NR_RECVMSG 47
#elif defined(__TARGET_ARCH_arm64)
#define PGN_NR_SENDTO 206
#define PGN_NR_RECVFROM 207
#define PGN_NR_SENDMSG 211
#define PGN_NR_RECVMSG 212
#endif

#define PGN_MSG_PEEK 2

SEC("tp_btf/sys_enter")
int BPF_PROG(tp_sys_enter, struct pt_regs *regs, long id)
{
	if (id == PGN_NR_SENDTO || id == PGN_NR_RECVFROM)
		sock_call_start(PT_REGS_PARM2(regs), PT_REGS_PARM3(regs));
	else if (id == PGN_NR_SENDMSG || id == PGN_NR_RECVMSG)
		sock_call_start(0, 0);	/* PostgreSQL does not use them */
	return 0;
}

SEC("tp_btf/sock_send_length")
int BPF_PROG(tp_sock_send, struct sock *sk, int ret, int flags)
{
	sock_call_done(sk, ret, 0, 1);
	return 0;
}

SEC("tp_btf/sock_recv_length")
int BPF_PROG(tp_sock_recv, struct sock *sk, int ret, int flags)
{
	if (!(flags & PGN_MSG_PEEK))
		sock_call_done(sk, ret, 1, 1);
	return 0;
}
