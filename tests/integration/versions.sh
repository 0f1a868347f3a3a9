#!/bin/bash
# What a PostgreSQL major adds to startup, in every probe set: protocol 3.2
# (PostgreSQL 18 takes it, with a 32-byte cancel key; older servers answer
# NegotiateProtocolVersion) and TLS from the first byte (17's
# sslnegotiation=direct); and a CancelRequest, a connection of its own. Startup bytes exact, statements exact,
# sessions conserved. Run against the host's server and, by
# tests/pg-majors.sh, against 13, 17 and 18.
source "$TESTS_DIR/lib.sh"

pg_init
pg_tls_cert
pg_start -c ssl=on -c autovacuum=off
major=$(($(psql_ -At -c "show server_version_num") / 10000))
diag <<<"PostgreSQL $major"

Q1="select 'v$major'" Q2="select repeat('r', 3000)"
client() {	# client [pgwire.py OPTIONS]: one session, two statements
	python3 "$TESTS_DIR/pgwire.py" "$@" 127.0.0.1 127.0.0.1 "$PGPORT" postgres postgres "$Q1" "$Q2" ||
		bail "pgwire $* failed"
}
# a Query: type, length, text, NUL
RX1=$((1 + 4 + ${#Q1} + 1)) RX2=$((1 + 4 + ${#Q2} + 1))
# the startup message pgwire.py sends: length, version, user and database
STARTUP_RX=$((4 + 4 + 5 + 9 + 9 + 9 + 1))

for set in ${PROBE_SETS:-status wire}; do
	L="[$set] PostgreSQL $major"
	prof_start -f json --probes "$set" "$PG_BIN"
	client
	client --protocol 3.2
	prof_stop
	mapfile -t rx < <(records session | jq .startup_rx_bytes)
	mapfile -t tx < <(records session | jq .startup_tx_bytes)
	eq "$L: two sessions" "${#rx[@]}" 2
	eq "$L: protocol 3.0: startup rx is the startup message" "${rx[0]}" "$STARTUP_RX"
	eq "$L: protocol 3.2: startup rx is the startup message" "${rx[1]}" "$STARTUP_RX"
	# 18: BackendKeyData's key is 32 bytes, not 4; before: NegotiateProtocolVersion
	# (type, length, newest minor version, no unknown options)
	eq "$L: protocol 3.2: startup tx, exactly what the server adds" "$((tx[1] - tx[0]))" \
		"$([ "$major" -ge 18 ] && echo 28 || echo 13)"
	eq "$L: the statements, in both protocols" "$(records statement | jq -r .query | paste -sd'|')" \
		"$Q1|$Q2|$Q1|$Q2"
	eq "$L: request bytes exact, in both protocols" "$(records statement | jq .rx_bytes | paste -sd' ')" \
		"$RX1 $RX2 $RX1 $RX2"
	eq "$L: response bytes the same in both protocols" \
		"$(records statement | jq -s 'map(.tx_bytes) | .[0] == .[2] and .[1] == .[3]')" true
	conserved_both "$L: protocols"

	# a CancelRequest: a connection of its own, 16 bytes, no statement;
	# the statement it cancels fails
	prof_start -f json --probes "$set" "$PG_BIN"
	/usr/bin/python3 - "$PGPORT" <<'PY' || bail "the cancel scenario failed"
import sys, threading, psycopg
conn = psycopg.connect(f"host=127.0.0.1 port={sys.argv[1]} user=postgres dbname=postgres", autocommit=True)
threading.Timer(0.5, conn.cancel).start()
try:
    conn.execute("select pg_sleep(20) as cancelled")
    sys.exit("not cancelled")
except psycopg.errors.QueryCanceled:
    pass
PY
	prof_stop
	eq "$L: the cancelled statement failed" \
		"$(records statement | jq -r 'select(.query | endswith("as cancelled")) | .status')" error
	eq "$L: the CancelRequest's session: its 16 bytes, startup's, and no statement" \
		"$(records session | jq -c 'select(.rx_bytes == 16) | [.startup_rx_bytes, .statements, .tx_bytes]')" "[16,0,0]"
	conserved_both "$L: cancel"

	if [ "$major" -lt 17 ]; then
		skip "$L: direct TLS" "PostgreSQL $major has no sslnegotiation=direct"
		continue
	fi
	prof_start -f json --probes "$set" "$PG_BIN"
	client --tls direct
	prof_stop
	eq "$L: direct TLS: the statements, from the first" \
		"$(records statement | jq -r .query | paste -sd'|')" "$Q1|$Q2"
	[ "$set" = wire ] && eq "$L: direct TLS: user and database from the startup message, read in clear" \
		"$(records statement | jq -c '[.user, .database]' | sort -u)" '["postgres","postgres"]'

	check "$L: direct TLS: the handshake is startup cost" \
		test "$(records session | jq .startup_rx_bytes)" -gt "$STARTUP_RX"
	check "$L: direct TLS: a statement's bytes are ciphertext (more than its $RX1 plaintext bytes)" \
		test "$(records statement | jq --arg q "$Q1" 'select(.query == $q) | .rx_bytes')" -gt "$RX1"
	eq "$L: direct TLS: encrypted sessions counted" \
		"$(jq 'select(.type == "summary") | .encrypted_sessions' "$WORK/out")" "$([ "$set" = wire ] && echo 1 || echo 0)"
	conserved_both "$L: direct TLS"
done
done_testing
