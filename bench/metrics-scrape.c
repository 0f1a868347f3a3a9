/* --metrics-listen's scrape time with many fingerprints seen: the
 * aggregate fed FINGERPRINTS distinct ones, served on a loopback port,
 * scraped SCRAPES times over HTTP, each scrape timed to its last byte.
 * Usage: metrics-scrape FINGERPRINTS SCRAPES   prints: median_ms max_ms bytes */
#include <arpa/inet.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/socket.h>

#include "clock.h"
#include "metrics.h"

static void feed(struct pgn_metrics *m, unsigned long n)
{
	struct pgn_stmt_rec r = { 0 };
	struct pgn_stmt_view v = { .r = &r, .normalized = "select * from t where a = $1" };

	for (unsigned long i = 0; i < n; i++) {
		snprintf(v.fingerprint, sizeof(v.fingerprint), "%016lx", i * 0x9e3779b97f4a7c15UL);
		r.t.rx.bytes = 20 + i % 1000;
		r.t.tx.bytes = 100 + i % 5000;
		v.response_ns = 1000 * (i % 20000);
		pgn_output_metrics.statement(m, &v);
	}
}

/* one GET, read to the end; its bytes, or -1 */
static long scrape(const struct sockaddr_in *sa)
{
	static const char req[] = "GET /metrics HTTP/1.0\r\nHost: 127.0.0.1\r\n\r\n";
	char buf[65536];
	long total = 0;
	ssize_t n;
	int fd = socket(AF_INET, SOCK_STREAM, 0);

	if (fd < 0 || connect(fd, (const struct sockaddr *)sa, sizeof(*sa)) ||
	    write(fd, req, sizeof(req) - 1) != (ssize_t)sizeof(req) - 1)
		total = -1;
	while (total >= 0 && (n = read(fd, buf, sizeof(buf))) > 0)
		total += n;
	if (fd >= 0)
		close(fd);
	return total;
}

static int cmp(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return x < y ? -1 : x > y;
}

int main(int argc, char **argv)
{
	unsigned long fps = argc == 3 ? strtoul(argv[1], NULL, 10) : 0;
	int scrapes = argc == 3 ? atoi(argv[2]) : 0;
	struct pgn_listen l = { .set = true };
	struct sockaddr_in *sa = (struct sockaddr_in *)&l.sa;
	struct pgn_metrics *m;
	struct pgn_metrics_server *s = NULL;
	double *ms;
	long bytes = 0;

	if (!fps || scrapes <= 0 || !(ms = calloc(scrapes, sizeof(*ms)))) {
		fprintf(stderr, "usage: metrics-scrape FINGERPRINTS SCRAPES\n");
		return 2;
	}
	m = pgn_metrics_new(100, "status");
	feed(m, fps);
	sa->sin_family = AF_INET;
	sa->sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	for (int port = 20000 + getpid() % 20000, tries = 0; !s && tries < 50; port++, tries++) {
		sa->sin_port = htons(port);
		snprintf(l.text, sizeof(l.text), "127.0.0.1:%d", port);
		s = pgn_metrics_serve(&l, m);
	}
	if (!s)
		return 1;
	for (int i = 0; i < scrapes; i++) {
		uint64_t t0 = pgn_mono_ns();

		bytes = scrape(sa);
		ms[i] = (pgn_mono_ns() - t0) / 1e6;
		if (bytes < 0) {
			fprintf(stderr, "metrics-scrape: cannot scrape %s\n", l.text);
			return 1;
		}
	}
	qsort(ms, scrapes, sizeof(*ms), cmp);
	printf("%.2f %.2f %ld\n", ms[scrapes / 2], ms[scrapes - 1], bytes);
	pgn_metrics_server_stop(s);
	pgn_metrics_free(m);
	free(ms);
	return 0;
}
