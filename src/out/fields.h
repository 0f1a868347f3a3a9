/*
 * The fields of statement and session records, one table each: the JSON
 * writer, the store's COPY rows and its column lists all follow them, so
 * adding a field is one line here and a migration (docs/output.md's tables
 * are checked against them, tests/integration/store.sh). The summary's
 * counters have a table too, JSON only.
 *
 * X(name, kind, where, value), in output order, with v the view, r its
 * kernel record and t that record's traffic in scope:
 *   kind   STR   a C string (stored NULL when empty)
 *          STRN  the same, and JSON null when empty
 *          TEXT  a struct pgn_span, never NULL
 *          OPT   a C string or NULL (null in both)
 *          NUM   an unsigned number
 *          NUMN  the same, 0 for unknown (null in both)
 *          BOOL  true or false
 *   where  B  both outputs;  J  JSON only;  S  the store only (after the
 *          host column that every stored row begins with; client_addr is
 *          the address part of client, for an inet column)
 */
#ifndef PGNETPROF_FIELDS_H
#define PGNETPROF_FIELDS_H

#include <stddef.h>

struct pgn_span {
	const char *p;
	size_t len;
};

#define PGN_WHO_FIELDS(X)                                                     \
	X(user, STRN, B, v->who.user)                                          \
	X(database, STRN, B, v->who.database)                                  \
	X(client, STRN, B, v->client)                                          \
	X(client_addr, STR, S, client_addr)                                    \
	X(server_pid, NUMN, B, v->server ? v->server->pid : 0)                 \
	X(server_port, NUMN, B, v->server ? v->server->port : 0)               \
	X(data_directory, STRN, B, v->server ? v->server->data_directory : "")

#define PGN_STATEMENT_FIELDS(X)                                               \
	X(time, STR, B, v->time)                                               \
	X(pid, NUM, B, r->pid)                                                 \
	X(ns_pid, NUMN, B, v->ns_pid)                                          \
	X(session, STR, B, v->session)                                         \
	PGN_WHO_FIELDS(X)                                                      \
	X(query, TEXT, B, ((struct pgn_span){ v->query, v->query_len }))      \
	X(fingerprint, STR, B, v->fingerprint)                                 \
	X(normalized, OPT, B, v->normalized)                                   \
	X(protocol, STRN, B, v->protocol)                                      \
	X(status, STRN, B, v->error ? "error" : "ok")                          \
	X(pipelined, BOOL, B, r->pipelined)                                    \
	X(rx_bytes, NUM, B, t->rx.bytes)                                       \
	X(tx_bytes, NUM, B, t->tx.bytes)                                       \
	X(rx_calls, NUM, B, t->rx.calls)                                       \
	X(tx_calls, NUM, B, t->tx.calls)                                       \
	X(rx_segs, NUM, B, t->rx.segs)                                         \
	X(tx_segs, NUM, B, t->tx.segs)                                         \
	X(rx_ns, NUM, B, t->rx.ns)                                             \
	X(tx_ns, NUM, B, t->tx.ns)                                             \
	X(tx_wait_ns, NUM, B, t->tx_wait_ns)                                   \
	X(exec_ns, NUM, B, v->exec_ns)                                         \
	X(response_ns, NUM, B, v->response_ns)                                 \
	X(srtt_us, NUM, B, r->srtt_us)                                         \
	X(retrans, NUM, B, t->retrans)                                         \
	X(outbound_rx_bytes, NUM, B, r->out_rx_bytes)                          \
	X(outbound_tx_bytes, NUM, B, r->out_tx_bytes)

#define PGN_SESSION_FIELDS(X)                                                 \
	X(session, STR, B, v->session)                                         \
	X(pid, NUM, B, r->pid)                                                 \
	X(ns_pid, NUMN, B, v->ns_pid)                                          \
	PGN_WHO_FIELDS(X)                                                      \
	X(transport, STRN, B, pgn_transport_name(r->ep.transport))             \
	X(start, STR, B, v->start)                                             \
	X(end, STR, B, v->end)                                                 \
	X(open, BOOL, S, v->open)                                              \
	X(statements, NUM, B, v->statements)                                   \
	X(rx_bytes, NUM, B, r->total.rx.bytes)                                 \
	X(tx_bytes, NUM, B, r->total.tx.bytes)                                 \
	X(rx_calls, NUM, B, r->total.rx.calls)                                 \
	X(tx_calls, NUM, B, r->total.tx.calls)                                 \
	X(startup_rx_bytes, NUM, B, r->startup.rx.bytes)                       \
	X(startup_tx_bytes, NUM, B, r->startup.tx.bytes)                       \
	X(startup_ns, NUM, B, v->startup_ns)                                   \
	X(handshake_us, NUMN, B, r->handshake_us)                              \
	X(unattributed_rx_bytes, NUM, B, r->unattributed.rx.bytes)             \
	X(unattributed_tx_bytes, NUM, B, r->unattributed.tx.bytes)             \
	X(outbound_rx_bytes, NUM, B, r->out_rx_bytes)                          \
	X(outbound_tx_bytes, NUM, B, r->out_tx_bytes)

/* The summary's counters, after its "seconds" (JSON only: the text
 * summary is a sentence) */
#define PGN_SUMMARY_FIELDS(X)                                                 \
	X(statements, NUM, J, s->statements)                                   \
	X(filtered, NUM, J, s->filtered)                                       \
	X(sessions, NUM, J, s->sessions)                                       \
	X(rx_bytes, NUM, J, s->rx_bytes)                                       \
	X(tx_bytes, NUM, J, s->tx_bytes)                                       \
	X(lost_records, NUM, J, s->lost_records)                               \
	X(lost_backends, NUM, J, s->lost_backends)                             \
	X(wire_lost_sessions, NUM, J, s->wire_lost)                            \
	X(encrypted_sessions, NUM, J, s->wire_encrypted)                       \
	X(probe_hits, NUM, J, s->probe_hits)                                   \
	X(stored, NUM, J, s->stored)                                           \
	X(store_dropped, NUM, J, s->store_dropped)

/* The stored columns, as one string: host, then each field stored. */
#define PGN_COLUMN_B(name) ", \"" #name "\""
#define PGN_COLUMN_S(name) PGN_COLUMN_B(name)
#define PGN_COLUMN_J(name)
#define PGN_COLUMN(name, kind, where, value) PGN_COLUMN_##where(name)
#define PGN_STATEMENT_COLUMNS "host" PGN_STATEMENT_FIELDS(PGN_COLUMN)
#define PGN_SESSION_COLUMNS "host" PGN_SESSION_FIELDS(PGN_COLUMN)

#endif
