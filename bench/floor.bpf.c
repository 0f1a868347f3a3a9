// SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause
/*
 * The floor: exactly the hooks pgnetprof attaches (tracepoint backend, both
 * probe sets), with empty bodies. What the benchmark measures beyond this
 * is the cost of pgnetprof's own work.
 */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_tracing.h>
#include <bpf/usdt.bpf.h>

char LICENSE[] SEC("license") = "Dual BSD/GPL";

SEC("tp_btf/sched_process_fork")
int BPF_PROG(floor_fork) { return 0; }

SEC("tp_btf/sched_process_exec")
int BPF_PROG(floor_exec) { return 0; }

SEC("tp_btf/sched_process_exit")
int BPF_PROG(floor_exit) { return 0; }

SEC("tp_btf/sys_enter")
int BPF_PROG(floor_sys_enter) { return 0; }

SEC("tp_btf/sock_send_length")
int BPF_PROG(floor_send) { return 0; }

SEC("tp_btf/sock_recv_length")
int BPF_PROG(floor_recv) { return 0; }

SEC("tp_btf/inet_sock_set_state")
int BPF_PROG(floor_sock_state) { return 0; }

SEC("usdt")
int BPF_USDT(floor_usdt) { return 0; }

/* wire: the uprobes that read TLS sessions (hit in TLS backends only) */
SEC("uprobe")
int BPF_KPROBE(floor_uprobe) { return 0; }
