-- Which statements moved the most bytes over the network (by fingerprint)?
-- psql -f top-statements-by-bytes.sql [-v since='2026-11-01'] [-v limit=20]
\if :{?since} \else \set since '-infinity' \endif
\if :{?limit} \else \set limit 20 \endif
SELECT fingerprint,
       count(*) AS calls,
       sum(rx_bytes + tx_bytes) AS bytes,
       sum(rx_bytes) AS rx_bytes,
       sum(tx_bytes) AS tx_bytes,
       round(avg(rx_bytes + tx_bytes)) AS bytes_per_call,
       left(coalesce(min(normalized), min(query)), 60) AS query
FROM pgnetprof.statements
WHERE "time" >= :'since'
GROUP BY fingerprint
ORDER BY bytes DESC, fingerprint
LIMIT :limit;
