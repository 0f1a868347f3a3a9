-- Version 3: the session's TCP handshake (SYN-ACK sent to its ACK, the
-- kernel's first RTT sample), the JSON field "handshake_us"; NULL when not
-- seen (Unix sockets, connections accepted before tracing began).
ALTER TABLE pgnetprof.sessions ADD COLUMN handshake_us bigint;
