#!/bin/bash
# Real client drivers (psycopg 3, asyncpg) through a wire-level proxy that
# logs every message (tests/wireproxy.py), in each probe set: one record
# per execution with its text and status, the bytes of each cycle's records
# exactly the cycle's (in the wire set, each execution's exactly its own),
# and what the server sent while idle unattributed
# (tests/drivers.py says which scenario checks what); the Prometheus
# metrics, per fingerprint, agree with those records.
source "$TESTS_DIR/lib.sh"
PY=/usr/bin/python3	# Debian's, with python3-psycopg and python3-asyncpg

pg_init
pg_tls_cert
pg_start -c autovacuum=off -c ssl=on
MPORT=$(free_port) || bail "no free port"
# proxy PORT [tls]: the oracle on PORT (speaking TLS to the server with
# tls), its own output apart, and gone with the test however it ends: a
# proxy left behind would hold the runner's pipe open (tests/pg-majors.sh
# waited on one for ever after a bail-out)
PROXY_PIDS=
trap 'kill $PROXY_PIDS 2>/dev/null; cleanup' EXIT
proxy() {
	"$PY" "$TESTS_DIR/wireproxy.py" "$1" "$PGPORT" "$WORK/proxy.log" ${2:-} >>"$WORK/proxy.out" 2>&1 &
	PROXY_PIDS="$PROXY_PIDS $!"
	for _ in $(seq 1 100); do
		ss -Htln "( sport = :$1 )" | grep -q . && break
		sleep 0.1
	done
}
PROXY_PORT=$(free_port) || bail "no free port"
proxy "$PROXY_PORT"
TLS_PORT=$(free_port) || bail "no free port"
proxy "$TLS_PORT" tls

# drivers LABEL PROBES PORT [CHECK FLAGS]: the scenarios through the proxy
# on PORT, traced with PROBES, checked
drivers() {
	local label=$1 probes=$2 port=$3 only rc size
	shift 3
	only=$([ "$probes" = query ] && echo --simple-only)
	: >"$WORK/proxy.log"
	prof_start -f json --probes "$probes" --metrics-listen "127.0.0.1:$MPORT" --metrics-top 10000
	"$PY" "$TESTS_DIR/drivers.py" run "$port" $only 2>"$WORK/drivers.err"
	rc=$?
	ok $rc "[$label] the drivers' scenarios ran"
	[ $rc -eq 0 ] || diag "$WORK/drivers.err"
	# the drivers are done: once their records are out (the output still
	# for a second; a slow guest takes longer), the metrics hold them all
	for _ in $(seq 30); do
		size=$(stat -c %s "$WORK/out")
		sleep 1
		[ "$(stat -c %s "$WORK/out")" = "$size" ] && break
	done
	"$PY" "$TESTS_DIR/metrics.py" scrape "http://127.0.0.1:$MPORT/metrics" "$WORK/metrics"
	ok $? "[$label] /metrics scraped"
	cp "$WORK/out" "$WORK/out-scraped"
	prof_stop
	checks "[$label] metrics: " "$PY" "$TESTS_DIR/metrics.py" check "$WORK/metrics" "$WORK/out-scraped" 10000 1
	"$PY" "$TESTS_DIR/drivers.py" check "$WORK/proxy.log" "$WORK/out" $only "$@" |
		sed -E "s/^(ok|not ok) [0-9]+ - /\\1 - [$label] /; /^1\\.\\./d" >"$WORK/tap"
	while read -r status rest; do
		if [ "$status" = ok ]; then ok 0 "${rest#- }"; else ok 1 "${rest#*- }"; fi
	done <"$WORK/tap"
}

# query probes do not see the extended protocol: the simple scenarios only;
# the wire set splits a pipeline's or batch's response per execution
for probes in ${PROBE_SETS:-status full query wire}; do
	drivers "$probes" "$probes" "$PROXY_PORT" $([ "$probes" = wire ] && echo --per-execution)
done
# the wire set reads a TLS session in clear: the same records, each
# execution's bytes at least its plaintext's
if [[ " ${PROBE_SETS:-wire} " == *" wire "* ]]; then
	drivers "wire, TLS" wire "$TLS_PORT" --per-execution --tls
	check "[wire, TLS] the drivers' sessions were TLS" \
		test "$(jq 'select(.type == "summary") | .encrypted_sessions' "$WORK/out")" -gt 10
fi
kill $PROXY_PIDS
wait $PROXY_PIDS
done_testing
