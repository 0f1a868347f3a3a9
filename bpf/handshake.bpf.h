/*
 * The server side of tcpconnlat: a passive connection leaves SYN_RECV when
 * the client's ACK of the SYN-ACK arrives, and the kernel has just taken
 * that SYN-ACK's round trip as the connection's first RTT sample
 * (tcp_synack_rtt_meas, before tcp_set_state(TCP_ESTABLISHED)).
 */
#define PGN_TCP_ESTABLISHED 1
#define PGN_TCP_SYN_RECV 3

SEC("tp_btf/inet_sock_set_state")
int BPF_PROG(on_sock_state, const struct sock *sk, const int oldstate, const int newstate)
{
	struct tcp_sock *tp;
	__u64 key = (__u64)sk;
	__u32 us;

	if (oldstate != PGN_TCP_SYN_RECV || newstate != PGN_TCP_ESTABLISHED)
		return 0;
	tp = bpf_skc_to_tcp_sock((void *)sk);
	if (!tp)
		return 0;
	us = tp->srtt_us >> 3;
	if (us)
		bpf_map_update_elem(&handshakes, &key, &us, BPF_ANY);
	return 0;
}

/* The handshake of the socket a backend just claimed, if it was seen. */
static __always_inline __u32 take_handshake(struct sock *sk)
{
	__u64 key = (__u64)sk;
	__u32 *us = bpf_map_lookup_elem(&handshakes, &key);
	__u32 v = us ? *us : 0;

	if (us)
		bpf_map_delete_elem(&handshakes, &key);
	return v;
}
