#ifndef PGNETPROF_MODEL_H
#define PGNETPROF_MODEL_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

/* pt-tcp-model's second stage (--type=requests), fed live: requests
 * (arrival, completion) in any order; processed in time order once no
 * earlier event can still come (see pgn_model_advance). Times are epoch
 * seconds. */
struct pgn_model_interval {
	double ts;		/* start of the interval (a multiple of its length) */
	double concurrency;	/* weighted_time / obs_time */
	double throughput;	/* arrivals / obs_time */
	uint64_t arrivals;
	uint64_t completions;
	double busy_time;	/* time with at least one request in progress */
	double weighted_time;	/* request-seconds in progress during the interval */
	double sum_time;	/* response times of the arrivals */
	double variance_mean;	/* their variance / mean */
	double quantile_time;	/* their quantile */
	double obs_time;	/* length observed: shorter for the first and last */
};

struct pgn_model_request {
	double start, end;
	double at;		/* when its arrival is processed: start, or later when
				 * it came after its time was processed (carried over) */
	double elapsed;		/* its response time (pt-tcp-model reads it as given) */
	const void *arg;	/* handed back to on_arrival */
};

struct pgn_model {
	double interval, quantile;
	void (*on_interval)(const struct pgn_model_interval *iv, void *ctx);
	/* each request as its arrival is processed, in arrival order */
	void (*on_arrival)(const struct pgn_model_request *r, uint64_t id, void *ctx);
	void *ctx;
	/* requests whose arrival is not processed yet */
	struct pgn_model_request *pending;
	size_t npending, cap_pending;
	/* completions of arrived requests: a min-heap */
	double *ends;
	size_t nends, cap_ends;
	/* response times of this interval's arrivals */
	double *times;
	size_t ntimes, cap_times;
	uint64_t next_id;
	uint64_t carried;	/* requests carried over */
	double until;		/* events before it are processed */
	int started;
	double t_start, current_ts;
	long in_progress;
	double busy, weighted, last_busy, last_weighted;
	uint64_t completions, last_completions;
	int failed;		/* out of memory: requests were lost */
};

void pgn_model_init(struct pgn_model *m, double interval, double quantile);
/* A request whose start was already processed (it ran past the time the
 * caller promised no earlier request would come) is carried over: it
 * arrives at that time instead, in progress from then, its response time
 * its own. */
void pgn_model_add(struct pgn_model *m, double start, double end, double elapsed, const void *arg);
/* Processes every event before `until`: no request that starts earlier is
 * to come, but for ones that run longer than the caller waits (carried). */
void pgn_model_advance(struct pgn_model *m, double until);
/* Processes everything and emits the last, shorter interval. */
void pgn_model_finish(struct pgn_model *m);
void pgn_model_free(struct pgn_model *m);
/* pt-tcp-model's line for an interval. */
void pgn_model_print(FILE *f, const struct pgn_model_interval *iv);

#endif
