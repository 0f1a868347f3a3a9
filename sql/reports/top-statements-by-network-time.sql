-- Which statements spent the most time on the network: in send/recv calls,
-- and blocked on a full socket (a slow client or network)?
-- psql -f top-statements-by-network-time.sql [-v since=...] [-v limit=20]
\if :{?since} \else \set since '-infinity' \endif
\if :{?limit} \else \set limit 20 \endif
SELECT fingerprint,
       count(*) AS calls,
       round(sum(rx_ns + tx_ns + tx_wait_ns) / 1e6, 3) AS network_ms,
       round(sum(tx_wait_ns) / 1e6, 3) AS tx_wait_ms,
       round(sum(exec_ns) / 1e6, 3) AS exec_ms,
       round(sum(response_ns) / 1e6, 3) AS response_ms,
       left(coalesce(min(normalized), min(query)), 60) AS query
FROM pgnetprof.statements
WHERE "time" >= :'since'
GROUP BY fingerprint
ORDER BY network_ms DESC, fingerprint
LIMIT :limit;
