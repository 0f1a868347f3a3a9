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
pg_start -c autovacuum=off
PROXY_PORT=$(free_port) || bail "no free port"
MPORT=$(free_port) || bail "no free port"
# its own output apart, and gone with the test however it ends: a proxy
# left behind would hold the runner's pipe open (tests/pg-majors.sh waited
# on one for ever after a bail-out)
"$PY" "$TESTS_DIR/wireproxy.py" "$PROXY_PORT" "$PGPORT" "$WORK/proxy.log" >"$WORK/proxy.out" 2>&1 &
PROXY_PID=$!
trap 'kill "$PROXY_PID" 2>/dev/null; cleanup' EXIT
for _ in $(seq 1 100); do
	ss -Htln "( sport = :$PROXY_PORT )" | grep -q . && break
	sleep 0.1
done

# query probes do not see the extended protocol: the simple scenarios only
for probes in ${PROBE_SETS:-status full query wire}; do
	only=$([ "$probes" = query ] && echo --simple-only)
	: >"$WORK/proxy.log"
	prof_start -f json --probes "$probes" --metrics-listen "127.0.0.1:$MPORT" --metrics-top 10000
	"$PY" "$TESTS_DIR/drivers.py" run "$PROXY_PORT" $only 2>"$WORK/drivers.err"
	rc=$?
	ok $rc "[$probes] the drivers' scenarios ran"
	[ $rc -eq 0 ] || diag "$WORK/drivers.err"
	# the drivers are done: once their records are out (the output still
	# for a second; a slow guest takes longer), the metrics hold them all
	for _ in $(seq 30); do
		size=$(stat -c %s "$WORK/out")
		sleep 1
		[ "$(stat -c %s "$WORK/out")" = "$size" ] && break
	done
	"$PY" "$TESTS_DIR/metrics.py" scrape "http://127.0.0.1:$MPORT/metrics" "$WORK/metrics"
	ok $? "[$probes] /metrics scraped"
	cp "$WORK/out" "$WORK/out-scraped"
	prof_stop
	checks "[$probes] metrics: " "$PY" "$TESTS_DIR/metrics.py" check "$WORK/metrics" "$WORK/out-scraped" 10000 1
	# the wire set splits a pipeline's or batch's response per execution
	"$PY" "$TESTS_DIR/drivers.py" check "$WORK/proxy.log" "$WORK/out" $only \
		$([ "$probes" = wire ] && echo --per-execution) |
		sed -E "s/^(ok|not ok) [0-9]+ - /\\1 - [$probes] /; /^1\\.\\./d" >"$WORK/tap"
	while read -r status rest; do
		if [ "$status" = ok ]; then ok 0 "${rest#- }"; else ok 1 "${rest#*- }"; fi
	done <"$WORK/tap"
done
kill "$PROXY_PID"
wait "$PROXY_PID"
done_testing
