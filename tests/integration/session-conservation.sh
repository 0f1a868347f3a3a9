#!/bin/bash
# A session's bytes are conserved: startup + statements + unattributed =
# session total = what the kernel's own socket counters (ss -ti) say.
source "$TESTS_DIR/lib.sh"

pg_init
pg_start

for probes in ${PROBE_SETS:-status query full wire}; do
	prof_start -f json --probes "$probes"
	ssout=$WORK/ss.$probes
	psql_ -o /dev/null <<SQL
select 1;
select repeat('y', 50000);
create temp table t as select g from generate_series(1, 3000) g;
select * from t;
select 'after the error';
\\! ss -tinH state established '( sport = :$PGPORT )' > $ssout
SQL
	prof_stop
	sess=$(records session)
	eq "[$probes] one session record" "$(echo "$sess" | grep -c .)" 1
	kin=$(grep -o 'bytes_received:[0-9]*' "$ssout" | cut -d: -f2)
	kout=$(ss_app_sent "$ssout")
	check "[$probes] ss -ti reported the server socket's counters" test -n "$kin" -a -n "$kout"
	# psql's Terminate message (5 bytes) arrives after ss ran
	eq "[$probes] session rx_bytes = kernel bytes_received + Terminate" \
		"$(echo "$sess" | jq .rx_bytes)" $((kin + 5))
	eq "[$probes] session tx_bytes = kernel bytes_sent - bytes_retrans" "$(echo "$sess" | jq .tx_bytes)" "$kout"
	for dir in rx tx; do
		eq "[$probes] $dir: startup + statements + unattributed = session" "$(conserved "$dir")" true
	done
	eq "[$probes] statements counted in the session" "$(echo "$sess" | jq .statements)" \
		"$(records statement | grep -c .)"
	eq "[$probes] unattributed rx is the Terminate message" "$(echo "$sess" | jq .unattributed_rx_bytes)" 5
	check "[$probes] startup cost measured" test "$(echo "$sess" | jq '.startup_rx_bytes > 8 and .startup_tx_bytes > 0 and .startup_ns > 0')" = true
	eq "[$probes] session fields are the contract's, in order" "$(echo "$sess" | jq -c keys_unsorted)" \
		'["type","session","pid","ns_pid","user","database","client","server_pid","server_port","data_directory","transport","start","end","statements","rx_bytes","tx_bytes","rx_calls","tx_calls","startup_rx_bytes","startup_tx_bytes","startup_ns","handshake_us","unattributed_rx_bytes","unattributed_tx_bytes","outbound_rx_bytes","outbound_tx_bytes"]'
	eq "[$probes] transport" "$(echo "$sess" | jq -r .transport)" tcp4
	check "[$probes] the TCP handshake was seen (loopback: under a second)" \
		test "$(echo "$sess" | jq '.handshake_us > 0 and .handshake_us < 1000000')" = true
	eq "[$probes] statement and session share the session id" \
		"$(records statement | jq -r .session | sort -u)" "$(echo "$sess" | jq -r .session)"
done

# An erroring statement: reported with status error and its ErrorResponse;
# a ROLLBACK is not an error, an error inside a transaction block is.
for probes in ${PROBE_SETS:-status query full wire}; do
	prof_start -f json --probes "$probes"
	psql -X -q -o /dev/null -c "select 1/0" -c "select 2" 2>/dev/null
	psql -X -q -o /dev/null -c "select 1" -c "select 1/0" 2>/dev/null
	psql -X -q -o /dev/null -c "begin" -c "select 3" -c "rollback" -c "begin" -c "select 'in block' / 0" -c "rollback" 2>/dev/null
	prof_stop
	err=$(records statement | jq -c 'select(.query == "select 1/0")')
	eq "[$probes] two records of the failing statement" "$(echo "$err" | grep -c .)" 2
	eq "[$probes] its request bytes are its own" "$(echo "$err" | jq -s 'map(.rx_bytes) | unique | .[]')" $((1 + 4 + 10 + 1))
	check "[$probes] its ErrorResponse is attributed to it" \
		test "$(echo "$err" | jq -s 'map(.tx_bytes > 50) | all')" = true
	eq "[$probes] it is marked error" "$(echo "$err" | jq -rs 'map(.status) | unique | .[]')" error
	eq "[$probes] only the failing statements are errors" \
		"$(records statement | jq -r 'select(.status == "error") | .query' | sort | paste -sd'|')" \
		"select 'in block' / 0|select 1/0|select 1/0"
	eq "[$probes] a ROLLBACK is ok" "$(records statement | jq -r 'select(.query == "rollback") | .status' | sort -u)" ok
	for dir in rx tx; do
		eq "[$probes] $dir conserved across sessions with errors" "$(conserved "$dir")" true
	done
done

# Records leave the kernel from per-CPU stages: a backend moved to another
# CPU between statements (each statement's record goes out at the next
# request, from the CPU it arrives on) has later records staged before
# earlier ones are flushed; they still come out in order, the session last.
if [ "$(nproc)" -ge 2 ]; then
	prof_start -f json
	{
		echo "select pg_backend_pid() as pid \\gset"
		echo "\\setenv BACKEND_PID :pid"
		for i in $(seq 1 40); do
			echo "select $i as n;"
			echo "\\! taskset -pc $((i % 2)) \$BACKEND_PID >/dev/null"
		done
	} >"$WORK/moves.sql"
	psql_ -o /dev/null -f "$WORK/moves.sql"
	prof_stop
	sid=$(records statement | jq -r 'select(.query == "select 1 as n;") | .session')
	moved=$(jq -r --arg s "$sid" 'select(.session == $s) |
		if .type == "statement" then .query else .type end' "$WORK/out" | grep -v pg_backend_pid)
	eq "moved between CPUs: every record of the session, in order, the session last" \
		"$(echo "$moved" | tr '\n' ' ')" "$(for i in $(seq 1 40); do printf 'select %s as n; ' "$i"; done)session "
else
	skip "moved between CPUs" "one CPU here"
fi

# The ring buffer holds records while pgnetprof is not reading (stopped
# here): the default one keeps all of a burst, a smaller one loses some,
# counts them and says what to do. The session ends once pgnetprof reads
# again, so that its own record is not among the lost.
N=3000
seq 1 $N | sed 's/.*/select &;/' >"$WORK/burst.sql"
mkfifo "$WORK/burst.in"
burst() {	# burst [OPTIONS]: N statements while pgnetprof is stopped
	local hold psql_pid
	rm -f "$WORK/burst.done"
	exec {hold}<>"$WORK/burst.in"	# psql reads it after the burst
	prof_start -f json "$@"
	kill -STOP "$PROF_PID"
	psql_ -o /dev/null -f "$WORK/burst.sql" -c "\\! touch $WORK/burst.done" -f "$WORK/burst.in" &
	psql_pid=$!
	for _ in $(seq 1 1200); do
		[ -e "$WORK/burst.done" ] && break
		sleep 0.1
	done
	kill -CONT "$PROF_PID"
	# output (a stdio buffer's worth of records) means it is reading again
	# and has made room for the session's record
	for _ in $(seq 1 600); do
		[ -s "$WORK/out" ] && break
		sleep 0.05
	done
	echo '\q' >&"$hold"	# kept open until psql is gone: a fifo drops what no one holds
	wait "$psql_pid"
	exec {hold}>&-
	prof_stop
}
burst
eq "default buffer: every statement of the burst recorded" "$(records statement | grep -c .)" $N
eq "default buffer: none lost" "$(records summary | jq .lost_records)" 0
burst --buffer-size 64K
lost=$(records summary | jq .lost_records)
check "64K buffer: records lost ($lost)" test "$lost" -gt 0
eq "64K buffer: recorded + lost = statements" "$(($(records statement | grep -c .) + lost))" $N
check "64K buffer: the warning names --buffer-size" grep -q "records lost.*--buffer-size" "$WORK/err"
eq "64K buffer: the session's statement count is the kernel's, lost or not" \
	"$(records session | jq .statements)" $N

done_testing
