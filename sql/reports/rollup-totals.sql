-- From the rollups: totals per hour (or -v bucket=day) and host over a range.
-- psql -f rollup-totals.sql [-v since=...] [-v until=...] [-v bucket=hour|day]
\if :{?since} \else \set since '-infinity' \endif
\if :{?until} \else \set until 'infinity' \endif
\if :{?bucket} \else \set bucket hour \endif
SELECT date_trunc(:'bucket', start) AS period,
       host,
       sum(calls) AS statements,
       sum(errors) AS errors,
       sum(rx_bytes) AS rx_bytes,
       sum(tx_bytes) AS tx_bytes,
       round(sum(rx_ns + tx_ns + tx_wait_ns) / 1e3 / nullif(sum(calls), 0), 1) AS network_us_per_stmt,
       round(sum(response_ns) / 1e3 / nullif(sum(calls), 0), 1) AS response_us_per_stmt,
       pgnetprof.hist_percentile(pgnetprof.hist_sum(response_hist), 0.99) AS p99_us
FROM pgnetprof.statement_rollups
WHERE start >= :'since' AND start < :'until'
GROUP BY 1, 2
ORDER BY 1, 2;
