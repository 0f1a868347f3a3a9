/* The interval model of Percona's pt-tcp-model (TCPRequestAggregator),
 * same definitions and quirks, so its USL tooling reads our output:
 * - the first interval starts at the first event, later ones at multiples
 *   of the interval; an interval is closed by the first event beyond it,
 *   so idle intervals merge into the one before them;
 * - arrivals, sum_time, variance_mean and quantile_time are of the
 *   requests that arrived in the interval; at equal times an arrival is
 *   processed before a completion;
 * - the quantile is the value at rank round(n * q) (at rank n when that
 *   rounds to 0).
 * Fed live, it adds one rule: a request that comes after its arrival's time
 * was processed is carried over (pgn_model_add), so that one long request
 * does not hold every interval back. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "model.h"

void pgn_model_init(struct pgn_model *m, double interval, double quantile)
{
	memset(m, 0, sizeof(*m));
	m->interval = interval;
	m->quantile = quantile;
}

void pgn_model_free(struct pgn_model *m)
{
	free(m->pending);
	free(m->ends);
	free(m->times);
	m->pending = NULL;
	m->ends = m->times = NULL;
}

static int grow(void **p, size_t *cap, size_t need, size_t elem)
{
	size_t n = *cap ? *cap : 64;
	void *q;

	if (need <= *cap)
		return 0;
	while (n < need)
		n *= 2;
	q = realloc(*p, n * elem);
	if (!q)
		return -1;
	*p = q;
	*cap = n;
	return 0;
}

void pgn_model_add(struct pgn_model *m, double start, double end, double elapsed, const void *arg)
{
	if (grow((void **)&m->pending, &m->cap_pending, m->npending + 1, sizeof(*m->pending))) {
		m->failed = 1;
		return;
	}
	if (end < start)
		end = start;
	m->pending[m->npending++] = (struct pgn_model_request){ start, end, start, elapsed, arg };
	if (start < m->until) {
		m->pending[m->npending - 1].at = end > m->until ? m->until : end;
		m->carried++;
	}
}

static void heap_push(struct pgn_model *m, double v)
{
	size_t i;

	if (grow((void **)&m->ends, &m->cap_ends, m->nends + 1, sizeof(double))) {
		m->failed = 1;
		return;
	}
	for (i = m->nends++; i && m->ends[(i - 1) / 2] > v; i = (i - 1) / 2)
		m->ends[i] = m->ends[(i - 1) / 2];
	m->ends[i] = v;
}

static double heap_pop(struct pgn_model *m)
{
	double top = m->ends[0], last = m->ends[--m->nends];
	size_t i = 0, c;

	while ((c = 2 * i + 1) < m->nends) {
		if (c + 1 < m->nends && m->ends[c + 1] < m->ends[c])
			c++;
		if (m->ends[c] >= last)
			break;
		m->ends[i] = m->ends[c];
		i = c;
	}
	if (m->nends)
		m->ends[i] = last;
	return top;
}

static int by_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return (x > y) - (x < y);
}

static int by_arrival(const void *a, const void *b)
{
	return by_double(&((const struct pgn_model_request *)a)->at,
			 &((const struct pgn_model_request *)b)->at);
}

static void close_interval(struct pgn_model *m, double t_end)
{
	struct pgn_model_interval iv = { 0 };
	size_t n = m->ntimes, rank;
	double obs = t_end - m->t_start, mean, var = 0;

	qsort(m->times, n, sizeof(double), by_double);
	for (size_t i = 0; i < n; i++)
		iv.sum_time += m->times[i];
	mean = iv.sum_time / (n ? n : 1);
	for (size_t i = 0; i < n; i++)
		var += (m->times[i] - mean) * (m->times[i] - mean);
	var = n ? var / n : 0;
	rank = (size_t)rint(n * m->quantile);	/* round half to even, like Perl's %.0f */
	iv.ts = floor(m->current_ts / m->interval) * m->interval;
	iv.arrivals = n;
	iv.completions = m->completions - m->last_completions;
	iv.busy_time = m->busy - m->last_busy;
	iv.weighted_time = m->weighted - m->last_weighted;
	iv.concurrency = iv.weighted_time / obs;
	iv.throughput = n / obs;
	iv.variance_mean = var / (mean ? mean : 1);
	iv.quantile_time = n ? m->times[rank ? rank - 1 : n - 1] : 0;
	iv.obs_time = obs;
	if (m->on_interval)
		m->on_interval(&iv, m->ctx);
	m->t_start = m->current_ts = t_end;
	m->last_busy = m->busy;
	m->last_weighted = m->weighted;
	m->last_completions = m->completions;
	m->ntimes = 0;
}

/* Time passes up to t with the requests in progress. */
static void elapse(struct pgn_model *m, double t)
{
	if (m->in_progress) {
		m->busy += t - m->current_ts;
		m->weighted += (t - m->current_ts) * m->in_progress;
	}
}

/* One event: first closes the interval(s) it lies beyond. */
static void event(struct pgn_model *m, double t)
{
	double boundary = floor(t / m->interval) * m->interval;

	if (!m->started) {
		m->started = 1;
		m->t_start = m->current_ts = t;
	}
	if (boundary > m->t_start) {
		elapse(m, boundary);
		close_interval(m, boundary);
	}
	elapse(m, t);
	m->current_ts = t;
}

static void arrival(struct pgn_model *m, const struct pgn_model_request *r)
{
	event(m, r->at);
	m->in_progress++;
	if (grow((void **)&m->times, &m->cap_times, m->ntimes + 1, sizeof(double)))
		m->failed = 1;
	else
		m->times[m->ntimes++] = r->elapsed;
	heap_push(m, r->end);
	if (m->on_arrival)
		m->on_arrival(r, m->next_id, m->ctx);
	m->next_id++;
}

static void completion(struct pgn_model *m)
{
	event(m, heap_pop(m));
	m->in_progress--;
	m->completions++;
}

void pgn_model_advance(struct pgn_model *m, double until)
{
	size_t i = 0;

	qsort(m->pending, m->npending, sizeof(*m->pending), by_arrival);
	for (;;) {
		int have_arrival = i < m->npending && m->pending[i].at < until;
		int have_completion = m->nends && m->ends[0] < until;

		if (have_completion && (!have_arrival || m->ends[0] < m->pending[i].at))
			completion(m);
		else if (have_arrival)
			arrival(m, &m->pending[i++]);
		else
			break;
	}
	memmove(m->pending, m->pending + i, (m->npending - i) * sizeof(*m->pending));
	m->npending -= i;
	if (until > m->until)
		m->until = until;
}

void pgn_model_print(FILE *f, const struct pgn_model_interval *iv)
{
	fprintf(f, "%.15g %5.2f %9.3f %5llu %5llu %.6f %.6f %.6f %.6f %.6f %.6f\n",
		iv->ts, iv->concurrency, iv->throughput, (unsigned long long)iv->arrivals,
		(unsigned long long)iv->completions, iv->busy_time, iv->weighted_time, iv->sum_time,
		iv->variance_mean, iv->quantile_time, iv->obs_time);
}

void pgn_model_finish(struct pgn_model *m)
{
	pgn_model_advance(m, INFINITY);
	if (m->started && m->t_start < m->current_ts)
		close_interval(m, m->current_ts);
}
