-- From the rollups: p50 and p99 response of each normalized statement,
-- bucket by bucket of time (an hour by default), over a range.
-- psql -f rollup-percentiles.sql [-v since=...] [-v until=...] [-v bucket=hour|day|minute]
--      [-v fingerprint=HEX]
\if :{?since} \else \set since '-infinity' \endif
\if :{?until} \else \set until 'infinity' \endif
\if :{?bucket} \else \set bucket hour \endif
\if :{?fingerprint} \else \set fingerprint '' \endif
SELECT date_trunc(:'bucket', start) AS period,
       fingerprint,
       sum(calls) AS calls,
       pgnetprof.hist_percentile(pgnetprof.hist_sum(response_hist), 0.5) AS p50_us,
       pgnetprof.hist_percentile(pgnetprof.hist_sum(response_hist), 0.99) AS p99_us,
       round(max(max_response_ns) / 1e3, 1) AS max_us
FROM pgnetprof.statement_rollups
WHERE start >= :'since' AND start < :'until' AND (:'fingerprint' = '' OR fingerprint = :'fingerprint')
GROUP BY 1, 2
ORDER BY 1, calls DESC, 2;
