-- Which sessions moved the most bytes, and what did connecting cost them?
-- psql -f sessions.sql [-v since=...] [-v limit=20]
\if :{?since} \else \set since '-infinity' \endif
\if :{?limit} \else \set limit 20 \endif
SELECT host, session, pid, "user", database, client, transport,
       start, "end" - start AS duration, open,
       statements,
       rx_bytes, tx_bytes,
       startup_rx_bytes + startup_tx_bytes AS startup_bytes,
       round(startup_ns / 1e6, 3) AS startup_ms,
       handshake_us,
       unattributed_rx_bytes + unattributed_tx_bytes AS unattributed_bytes
FROM pgnetprof.sessions
WHERE start >= :'since'
ORDER BY rx_bytes + tx_bytes DESC, session
LIMIT :limit;
