#!/bin/bash
# Real client drivers (psycopg 3, asyncpg) through a wire-level proxy that
# logs every message (tests/wireproxy.py), in each probe set: one record
# per execution with its text and status, the bytes of each cycle's records
# exactly the cycle's (in the wire set, each execution's exactly its own),
# and what the server sent while idle unattributed
# (tests/drivers.py says which scenario checks what).
source "$TESTS_DIR/lib.sh"
PY=/usr/bin/python3	# Debian's, with python3-psycopg and python3-asyncpg

pg_init
pg_start -c autovacuum=off
PROXY_PORT=$(free_port) || bail "no free port"
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
	prof_start -f json --probes "$probes"
	"$PY" "$TESTS_DIR/drivers.py" run "$PROXY_PORT" $only 2>"$WORK/drivers.err"
	rc=$?
	ok $rc "[$probes] the drivers' scenarios ran"
	[ $rc -eq 0 ] || diag "$WORK/drivers.err"
	prof_stop
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
