-- From the rollups (every statement, whatever --store-statements keeps):
-- the normalized statements that cost most over a range, with their p50
-- and p99 response (from the summed histograms: a bucket's upper bound).
-- psql -f rollup-top-statements.sql [-v since=...] [-v until=...]
--      [-v order=bytes|network] [-v limit=20]
\if :{?since} \else \set since '-infinity' \endif
\if :{?until} \else \set until 'infinity' \endif
\if :{?order} \else \set order bytes \endif
\if :{?limit} \else \set limit 20 \endif
SELECT r.fingerprint,
       sum(calls) AS calls,
       sum(errors) AS errors,
       sum(rx_bytes + tx_bytes) AS bytes,
       round(sum(rx_ns + tx_ns + tx_wait_ns) / 1e9, 3) AS network_s,
       round(sum(response_ns) / 1e3 / sum(calls), 1) AS mean_us,
       pgnetprof.hist_percentile(pgnetprof.hist_sum(response_hist), 0.5) AS p50_us,
       pgnetprof.hist_percentile(pgnetprof.hist_sum(response_hist), 0.99) AS p99_us,
       left(coalesce(f.normalized, f.query), 60) AS query
FROM pgnetprof.statement_rollups r
LEFT JOIN pgnetprof.fingerprints f USING (fingerprint)
WHERE start >= :'since' AND start < :'until'
GROUP BY r.fingerprint, f.normalized, f.query
ORDER BY CASE :'order' WHEN 'network' THEN sum(rx_ns + tx_ns + tx_wait_ns) ELSE sum(rx_bytes + tx_bytes) END DESC,
         r.fingerprint
LIMIT :limit;
