-- pgnetprof results schema, version 1: one row per statement and per session,
-- a column for every field of the JSON Lines contract (same names), plus the
-- host that traced it. Times are timestamptz, durations bigint nanoseconds
-- (as in the JSON), client addresses also as inet for grouping.
--
-- No unique keys: two pgnetprof runs may both report a session that was open
-- while they traced, and a duplicate must never make the writer drop a batch.
-- Rows arrive in time order, so BRIN indexes on time stay small and precise.

CREATE TABLE pgnetprof.statements (
	host text NOT NULL,
	"time" timestamptz NOT NULL,
	pid integer NOT NULL,
	session text NOT NULL,
	"user" text,
	database text,
	client text,
	client_addr inet,
	query text NOT NULL,
	fingerprint text NOT NULL,
	protocol text NOT NULL CHECK (protocol IN ('simple', 'extended')),
	status text NOT NULL CHECK (status IN ('ok', 'error')),
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
	srtt_us bigint NOT NULL,
	retrans bigint NOT NULL
);
CREATE INDEX statements_time_brin ON pgnetprof.statements USING brin ("time");
CREATE INDEX statements_session ON pgnetprof.statements (host, session);
CREATE INDEX statements_fingerprint ON pgnetprof.statements (fingerprint, "time");

CREATE TABLE pgnetprof.sessions (
	host text NOT NULL,
	session text NOT NULL,
	pid integer NOT NULL,
	"user" text,
	database text,
	client text,
	client_addr inet,
	transport text CHECK (transport IN ('tcp4', 'tcp6', 'unix')),
	start timestamptz NOT NULL,
	"end" timestamptz NOT NULL,
	open boolean NOT NULL,	-- still open when tracing ended: "end" is the trace's end
	statements bigint NOT NULL,
	rx_bytes bigint NOT NULL,
	tx_bytes bigint NOT NULL,
	rx_calls bigint NOT NULL,
	tx_calls bigint NOT NULL,
	startup_rx_bytes bigint NOT NULL,
	startup_tx_bytes bigint NOT NULL,
	startup_ns bigint NOT NULL,
	unattributed_rx_bytes bigint NOT NULL,
	unattributed_tx_bytes bigint NOT NULL
);
CREATE INDEX sessions_start_brin ON pgnetprof.sessions USING brin (start);
CREATE INDEX sessions_session ON pgnetprof.sessions (host, session);
