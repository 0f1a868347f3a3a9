/*
 * The catalogue of the protocol (v3) messages the wire walk acts on, by
 * their type byte: data read by bpf/wire.h (the sets it looks for) and by
 * docs/design.md. Every other message is framed (its 5-byte header) and
 * passed over; the startup packets, which have no type byte, are read by
 * bpf/handshake.bpf.h.
 *
 * X(direction, type, name, role)
 * - REQUEST (the client's): makes a statement, or ends a cycle (Sync);
 * - ANSWER (the server's): ends an execution's response, or the cycle's.
 */
#ifndef PGNETPROF_PROBES_MESSAGES_H
#define PGNETPROF_PROBES_MESSAGES_H

#define PGN_PROTOCOL_MESSAGES(X)                          \
	X(FRONTEND, 'Q', "Query", REQUEST)               \
	X(FRONTEND, 'P', "Parse", REQUEST)               \
	X(FRONTEND, 'B', "Bind", REQUEST)                \
	X(FRONTEND, 'E', "Execute", REQUEST)             \
	X(FRONTEND, 'F', "FunctionCall", REQUEST)        \
	X(FRONTEND, 'S', "Sync", REQUEST)                \
	X(BACKEND, 'C', "CommandComplete", ANSWER)       \
	X(BACKEND, 'I', "EmptyQueryResponse", ANSWER)    \
	X(BACKEND, 's', "PortalSuspended", ANSWER)       \
	X(BACKEND, 'E', "ErrorResponse", ANSWER)         \
	X(BACKEND, 'Z', "ReadyForQuery", ANSWER)

#endif
