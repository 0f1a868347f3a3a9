#!/bin/bash
# --metrics-listen: /metrics in the exposition format, per normalized
# statement and of pgnetprof's health, exactly the records' numbers, only
# K+1 fingerprints however many are seen, counters that never go down,
# scraped by a real Prometheus server; and its bad inputs.
source "$TESTS_DIR/lib.sh"

M="python3 $TESTS_DIR/metrics.py"
K=2
pg_init
pg_start -c autovacuum=off

MPORT=$(free_port) || bail "no free port"
fails() {	# fails DESCRIPTION PATTERN ARGS...
	local d=$1 pat=$2
	shift 2
	"$PGNETPROF" "$@" "$PG_BIN" >"$WORK/o" 2>"$WORK/e"
	[ $? -ne 0 ] && grep -qiE -- "$pat" "$WORK/e"
	ok $? "$d"
	[ $? -eq 0 ] || diag "$WORK/e"
}
fails "--metrics-listen without a port" "invalid --metrics-listen 'localhost'" --metrics-listen localhost
fails "--metrics-listen with a name" "invalid --metrics-listen 'localhost:9187'.*numeric" --metrics-listen localhost:9187
fails "--metrics-listen port 0" "invalid port '0'" --metrics-listen 127.0.0.1:0
fails "--metrics-top without --metrics-listen" "--metrics-top shapes the metrics of --metrics-listen" --metrics-top 5
fails "--metrics-listen on a port in use (the server's)" \
	"cannot serve metrics on 127.0.0.1:$PGPORT: .*in use.*--metrics-listen" --metrics-listen "127.0.0.1:$PGPORT" -d 1

prof_start -f json --metrics-listen "127.0.0.1:$MPORT" --metrics-top $K "$PG_BIN"
URL=http://127.0.0.1:$MPORT/metrics
eq "GET /metrics answers 200" "$($M status "$URL" GET)" 200
eq "another path answers 404" "$($M status "http://127.0.0.1:$MPORT/" GET)" 404
eq "POST /metrics answers 405" "$($M status "$URL" POST)" 405

# five shapes, the two that move most bytes first: they have series from
# their first statement on (aliases do not make a shape: functions do)
workload() {	# workload N [SQL]: N rounds, then SQL
	{
		for i in $(seq 1 "$1"); do
			echo "select repeat('x', 3000 + $i);"
			echo "select $i / 0;"
			echo "select abs($i);"
			echo "select sign($i);"
			echo "select $i::text;"
		done
		echo "${2:-}"
	} | psql -X -q -o /dev/null 2>/dev/null	# on past the errors
}
workload 10
sleep 1
$M scrape "$URL" "$WORK/m1" || bail "cannot scrape $URL"
checks "" $M check "$WORK/m1" "$WORK/out" $K 1

# a new shape moves the most bytes: it takes the place of the second, whose
# counts go back to "other"
workload 10 "select repeat('y', 50000 + g) from generate_series(1, 5) g;"
sleep 1
$M scrape "$URL" "$WORK/m2" || bail "cannot scrape $URL"
checks "after a new top statement: " $M grows "$WORK/m1" "$WORK/m2"
checks "after a new top statement: " $M check "$WORK/m2" "$WORK/out" $K 0
eq "after a new top statement: the one it displaced has no series" \
	"$(grep -c "fingerprint=\"$(records statement | jq -r 'select(.query == "select 1 / 0;") | .fingerprint')\"" "$WORK/m2")" 0

# a real Prometheus scrapes it; its query API sees the records' count
PPORT=$(free_port) || bail "no free port"
cat >"$WORK/prometheus.yml" <<YML
global:
  scrape_interval: 1s
scrape_configs:
  - job_name: pgnetprof
    static_configs:
      - targets: ['127.0.0.1:$MPORT']
YML
prometheus --config.file="$WORK/prometheus.yml" --storage.tsdb.path="$WORK/prom" \
	--web.listen-address="127.0.0.1:$PPORT" >"$WORK/prom.log" 2>&1 &
PROM=$!
trap 'kill "$PROM" 2>/dev/null; cleanup' EXIT
n=$(records statement | wc -l)
$M prom "http://127.0.0.1:$PPORT" 'up{job="pgnetprof"}' 1 60
ok $? "Prometheus scrapes pgnetprof (up = 1)"
$M prom "http://127.0.0.1:$PPORT" 'sum(pgnetprof_statements_total)' "$n" 60
ok $? "Prometheus's sum of pgnetprof_statements_total is the $n records"
fp=$(records statement | jq -r 'select(.query | startswith("select repeat")) | .fingerprint' | head -1)
want=$(records statement | jq -s "map(select(.fingerprint == \"$fp\") | .tx_bytes) | add")
$M prom "http://127.0.0.1:$PPORT" "pgnetprof_statement_tx_bytes_total{fingerprint=\"$fp\"}" "$want" 60
ok $? "Prometheus's tx_bytes of the largest statement's fingerprint is its records' ($want)"
kill "$PROM" 2>/dev/null
wait "$PROM" 2>/dev/null

prof_stop
eq "pgnetprof exits 0" "$PROF_STATUS" 0
! $M status "$URL" GET >/dev/null 2>&1
ok $? "the metrics server is gone with pgnetprof"

done_testing
