/* The two clocks: monotonic since boot (the kernel's bpf_ktime_get_ns, so
 * every time in a record) and real (what is printed and stored). */
#ifndef PGNETPROF_CLOCK_H
#define PGNETPROF_CLOCK_H

#include <stdint.h>
#include <time.h>

static inline uint64_t pgn_mono_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1000000000ULL + ts.tv_nsec;
}

static inline int64_t pgn_real_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return ts.tv_sec * 1000000000LL + ts.tv_nsec;
}

/* what turns a record's monotonic time into the real one */
static inline int64_t pgn_mono_to_real_ns(void)
{
	return pgn_real_ns() - (int64_t)pgn_mono_ns();
}

/* ms from now on the real clock, as pthread_cond_timedwait takes it */
static inline struct timespec pgn_deadline_ms(uint64_t ms)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	ts.tv_sec += ms / 1000;
	ts.tv_nsec += (ms % 1000) * 1000000;
	if (ts.tv_nsec >= 1000000000)
		ts.tv_sec++, ts.tv_nsec -= 1000000000;
	return ts;
}

static inline struct timespec pgn_deadline(unsigned secs)
{
	return pgn_deadline_ms(secs * 1000ULL);
}

#endif
