/* GET /metrics over libmicrohttpd, on its own thread, every wait bounded. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <microhttpd.h>

#include "metrics.h"

#define CONNECTION_TIMEOUT_S 10	/* a client that stalls is dropped */
#define CONNECTION_LIMIT 16

struct pgn_metrics_server {
	struct MHD_Daemon *daemon;
	struct pgn_metrics *m;
};

static enum MHD_Result reply(struct MHD_Connection *c, unsigned status, const char *type, char *body, size_t len,
			     enum MHD_ResponseMemoryMode mode)
{
	struct MHD_Response *r = MHD_create_response_from_buffer(len, body, mode);
	enum MHD_Result ret;

	if (!r)
		return MHD_NO;
	MHD_add_response_header(r, MHD_HTTP_HEADER_CONTENT_TYPE, type);
	ret = MHD_queue_response(c, status, r);
	MHD_destroy_response(r);
	return ret;
}

static enum MHD_Result on_request(void *arg, struct MHD_Connection *c, const char *url, const char *method,
				  const char *version, const char *data, size_t *data_len, void **state)
{
	static char not_found[] = "pgnetprof serves /metrics only\n";
	static char not_allowed[] = "GET /metrics\n";
	static char no_memory[] = "out of memory\n";
	struct pgn_metrics_server *s = arg;
	size_t len;
	char *body;

	(void)version, (void)data, (void)data_len, (void)state;
	if (strcmp(url, "/metrics"))
		return reply(c, MHD_HTTP_NOT_FOUND, "text/plain", not_found, strlen(not_found),
			     MHD_RESPMEM_PERSISTENT);
	if (strcmp(method, "GET") && strcmp(method, "HEAD"))
		return reply(c, MHD_HTTP_METHOD_NOT_ALLOWED, "text/plain", not_allowed, strlen(not_allowed),
			     MHD_RESPMEM_PERSISTENT);
	body = pgn_metrics_render(s->m, &len);
	if (!body)
		return reply(c, MHD_HTTP_INTERNAL_SERVER_ERROR, "text/plain", no_memory, strlen(no_memory),
			     MHD_RESPMEM_PERSISTENT);
	return reply(c, MHD_HTTP_OK, "text/plain; version=0.0.4; charset=utf-8", body, len, MHD_RESPMEM_MUST_FREE);
}

struct pgn_metrics_server *pgn_metrics_serve(const struct pgn_listen *l, struct pgn_metrics *m)
{
	struct pgn_metrics_server *s = calloc(1, sizeof(*s));
	struct sockaddr_storage sa = l->sa;
	unsigned flags = MHD_USE_INTERNAL_POLLING_THREAD | MHD_USE_POLL;

	if (!s)
		return NULL;
	if (sa.ss_family == AF_INET6)
		flags |= MHD_USE_IPv6;
	s->m = m;
	errno = 0;
	s->daemon = MHD_start_daemon(flags, 0, NULL, NULL, on_request, s,
				     MHD_OPTION_SOCK_ADDR, (struct sockaddr *)&sa,
				     MHD_OPTION_CONNECTION_TIMEOUT, (unsigned)CONNECTION_TIMEOUT_S,
				     MHD_OPTION_CONNECTION_LIMIT, (unsigned)CONNECTION_LIMIT,
				     MHD_OPTION_END);
	if (!s->daemon) {
		fprintf(stderr, "pgnetprof: cannot serve metrics on %s: %s; give a free local address and port with --metrics-listen\n",
			l->text, errno ? strerror(errno) : "the HTTP server did not start");
		free(s);
		return NULL;
	}
	return s;
}

void pgn_metrics_server_stop(struct pgn_metrics_server *s)
{
	if (!s)
		return;
	MHD_stop_daemon(s->daemon);
	free(s);
}
