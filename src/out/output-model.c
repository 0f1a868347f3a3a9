/* --model SECS and --format requests: pt-tcp-model's two stages, live.
 * A statement's arrival is its first request byte, its completion its
 * last response byte (pt-tcp-model's --start-end ts0,end1). Both print in
 * arrival order, once the kernel holds no statement that arrived earlier. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "analysis.h"
#include "model.h"

static struct pgn_model model;
static FILE *model_out;

static void print_interval(const struct pgn_model_interval *iv, void *ctx)
{
	(void)ctx;
	pgn_model_print(model_out, iv);
}

/* "addr:port" without IPv6 brackets, as pt-tcp-model prints tcpdump's */
struct request_client {
	char s[64];
};

static void print_request(const struct pgn_model_request *r, uint64_t id, void *ctx)
{
	const struct request_client *c = r->arg;

	(void)ctx;
	fprintf(model_out, "%6llu %.6f %.6f %9.6f %s\n", (unsigned long long)id, r->start, r->end,
		r->elapsed, c->s);
	free((void *)c);
}

static void model_statement(void *ctx, const struct pgn_stmt_view *v)
{
	FILE *f = ctx;
	struct request_client *c = NULL;

	model_out = f;
	if (!v->arrival_ns || v->completion_ns < v->arrival_ns)
		return;		/* no response (still running when tracing stopped) */
	if (model.on_arrival) {
		c = malloc(sizeof(*c));
		if (!c) {
			model.failed = 1;
			return;
		}
		snprintf(c->s, sizeof(c->s), "%s:%u", v->raddr, v->rport);
	}
	pgn_model_add(&model, v->arrival_ns / 1e9, v->completion_ns / 1e9,
		      (v->completion_ns - v->arrival_ns) / 1e9, c);
}

static void model_tick(void *ctx, int64_t now_ns, int64_t settled_ns)
{
	FILE *f = ctx;

	(void)now_ns;
	model_out = f;
	pgn_model_advance(&model, settled_ns / 1e9);
	fflush(f);
}

static void model_finish(void *ctx, struct pgn_summary *s)
{
	FILE *f = ctx;

	(void)s;
	model_out = f;
	pgn_model_finish(&model);
	if (model.failed)
		fprintf(stderr, "pgnetprof: WARNING: out of memory, the model lost requests\n");
	pgn_model_free(&model);
}

static const struct pgn_output model_output = {
	.statement = model_statement,
	.tick = model_tick,
	.finish = model_finish,
	.needs_settled = 1,
};

const struct pgn_output *pgn_model_output(const struct pgn_model_config *c)
{
	pgn_model_init(&model, c->interval_s, c->quantile);
	model.on_interval = print_interval;
	return &model_output;
}

const struct pgn_output *pgn_requests_output(void)
{
	pgn_model_init(&model, 1, 0.99);
	model.on_interval = NULL;
	model.on_arrival = print_request;
	return &model_output;
}
