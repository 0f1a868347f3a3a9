/* Which processes are the traced binary's: fork, exec and exit. */

static __always_inline void backend_adopt(struct task_struct *task, __u64 now)
{
	__u32 tgid = task->tgid;
	__u32 zero = 0;
	struct pgn_backend *blank_b = bpf_map_lookup_elem(&blank, &zero);
	struct pgn_backend *b;

	if (!blank_b)
		return;
	bpf_task_storage_get(&tasks, task, 0, BPF_LOCAL_STORAGE_GET_F_CREATE);
	if (bpf_map_update_elem(&backends, &tgid, blank_b, BPF_NOEXIST)) {
		if (!bpf_map_lookup_elem(&backends, &tgid))
			__sync_fetch_and_add(&lost_backends, 1);
		return;
	}
	b = bpf_map_lookup_elem(&backends, &tgid);
	if (!b)
		return;
	b->sess.pid = tgid;
	b->sess.proc_start_ns = now;
}

/* Backends are forked from the postmaster without exec. */
SEC("tp_btf/sched_process_fork")
int BPF_PROG(on_fork, struct task_struct *parent, struct task_struct *child)
{
	__u32 ptgid = parent->tgid;

	if (child->tgid == ptgid) {	/* a new thread of the process */
		if (bpf_task_storage_get(&tasks, parent, 0, 0))
			bpf_task_storage_get(&tasks, child, 0, BPF_LOCAL_STORAGE_GET_F_CREATE);
		return 0;
	}
	if (!bpf_map_lookup_elem(&backends, &ptgid))
		return 0;
	backend_adopt(child, bpf_ktime_get_ns());
	return 0;
}

/* A postmaster started after us, or a child that runs something else. */
SEC("tp_btf/sched_process_exec")
int BPF_PROG(on_exec, struct task_struct *p, pid_t old_pid, struct linux_binprm *bprm)
{
	struct inode *inode = bprm->file->f_inode;
	__u32 tgid = p->tgid;
	bool ours = inode->i_ino == target_ino && inode->i_sb->s_dev == target_dev;

	if (ours && track_exec) {
		backend_adopt(p, bpf_ktime_get_ns());
	} else if (!ours) {
		bpf_task_storage_delete(&tasks, p);
		bpf_map_delete_elem(&backends, &tgid);
	}
	return 0;
}

SEC("tp_btf/sched_process_exit")
int BPF_PROG(on_exit, struct task_struct *p)
{
	__u32 tgid = p->tgid;
	struct pgn_backend *b;

	if (p->pid != tgid)
		return 0;
	b = bpf_map_lookup_elem(&backends, &tgid);
	if (!b)
		return 0;
	if ((b->flags & (PGN_B_HAVE_SOCK | PGN_B_IGNORED)) == PGN_B_HAVE_SOCK)
		pgn_on_exit(b, bpf_ktime_get_ns(), probe_set == PGN_PROBES_QUERY);
	bpf_map_delete_elem(&backends, &tgid);
	return 0;
}
