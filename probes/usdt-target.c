/*
 * A synthetic PostgreSQL for capacity measurements: fires the postgresql
 * provider's statement__status probe exactly as a backend does around
 * simple Query cycles on a loopback TCP connection, as fast as it can.
 *
 *   usdt-target [-w WORKERS] [-s SECONDS]
 *
 * Each worker is a forked process (like a backend) serving one connection
 * from a client thread of its own: recv 'Q' request, statement__status(text),
 * statement__status(NULL), send the response. Prints the statements served.
 */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/sdt.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#define QUERY "select abalance from pgbench_accounts where aid = 42"
#define REQUEST_LEN (1 + 4 + sizeof(QUERY))
#define RESPONSE_LEN 64

static double deadline;

static double now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

static int full_io(int fd, char *buf, size_t len, int rx)
{
	size_t done = 0;
	ssize_t n;

	while (done < len) {
		n = rx ? recv(fd, buf + done, len - done, 0) : send(fd, buf + done, len - done, 0);
		if (n <= 0)
			return -1;
		done += (size_t)n;
	}
	return 0;
}

/* The client: one request, wait for the response, until the deadline. */
static void *client(void *arg)
{
	int fd = *(int *)arg;
	char req[REQUEST_LEN], resp[RESPONSE_LEN];
	uint32_t len = htonl(4 + sizeof(QUERY));

	req[0] = 'Q';
	memcpy(req + 1, &len, 4);
	memcpy(req + 5, QUERY, sizeof(QUERY));
	while (now() < deadline)
		if (full_io(fd, req, sizeof(req), 0) || full_io(fd, resp, sizeof(resp), 1))
			break;
	shutdown(fd, SHUT_WR);
	return NULL;
}

static int connected_pair(int *server, int *cli)
{
	struct sockaddr_in a = { .sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
	socklen_t alen = sizeof(a);
	int l = socket(AF_INET, SOCK_STREAM, 0);

	if (l < 0 || bind(l, (void *)&a, sizeof(a)) || listen(l, 1) || getsockname(l, (void *)&a, &alen))
		return -1;
	*cli = socket(AF_INET, SOCK_STREAM, 0);
	if (*cli < 0 || connect(*cli, (void *)&a, sizeof(a)))
		return -1;
	*server = accept(l, NULL, NULL);
	close(l);
	return *server < 0 ? -1 : 0;
}

/*
 * One probe site for both ends of a statement, as in PostgreSQL's
 * pgstat_report_activity: the text argument sits in a register. Built with
 * -DPGN_TEXT_IN_MEMORY (usdt-target-mem), the site names a stack slot,
 * which pgnetprof reads through libbpf's argument spec instead.
 */
#ifdef PGN_TEXT_IN_MEMORY
__attribute__((noinline)) static void report_activity(const char *text)
{
	const char *volatile activity = text;	/* on the stack: "8@-8(%rsp)" */

	DTRACE_PROBE1(postgresql, statement__status, activity);
}
#else
__attribute__((noinline)) static void report_activity(const char *text)
{
	DTRACE_PROBE1(postgresql, statement__status, text);
}
#endif

/* The backend: serve until the client closes. Returns statements served. */
static long serve(void)
{
	char req[REQUEST_LEN], resp[RESPONSE_LEN] = "T";
	pthread_t th;
	int s, c;
	long n = 0;

	if (connected_pair(&s, &c) || pthread_create(&th, NULL, client, &c)) {
		perror("usdt-target");
		return -1;
	}
	while (!full_io(s, req, sizeof(req), 1)) {
		report_activity(req + 5);
		report_activity(NULL);
		if (full_io(s, resp, sizeof(resp), 0))
			break;
		n++;
	}
	pthread_join(th, NULL);
	return n;
}

int main(int argc, char **argv)
{
	int workers = 1, secs = 5, opt, fds[2];
	long total = 0, n;

	while ((opt = getopt(argc, argv, "w:s:")) != -1) {
		if (opt == 'w')
			workers = atoi(optarg);
		else if (opt == 's')
			secs = atoi(optarg);
		else
			return fprintf(stderr, "usage: usdt-target [-w WORKERS] [-s SECONDS]\n"), 2;
	}
	if (workers < 1 || secs < 1 || pipe(fds))
		return fprintf(stderr, "usdt-target: bad arguments\n"), 2;
	deadline = now() + secs;
	for (int i = 0; i < workers; i++) {
		if (fork() == 0) {
			n = serve();
			return write(fds[1], &n, sizeof(n)) == sizeof(n) ? 0 : 1;
		}
	}
	close(fds[1]);
	while (read(fds[0], &n, sizeof(n)) == sizeof(n))
		total += n > 0 ? n : 0;
	while (wait(NULL) > 0)
		;
	printf("%ld statements in %d s: %.0f/s\n", total, secs, total / (double)secs);
	return 0;
}
