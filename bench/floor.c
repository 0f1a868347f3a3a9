/* Loads bench/floor.bpf.c's empty programs on pgnetprof's hooks, waits for SIGINT. */
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>
#include <bpf/libbpf.h>

#include "floor.skel.h"

static volatile sig_atomic_t exiting;

static void on_signal(int sig)
{
	(void)sig;
	exiting = 1;
}

/* The probes of each of pgnetprof's sets (--probes), NULL-terminated;
 * transaction__abort belongs to every USDT set, when the binary has it;
 * wire has none: its floor is the socket hooks and the uprobes that read
 * TLS sessions (entry and return of each function). */
static const char *const status_set[] = { "statement__status", NULL };
static const char *const query_set[] = { "query__start", "query__done", NULL };
static const char *const full_set[] = { "statement__status", "query__execute__start",
					"query__execute__done", NULL };
static const char *const wire_set[] = { NULL };
static const char *const tls_functions[] = { "be_tls_read", "be_tls_write" };

static const char *const *probe_set(const char *name)
{
	if (!strcmp(name, "status"))
		return status_set;
	if (!strcmp(name, "query"))
		return query_set;
	if (!strcmp(name, "full"))
		return full_set;
	if (!strcmp(name, "wire"))
		return wire_set;
	return NULL;
}

#define MAX_LINKS 8

/* wire: empty uprobes where pgnetprof reads TLS sessions; 0 on success */
static int attach_tls(struct floor_bpf *s, const char *bin, struct bpf_link **links)
{
	for (int i = 0; i < 4; i++) {
		LIBBPF_OPTS(bpf_uprobe_opts, uo, .func_name = tls_functions[i / 2], .retprobe = i % 2);

		links[i] = bpf_program__attach_uprobe_opts(s->progs.floor_uprobe, -1, bin, 0, &uo);
		if (!links[i]) {
			fprintf(stderr, "floor: cannot attach %s\n", tls_functions[i / 2]);
			return -1;
		}
	}
	return 0;
}

int main(int argc, char **argv)
{
	const char *const *set = argc == 3 ? probe_set(argv[2]) : NULL;
	struct bpf_link *links[MAX_LINKS] = { 0 };
	struct floor_bpf *s = NULL;
	int n = 0, err = 1;

	if (!set) {
		fprintf(stderr, "usage: floor POSTGRES_BINARY status|query|full|wire\n");
		return 2;
	}
	s = floor_bpf__open_and_load();
	if (!s || floor_bpf__attach(s))
		goto cleanup;
	for (; set[n]; n++) {
		links[n] = bpf_program__attach_usdt(s->progs.floor_usdt, -1, argv[1], "postgresql", set[n], NULL);
		if (!links[n]) {
			fprintf(stderr, "floor: cannot attach %s\n", set[n]);
			goto cleanup;
		}
	}
	if (set != wire_set)
		links[n] = bpf_program__attach_usdt(s->progs.floor_usdt, -1, argv[1], "postgresql",
						    "transaction__abort", NULL);
	else if (attach_tls(s, argv[1], links))
		goto cleanup;
	signal(SIGINT, on_signal);
	signal(SIGTERM, on_signal);
	fprintf(stderr, "Tracing (floor, %s probes)... Hit Ctrl-C to end.\n", argv[2]);
	while (!exiting)
		pause();
	err = 0;
cleanup:
	for (int i = 0; i < MAX_LINKS; i++)
		bpf_link__destroy(links[i]);
	floor_bpf__destroy(s);
	return err;
}
