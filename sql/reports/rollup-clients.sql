-- From the rollups: traffic per client address over a range (NULL: Unix sockets).
-- psql -f rollup-clients.sql [-v since=...] [-v until=...]
\if :{?since} \else \set since '-infinity' \endif
\if :{?until} \else \set until 'infinity' \endif
SELECT host,
       client_addr,
       sum(calls) AS statements,
       sum(errors) AS errors,
       sum(rx_bytes) AS rx_bytes,
       sum(tx_bytes) AS tx_bytes,
       round(sum(tx_wait_ns) / 1e9, 3) AS tx_wait_s,
       sum(retrans) AS retrans
FROM pgnetprof.statement_rollups
WHERE start >= :'since' AND start < :'until'
GROUP BY 1, 2
ORDER BY sum(rx_bytes + tx_bytes) DESC, 1, 2;
