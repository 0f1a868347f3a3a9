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

static int attach_usdt(struct floor_bpf *s, struct bpf_link **l, const char *bin, const char *probe)
{
	*l = bpf_program__attach_usdt(s->progs.floor_usdt, -1, bin, "postgresql", probe, NULL);
	if (!*l)
		fprintf(stderr, "floor: cannot attach %s\n", probe);
	return *l ? 0 : -1;
}

int main(int argc, char **argv)
{
	struct floor_bpf *s = NULL;
	struct bpf_link *l1 = NULL, *l2 = NULL, *l3 = NULL;
	int err = 1;

	if (argc != 3 || (strcmp(argv[2], "status") && strcmp(argv[2], "query"))) {
		fprintf(stderr, "usage: floor POSTGRES_BINARY status|query\n");
		return 2;
	}
	s = floor_bpf__open_and_load();
	if (!s || floor_bpf__attach(s))
		goto cleanup;
	if (!strcmp(argv[2], "status") ? attach_usdt(s, &l1, argv[1], "statement__status")
				       : attach_usdt(s, &l1, argv[1], "query__start") ||
					 attach_usdt(s, &l2, argv[1], "query__done"))
		goto cleanup;
	/* pgnetprof's in any probe set, when the binary has it */
	l3 = bpf_program__attach_usdt(s->progs.floor_usdt, -1, argv[1], "postgresql", "transaction__abort", NULL);
	signal(SIGINT, on_signal);
	signal(SIGTERM, on_signal);
	fprintf(stderr, "Tracing (floor, %s probes)... Hit Ctrl-C to end.\n", argv[2]);
	while (!exiting)
		pause();
	err = 0;
cleanup:
	bpf_link__destroy(l1);
	bpf_link__destroy(l2);
	bpf_link__destroy(l3);
	floor_bpf__destroy(s);
	return err;
}
