-- Which client addresses cost the most bytes, and which have the worst RTT?
-- psql -f clients.sql [-v since=...]
\if :{?since} \else \set since '-infinity' \endif
SELECT host,
       coalesce(host(client_addr), '[local]') AS client,
       count(*) AS statements,
       count(DISTINCT session) AS sessions,
       sum(rx_bytes) AS rx_bytes,
       sum(tx_bytes) AS tx_bytes,
       round(avg(srtt_us)) AS avg_srtt_us,
       max(srtt_us) AS max_srtt_us,
       sum(retrans) AS retrans
FROM pgnetprof.statements
WHERE "time" >= :'since'
GROUP BY host, client_addr
ORDER BY sum(rx_bytes + tx_bytes) DESC, client;
