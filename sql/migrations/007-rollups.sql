-- Version 7: rollups, what a server left traced for months can keep. Per
-- interval (--rollup-interval, 60 s by default) one row per server,
-- normalized statement, database, user, client address and protocol: the
-- statements' counts and sums, and a log2 histogram of their response
-- times, so that percentiles over any range are computed in SQL
-- (pgnetprof.hist_sum, pgnetprof.hist_percentile). The normalized text is
-- stored once per fingerprint, in pgnetprof.fingerprints.
CREATE TABLE pgnetprof.fingerprints (
	fingerprint text PRIMARY KEY,
	normalized text,	-- NULL when libpg_query cannot parse the text
	query text NOT NULL,	-- the first text seen (redacted with --redact)
	first_seen timestamptz NOT NULL
);

CREATE TABLE pgnetprof.statement_rollups (
	host text NOT NULL,
	start timestamptz NOT NULL,	-- the interval [start, start + seconds) the statements completed in
	seconds integer NOT NULL,
	server_port integer,
	data_directory text,
	fingerprint text NOT NULL,
	database text,
	"user" text,
	client_addr inet,		-- NULL: a Unix socket
	protocol text NOT NULL CHECK (protocol IN ('simple', 'extended')),
	calls bigint NOT NULL,
	errors bigint NOT NULL,
	rx_bytes bigint NOT NULL,
	tx_bytes bigint NOT NULL,
	rx_calls bigint NOT NULL,
	tx_calls bigint NOT NULL,
	rx_segs bigint NOT NULL,
	tx_segs bigint NOT NULL,
	rx_ns bigint NOT NULL,
	tx_ns bigint NOT NULL,
	tx_wait_ns bigint NOT NULL,
	exec_ns bigint NOT NULL,
	response_ns bigint NOT NULL,
	max_response_ns bigint NOT NULL,
	retrans bigint NOT NULL,
	-- response times in microseconds: element 1 counts those under 1 us,
	-- element i (i > 1) those in [2^(i-2), 2^(i-1)) us; the last, the rest
	response_hist bigint[] NOT NULL
);
CREATE INDEX statement_rollups_start_brin ON pgnetprof.statement_rollups USING brin (start);
CREATE INDEX statement_rollups_fingerprint ON pgnetprof.statement_rollups (fingerprint, start);

-- the element-wise sum of histograms, and its aggregate
CREATE FUNCTION pgnetprof.hist_add(a bigint[], b bigint[]) RETURNS bigint[]
LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
	SELECT CASE WHEN a IS NULL THEN b WHEN b IS NULL THEN a ELSE
		ARRAY(SELECT coalesce(a[i], 0) + coalesce(b[i], 0)
		      FROM generate_series(1, greatest(cardinality(a), cardinality(b))) i ORDER BY i) END
$$;
CREATE AGGREGATE pgnetprof.hist_sum(bigint[]) (SFUNC = pgnetprof.hist_add, STYPE = bigint[]);

-- The q-quantile (0 < q <= 1) of a histogram, in microseconds: the upper
-- bound of the bucket holding the statement at rank ceil(q * n), so at
-- most twice the true value; NULL for an empty histogram.
CREATE FUNCTION pgnetprof.hist_percentile(h bigint[], q float8) RETURNS float8
LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
	WITH b AS (SELECT i, sum(h[i]) OVER (ORDER BY i) AS cum, sum(h[i]) OVER () AS total
		   FROM generate_series(1, cardinality(h)) i)
	SELECT power(2, min(i) - 1)::float8 FROM b WHERE total > 0 AND cum >= ceil(q * total)
$$;
