/* Which processes are the traced binary's: fork, exec and exit. */

/* The pid @task has in its own pid namespace (its innermost). */
static __always_inline __u32 ns_pid_of(struct task_struct *task)
{
	struct pid *pid = BPF_CORE_READ(task, thread_pid);
	unsigned int level = BPF_CORE_READ(pid, level);
	int nr = 0;

	bpf_core_read(&nr, sizeof(nr), &pid->numbers[level].nr);
	return nr;
}

/* @server: the postmaster's pid (the task's own when it is one). */
static __always_inline void backend_adopt(struct task_struct *task, __u64 now, __u32 server)
{
	struct pgn_backend *b = bpf_task_storage_get(&backends, task, 0, BPF_LOCAL_STORAGE_GET_F_CREATE);
	__u32 tgid = task->tgid, zero = 0;
	struct pgn_text *blank = bpf_map_lookup_elem(&blank_text, &zero);

	if (b && b->sess.pid)	/* already followed */
		return;
	if (!b || !blank || bpf_map_update_elem(&followed, &tgid, blank, BPF_ANY)) {
		if (b)
			bpf_task_storage_delete(&backends, task);
		__sync_fetch_and_add(&lost_backends, 1);
		return;
	}
	b->sess.pid = tgid;
	b->sess.proc_start_ns = now;
	b->sess.ep.server_pid = server;
	b->sess.ep.ns_pid = ns_pid_of(task);
}

static __always_inline void backend_drop(struct task_struct *task)
{
	__u32 tgid = task->tgid;

	bpf_task_storage_delete(&backends, task);
	bpf_map_delete_elem(&followed, &tgid);
}

/* Backends are forked from the postmaster without exec. */
SEC("tp_btf/sched_process_fork")
int BPF_PROG(on_fork, struct task_struct *parent, struct task_struct *child)
{
	struct pgn_backend *pb;

	if (child->tgid == parent->tgid)	/* a new thread, not a process */
		return 0;
	pb = bpf_task_storage_get(&backends, parent, 0, 0);
	if (!pb)
		return 0;
	backend_adopt(child, bpf_ktime_get_ns(), pb->sess.ep.server_pid ?: parent->tgid);
	return 0;
}

/* A postmaster started after us, or a child that runs something else. */
SEC("tp_btf/sched_process_exec")
int BPF_PROG(on_exec, struct task_struct *p, pid_t old_pid, struct linux_binprm *bprm)
{
	struct inode *inode = bprm->file->f_inode;
	/* an overlayfs file (a container's root) is the overlay's inode here,
	 * while stat() reports the layer's device: either is ours */
	bool ours = inode->i_ino == target_ino &&
		    (inode->i_sb->s_dev == target_dev || inode->i_sb->s_dev == target_mnt_dev);

	if (ours && track_exec)
		backend_adopt(p, bpf_ktime_get_ns(), p->tgid);
	else if (!ours)
		backend_drop(p);
	return 0;
}

SEC("tp_btf/sched_process_exit")
int BPF_PROG(on_exit, struct task_struct *p)
{
	struct pgn_backend *b;
	__u32 tgid = p->tgid;
	__u8 one = 1;

	if (p->pid != tgid)
		return 0;
	b = bpf_task_storage_get(&backends, p, 0, 0);
	if (!b)
		return 0;
	if ((b->flags & (PGN_B_HAVE_SOCK | PGN_B_IGNORED)) == PGN_B_HAVE_SOCK &&
	    (!finishing || !bpf_map_update_elem(&flushed, &tgid, &one, BPF_NOEXIST)))
		pgn_on_exit(b, bpf_ktime_get_ns(), probe_set);
	backend_drop(p);
	return 0;
}
