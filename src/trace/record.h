/* A kernel record checked once, for the reorder and the report alike. */
#ifndef PGNETPROF_RECORD_H
#define PGNETPROF_RECORD_H

#include <stddef.h>
#include <stdint.h>
#include <linux/types.h>

#include "pgnetprof.h"

struct pgn_rec_id {
	uint32_t type;		/* enum pgn_record_type */
	uint32_t pid;
	uint32_t seq;		/* the backend's record number */
	uint64_t proc_start_ns;
	int last;		/* a session record: nothing of that backend follows */
};

/* 0 when @rec is a whole statement, session, endpoint or answer record
 * (then *id says whose), -1 when it is none or is cut short. */
int pgn_rec_parse(const void *rec, size_t size, struct pgn_rec_id *id);

#endif
