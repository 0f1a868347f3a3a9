/*
 * The catalogue of the USDT probes pgnetprof uses, and of the probe sets
 * (--probes) made of them: data read by the code (which probes a binary
 * has, what a set attaches, what it needs) and by docs/design.md.
 *
 * The probes are the "postgresql" provider's (src/backend/utils/probes.d),
 * compiled in with --enable-dtrace as systemtap sdt.h sites (a 1-byte nop,
 * so every hit is an int3 trap). PostgreSQL 13 to 18 have all six, with
 * the same arguments: tests/pg-majors.sh traces each of them.
 */
#ifndef PGNETPROF_PROBES_USDT_H
#define PGNETPROF_PROBES_USDT_H

/* X(ID, name, text: its first argument is the statement's text, fires) */
#define PGN_USDT_PROBES(X)                                                                        \
	X(STATUS, "statement__status", 1,                                                        \
	  "pgstat_report_activity: the text when a statement starts, NULL when the backend goes idle") \
	X(QUERY_START, "query__start", 1, "exec_simple_query: a Query's text, before parsing")   \
	X(QUERY_DONE, "query__done", 0, "a Query completed (never for one that fails)")          \
	X(EXECUTE_START, "query__execute__start", 0, "PortalRun begins")                         \
	X(EXECUTE_DONE, "query__execute__done", 0, "PortalRun returns")                          \
	X(ABORT, "transaction__abort", 0, "a transaction aborts: its statement failed")

enum pgn_usdt {
#define PGN_USDT_ENUM(id, name, text, fires) PGN_USDT_##id,
	PGN_USDT_PROBES(PGN_USDT_ENUM)
#undef PGN_USDT_ENUM
	PGN_USDT_COUNT
};

#define PGN_USDT_BIT(id) (1u << PGN_USDT_##id)

/*
 * X(ID, name, attaches, per_backend, fallback)
 * - attaches: the probes attached for every process of the binary; the set
 *   needs them all. transaction__abort goes with every set that attaches
 *   any probe, where the binary has it (it fires only on failure).
 * - per_backend: attached to one encrypted backend alone (wire only).
 * - fallback: the set to suggest when the binary lacks a needed probe.
 */
#define PGN_PROBE_SETS(X)                                                                          \
	X(STATUS, "status", PGN_USDT_BIT(STATUS), 0, WIRE)                                        \
	X(QUERY, "query", PGN_USDT_BIT(QUERY_START) | PGN_USDT_BIT(QUERY_DONE), 0, STATUS)        \
	X(FULL, "full", PGN_USDT_BIT(STATUS) | PGN_USDT_BIT(EXECUTE_START) | PGN_USDT_BIT(EXECUTE_DONE), \
	  0, STATUS)                                                                              \
	X(WIRE, "wire", 0, PGN_USDT_BIT(STATUS) | PGN_USDT_BIT(ABORT), WIRE)

/* Which probes mark statements (see --probes). */
enum pgn_probe_set {
#define PGN_PROBE_SET_ENUM(id, name, attaches, per_backend, fallback) PGN_PROBES_##id,
	PGN_PROBE_SETS(PGN_PROBE_SET_ENUM)
#undef PGN_PROBE_SET_ENUM
	PGN_PROBE_SET_COUNT
};

/* query__done is the only end the query set sees, and a statement that
 * fails never fires it: one still running at the backend's exit failed.
 * The other sets see every end, so one running then was cut short. */
#define PGN_SET_ACTIVE_AT_EXIT_FAILED(set) ((set) == PGN_PROBES_QUERY)

#endif
