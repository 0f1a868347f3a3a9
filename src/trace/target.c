/* Finding the PostgreSQL binary, checking its probes, listing its processes. */
#define _GNU_SOURCE	/* statx */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <gelf.h>
#include <libelf.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <unistd.h>

#include "server.h"
#include "target.h"
#include "usdt-arg.h"

#define PROVIDER "postgresql"

static bool proc_exe(pid_t pid, struct stat *st)
{
	char p[64];

	snprintf(p, sizeof(p), "/proc/%d/exe", pid);
	return stat(p, st) == 0;
}

static FILE *proc_file(pid_t pid, const char *name)
{
	char p[64];

	snprintf(p, sizeof(p), "/proc/%d/%s", pid, name);
	return fopen(p, "r");
}

/* Fields 4 (the parent) and 22 (the start, in clock ticks since boot) of
 * /proc/PID/stat, after the name, which may hold anything but ends at the
 * last ')'; 0 when gone. */
static void proc_stat(pid_t pid, pid_t *ppid, uint64_t *start_ns)
{
	char buf[1024], *rp;
	unsigned long long ticks = 0;
	int parent = 0;
	FILE *f = proc_file(pid, "stat");

	if (f && fgets(buf, sizeof(buf), f) && (rp = strrchr(buf, ')')))
		sscanf(rp + 2, "%*c %d %*d %*d %*d %*d %*u %*u %*u %*u %*u %*u %*u %*d %*d %*d %*d %*d %*d %llu",
		       &parent, &ticks);
	if (f)
		fclose(f);
	if (ppid)
		*ppid = parent;
	if (start_ns)
		*start_ns = ticks * (1000000000ULL / sysconf(_SC_CLK_TCK));
}

static pid_t proc_ppid(pid_t pid)
{
	pid_t ppid;

	proc_stat(pid, &ppid, NULL);
	return ppid;
}

pid_t pgn_proc_ns_pid(pid_t pid)
{
	char line[256];
	FILE *f = proc_file(pid, "status");
	pid_t nr = 0;

	if (!f)
		return 0;
	while (fgets(line, sizeof(line), f))
		if (!strncmp(line, "NSpid:", 6)) {
			/* the host's first, the innermost namespace's last */
			for (char *tok = strtok(line + 6, " \t\n"); tok; tok = strtok(NULL, " \t\n"))
				nr = atoi(tok);
			break;
		}
	fclose(f);
	return nr;
}

static pid_t next_pid(DIR *d)
{
	struct dirent *e;
	char *end;
	long pid;

	while ((e = readdir(d))) {
		pid = strtol(e->d_name, &end, 10);
		if (*end == 0 && pid > 0)
			return pid;
	}
	return 0;
}

static bool is_postgres_name(const char *path)
{
	const char *base = strrchr(path, '/');

	base = base ? base + 1 : path;
	return !strcmp(base, "postgres") || !strcmp(base, "postmaster");
}

#define DELETED " (deleted)"

/* A postmaster (not one of its children): its parent runs another binary. */
static bool is_postmaster(pid_t pid, const struct stat *st)
{
	struct stat pst;

	return !(proc_exe(proc_ppid(pid), &pst) && pst.st_dev == st->st_dev && pst.st_ino == st->st_ino);
}

/* The binary process pid runs, as its exe link names it, with " (deleted)"
 * cut off (*deleted set) when the file was replaced under it. */
static bool exe_name(pid_t pid, char *name, size_t len, bool *deleted)
{
	char exe[64];
	ssize_t n;
	size_t dl = sizeof(DELETED) - 1;

	snprintf(exe, sizeof(exe), "/proc/%d/exe", pid);
	n = readlink(exe, name, len - 1);
	if (n <= 0)
		return false;
	name[n] = 0;
	*deleted = (size_t)n > dl && !strcmp(name + n - dl, DELETED);
	if (*deleted)
		name[n - dl] = 0;
	return true;
}

pid_t pgn_target_replaced(const char *path)
{
	DIR *d = opendir("/proc");
	char found[PATH_MAX];
	struct stat st;
	bool deleted;
	pid_t pid;

	while (d && (pid = next_pid(d)))
		if (exe_name(pid, found, sizeof(found), &deleted) && deleted && !strcmp(found, path) &&
		    proc_exe(pid, &st) && is_postmaster(pid, &st))
			break;
	if (d)
		closedir(d);
	return d ? pid : 0;
}

int pgn_target_find_running(char *path, size_t len)
{
	DIR *d = opendir("/proc");
	char found[PATH_MAX], other[PATH_MAX] = "";
	struct stat st;
	bool deleted;
	pid_t pid;
	int count = 0;

	if (!d) {
		fprintf(stderr, "pgnetprof: cannot read /proc: %s\n", strerror(errno));
		return -1;
	}
	struct pgn_server server;

	while ((pid = next_pid(d))) {
		/* a program merely named postgres has no data directory */
		if (!exe_name(pid, found, sizeof(found), &deleted) || !is_postgres_name(found) ||
		    !proc_exe(pid, &st) || !is_postmaster(pid, &st) || !pgn_server_read(pid, &server))
			continue;
		if (deleted)	/* replaced under it (a package upgrade): its own, through /proc */
			snprintf(found, sizeof(found), "/proc/%d/exe", pid);
		if (count && strcmp(found, path)) {
			snprintf(other, sizeof(other), "%s", found);
			continue;
		}
		snprintf(path, len, "%s", found);
		count++;
	}
	closedir(d);
	if (!count) {
		fprintf(stderr, "pgnetprof: no running PostgreSQL server found; give the path of the postgres binary, e.g. pgnetprof /usr/lib/postgresql/15/bin/postgres\n");
		return -1;
	}
	if (other[0]) {
		fprintf(stderr, "pgnetprof: several PostgreSQL binaries are running (%s, %s, ...); give the one to trace as an argument\n",
			path, other);
		return -1;
	}
	return 0;
}

#define ARG_UNSEEN (-2)

/* One more site of a probe whose text argument is at @site (see
 * usdt-arg.h): usable only when every site agrees. */
static void text_arg_site(int *have, const char *name, const char *end)
{
	const char *args = name + strlen(name) + 1;
	int site = args < end && memchr(args, 0, end - args) ? pgn_usdt_first_arg_reg_off(args) : -1;

	if (*have == ARG_UNSEEN)
		*have = site;
	else if (*have != site)
		*have = -1;
}

static const struct {
	const char *name;
	int text;
} usdt_probes[] = {
#define PGN_USDT_ROW(id, name, text, fires) { name, text },
	PGN_USDT_PROBES(PGN_USDT_ROW)
#undef PGN_USDT_ROW
};

/* A .note.stapsdt note: pc, base, semaphore, then "provider\0name\0args\0". */
static void note_probe(struct pgn_target *t, const char *desc, size_t len)
{
	const size_t addrs = 3 * sizeof(uint64_t);
	const char *prov, *name;

	if (len <= addrs)
		return;
	prov = desc + addrs;
	if (strnlen(prov, len - addrs) == len - addrs || strcmp(prov, PROVIDER))
		return;
	name = prov + strlen(prov) + 1;
	if ((size_t)(name - desc) >= len || strnlen(name, desc + len - name) == (size_t)(desc + len - name))
		return;
	for (int i = 0; i < PGN_USDT_COUNT; i++) {
		if (strcmp(name, usdt_probes[i].name))
			continue;
		t->probes |= 1u << i;
		if (usdt_probes[i].text)
			text_arg_site(&t->text_reg[i], name, desc + len);
	}
}

static int read_probes(int fd, struct pgn_target *t)
{
	Elf *e;
	Elf_Scn *scn = NULL;
	size_t shstrndx;
	int err = -1;

	for (int i = 0; i < PGN_USDT_COUNT; i++)
		t->text_reg[i] = ARG_UNSEEN;
	elf_version(EV_CURRENT);
	e = elf_begin(fd, ELF_C_READ, NULL);
	if (!e || elf_kind(e) != ELF_K_ELF || elf_getshdrstrndx(e, &shstrndx))
		goto cleanup;
	while ((scn = elf_nextscn(e, scn))) {
		GElf_Shdr sh;
		GElf_Nhdr nh;
		Elf_Data *data;
		size_t off = 0, noff, doff;
		const char *name;

		if (!gelf_getshdr(scn, &sh) || sh.sh_type != SHT_NOTE)
			continue;
		name = elf_strptr(e, shstrndx, sh.sh_name);
		if (!name || strcmp(name, ".note.stapsdt") || !(data = elf_getdata(scn, NULL)))
			continue;
		while ((off = gelf_getnote(data, off, &nh, &noff, &doff)) > 0)
			if (nh.n_type == 3 && nh.n_namesz == 8 && !memcmp((char *)data->d_buf + noff, "stapsdt", 8))
				note_probe(t, (char *)data->d_buf + doff, nh.n_descsz);
	}
	for (int i = 0; i < PGN_USDT_COUNT; i++)
		if (t->text_reg[i] == ARG_UNSEEN)
			t->text_reg[i] = -1;
	err = 0;
cleanup:
	if (e)
		elf_end(e);
	return err;
}

const char *pgn_usdt_name(enum pgn_usdt p)
{
	return usdt_probes[p].name;
}

bool pgn_usdt_carries_text(enum pgn_usdt p)
{
	return usdt_probes[p].text;
}

/* The device of the file system mounted where path is (mountinfo's
 * major:minor of its mount), or @dflt when it cannot be told. */
static uint64_t mount_kdev(const char *path, uint64_t dflt)
{
	struct statx sx;
	char line[4096];
	unsigned long long id;
	unsigned maj, min;
	uint64_t kdev = dflt;
	FILE *f;

	if (statx(AT_FDCWD, path, 0, STATX_MNT_ID, &sx) || !(sx.stx_mask & STATX_MNT_ID))
		return dflt;
	f = fopen("/proc/self/mountinfo", "r");
	while (f && fgets(line, sizeof(line), f))
		if (sscanf(line, "%llu %*u %u:%u", &id, &maj, &min) == 3 && id == sx.stx_mnt_id) {
			kdev = ((uint64_t)maj << 20) | min;
			break;
		}
	if (f)
		fclose(f);
	return kdev;
}

/* Whether the file holds the server's version string (PG_BACKEND_VERSIONSTR,
 * what "postgres --version" prints): a binary with no probe to tell it. */
static bool is_postgres_binary(int fd, off_t size)
{
	static const char mark[] = "postgres (PostgreSQL) ";
	void *p = size > 0 ? mmap(NULL, size, PROT_READ, MAP_PRIVATE, fd, 0) : MAP_FAILED;
	bool found;

	if (p == MAP_FAILED)
		return false;
	found = memmem(p, size, mark, sizeof(mark) - 1) != NULL;
	munmap(p, size);
	return found;
}

int pgn_target_open(const char *path, struct pgn_target *t)
{
	struct stat st;
	int fd, err;

	memset(t, 0, sizeof(*t));
	/* /proc/PID/exe of a replaced binary names a file that is gone: kept */
	if (!strncmp(path, "/proc/", 6) && !access(path, R_OK))
		snprintf(t->path, sizeof(t->path), "%s", path);
	else if (!realpath(path, t->path)) {
		fprintf(stderr, "pgnetprof: %s: %s; give the path of the PostgreSQL server binary, e.g. /usr/lib/postgresql/15/bin/postgres\n",
			path, strerror(errno));
		return -1;
	}
	fd = open(t->path, O_RDONLY | O_CLOEXEC | O_NONBLOCK);	/* a FIFO must not block us */
	if (fd < 0 || fstat(fd, &st) || !S_ISREG(st.st_mode)) {
		fprintf(stderr, "pgnetprof: %s: %s\n", path,
			fd < 0 ? strerror(errno) : "not a regular file; give the PostgreSQL server binary");
		if (fd >= 0)
			close(fd);
		return -1;
	}
	err = read_probes(fd, t);
	if (err) {
		close(fd);
		fprintf(stderr, "pgnetprof: %s is not an ELF executable; give the PostgreSQL server binary (postgres)\n", path);
		return -1;
	}
	if (!t->probes && !is_postgres_binary(fd, st.st_size)) {
		close(fd);
		fprintf(stderr, "pgnetprof: %s is not a PostgreSQL server binary (no USDT probes of provider '" PROVIDER "', "
			"no \"postgres (PostgreSQL)\" version string); give the path of postgres, "
			"e.g. /usr/lib/postgresql/15/bin/postgres\n", path);
		return -1;
	}
	close(fd);
	/* the kernel's dev_t is major << 20 | minor */
	t->kdev = ((uint64_t)major(st.st_dev) << 20) | minor(st.st_dev);
	t->ino = st.st_ino;
	t->mnt_kdev = mount_kdev(t->path, t->kdev);
	return 0;
}

bool pgn_target_runs(const struct pgn_target *t, pid_t pid)
{
	struct stat st;

	return proc_exe(pid, &st) && st.st_ino == t->ino &&
	       (((uint64_t)major(st.st_dev) << 20) | minor(st.st_dev)) == t->kdev;
}

/* The postmaster of a process of the target: the oldest ancestor running it. */
static pid_t server_of(const struct pgn_target *t, pid_t pid)
{
	pid_t parent;

	for (int depth = 0; depth < 64 && (parent = proc_ppid(pid)) > 1 && pgn_target_runs(t, parent); depth++)
		pid = parent;
	return pid;
}

static bool descends_from(pid_t pid, pid_t root)
{
	for (int depth = 0; pid > 1 && depth < 64; depth++) {
		if (pid == root)
			return true;
		pid = proc_ppid(pid);
	}
	return false;
}

int pgn_target_each_process(const struct pgn_target *t, pid_t root_pid, pgn_proc_fn fn, void *arg)
{
	DIR *d = opendir("/proc");
	uint64_t start_ns;
	pid_t pid;

	if (!d) {
		fprintf(stderr, "pgnetprof: cannot read /proc: %s\n", strerror(errno));
		return -1;
	}
	while ((pid = next_pid(d))) {
		if (root_pid ? !descends_from(pid, root_pid) : !pgn_target_runs(t, pid))
			continue;
		proc_stat(pid, NULL, &start_ns);
		fn(pid, start_ns, root_pid ? root_pid : server_of(t, pid), arg);
	}
	closedir(d);
	return 0;
}
