-- How did traffic and network time per statement change hour by hour?
-- psql -f hourly.sql [-v since=...]
\if :{?since} \else \set since '-infinity' \endif
SELECT date_trunc('hour', "time") AS hour,
       host,
       count(*) AS statements,
       sum(rx_bytes) AS rx_bytes,
       sum(tx_bytes) AS tx_bytes,
       round(avg(rx_ns + tx_ns + tx_wait_ns) / 1e3, 1) AS network_us_per_stmt,
       round(avg(response_ns) / 1e3, 1) AS response_us_per_stmt,
       count(*) FILTER (WHERE status = 'error') AS errors
FROM pgnetprof.statements
WHERE "time" >= :'since'
GROUP BY 1, 2
ORDER BY 1, 2;
