-- Version 4: traffic on the backend's other sockets (postgres_fdw, dblink,
-- replication), the JSON fields "outbound_rx_bytes" and "outbound_tx_bytes".
ALTER TABLE pgnetprof.statements
	ADD COLUMN outbound_rx_bytes bigint NOT NULL DEFAULT 0,
	ADD COLUMN outbound_tx_bytes bigint NOT NULL DEFAULT 0;
ALTER TABLE pgnetprof.sessions
	ADD COLUMN outbound_rx_bytes bigint NOT NULL DEFAULT 0,
	ADD COLUMN outbound_tx_bytes bigint NOT NULL DEFAULT 0;
