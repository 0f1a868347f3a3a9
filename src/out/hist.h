#ifndef PGNETPROF_HIST_H
#define PGNETPROF_HIST_H

#include <stdint.h>
#include <stdio.h>

#define PGN_HIST_SLOTS 64

/* A log2 histogram as bcc's tools keep them: slot i counts values in
 * [2^i, 2^(i+1)), slot 0 counts 0 and 1. */
struct pgn_hist {
	uint64_t slots[PGN_HIST_SLOTS];
	uint64_t count;
	uint64_t sum;
};

unsigned pgn_hist_slot(uint64_t v);
void pgn_hist_add(struct pgn_hist *h, uint64_t v);
/* bcc's print_log2_hist layout: "     usecs : count    distribution". */
void pgn_hist_print(FILE *f, const struct pgn_hist *h, const char *unit);

#endif
