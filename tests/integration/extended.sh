#!/bin/bash
# pgbench in each protocol: one record per statement execution with the
# right text and protocol, and every byte of the session accounted for
# against the kernel's socket counters (read by pgbench's own \shell just
# before it disconnects).
source "$TESTS_DIR/lib.sh"

pg_init
pg_start -c autovacuum=off
N=20

echo "ss -tinH state established '( sport = :$PGPORT )' > $WORK/ss" >"$WORK/ss.sh"
cat >"$WORK/bench.sql" <<SQL
SELECT 1;
SELECT repeat('p', 300);
\\shell sh $WORK/ss.sh
SQL

for mode in simple extended prepared; do
	prof_start -f json
	pgbench -n -M "$mode" -c 1 -t "$N" -f "$WORK/bench.sql" >"$WORK/pgbench.log" 2>&1 ||
		diag "$WORK/pgbench.log"
	prof_stop
	proto=$([ "$mode" = simple ] && echo simple || echo extended)
	for q in "SELECT 1;" "SELECT repeat('p', 300);"; do
		recs=$(records statement | jq -c --arg q "$q" 'select(.query == $q)')
		# the first use of a named prepared statement (a Parse round trip
		# before its execution) is one statement with that execution
		eq "[$mode] records of '$q'" "$(echo "$recs" | grep -c .)" "$N"
		eq "[$mode] protocol of '$q'" "$(echo "$recs" | jq -r .protocol | sort -u)" "$proto"
	done
	if [ "$mode" = simple ]; then
		eq "[$mode] request of SELECT 1 is 1+4+len+1" \
			"$(records statement | jq -r 'select(.query == "SELECT 1;") | .rx_bytes' | sort -u)" $((1 + 4 + 9 + 1))
	fi
	# pgbench's first connection only asks for the server version
	sess=$(records session | jq -c 'select(.statements > 0)')
	eq "[$mode] one session ran statements" "$(echo "$sess" | grep -c .)" 1
	eq "[$mode] its statements count is its records'" "$(echo "$sess" | jq .statements)" \
		"$(records statement | jq "select(.pid == $(echo "$sess" | jq .pid))" | grep -c '"type"')"
	kin=$(grep -o 'bytes_received:[0-9]*' "$WORK/ss" | cut -d: -f2)
	kout=$(ss_app_sent "$WORK/ss")
	eq "[$mode] session rx = kernel bytes_received + Terminate" "$(echo "$sess" | jq .rx_bytes)" $((kin + 5))
	eq "[$mode] session tx = kernel bytes_sent - bytes_retrans" "$(echo "$sess" | jq .tx_bytes)" "$kout"
	for dir in rx tx; do
		eq "[$mode] $dir: startup + statements + unattributed = session" \
			"$(conserved "$dir" "$(echo "$sess" | jq .pid)")" true
	done
done

# A pipeline (three statements before one Sync): every statement is
# reported and marked; with the probes the cycle's request is the first's,
# its response the last's; on the wire each execution's bytes are its own;
# the session is still exact against the kernel.
cat >"$WORK/pipe.sql" <<SQL
\\startpipeline
SELECT 1;
SELECT 22;
SELECT repeat('q', 300);
\\endpipeline
\\shell sh $WORK/ss.sh
SQL
for probes in status wire; do
prof_start -f json --probes "$probes"
pgbench -n -M extended -c 1 -t "$N" -f "$WORK/pipe.sql" >"$WORK/pgbench.log" 2>&1 || diag "$WORK/pgbench.log"
prof_stop
sess=$(records session | jq -c 'select(.statements > 0)')
pid=$(echo "$sess" | jq .pid)
for q in "SELECT 1;" "SELECT 22;" "SELECT repeat('q', 300);"; do
	eq "[$probes pipeline] records of '$q'" "$(records statement | jq -c --arg q "$q" "select(.pid == $pid and .query == \$q)" | grep -c .)" "$N"
done
eq "[$probes pipeline] all marked pipelined" "$(records statement | jq -r "select(.pid == $pid) | .pipelined" | sort -u)" true
if [ "$probes" = status ]; then
	check "[status pipeline] the request is the first statement's, the response the last's" \
		test "$(records statement | jq -s "map(select(.pid == $pid)) |
			(map(select(.query == \"SELECT 1;\") | .rx_bytes > 0 and .tx_bytes == 0) | all) and
			(map(select(.query == \"SELECT 22;\") | .rx_bytes + .tx_bytes == 0) | all) and
			(map(select(.query | startswith(\"SELECT repeat\")) | .tx_bytes > 300) | all)")" = true
else
	# Parse 1+4+2+text+1+2, Bind 14, Describe 7, Execute 10 (the last with
	# Sync 5); responses: ParseComplete 5, BindComplete 5, RowDescription
	# 7+name+1+18, DataRow 11+value, CommandComplete 14 (the last with
	# ReadyForQuery 6)
	eq "[wire pipeline] each execution's request and response exactly its own" \
		"$(records statement | jq -r "select(.pid == $pid) | [.query, .rx_bytes, .tx_bytes] | @tsv" | sort -u | paste -sd'|')" \
		"SELECT 1;	50	70|SELECT 22;	51	71|SELECT repeat('q', 300);	70	373"
fi
kin=$(grep -o 'bytes_received:[0-9]*' "$WORK/ss" | cut -d: -f2)
eq "[$probes pipeline] session rx = kernel bytes_received + Terminate" "$(echo "$sess" | jq .rx_bytes)" $((kin + 5))
eq "[$probes pipeline] session tx = kernel bytes_sent - bytes_retrans" "$(echo "$sess" | jq .tx_bytes)" "$(ss_app_sent "$WORK/ss")"
for dir in rx tx; do
	eq "[$probes pipeline] $dir: startup + statements + unattributed = session" "$(conserved "$dir" "$pid")" true
done

# ... and of named prepared statements (Bind, Execute only)
prof_start -f json --probes "$probes"
pgbench -n -M prepared -c 1 -t "$N" -f "$WORK/pipe.sql" >"$WORK/pgbench.log" 2>&1 || diag "$WORK/pgbench.log"
prof_stop
for q in "SELECT 1;" "SELECT 22;" "SELECT repeat('q', 300);"; do
	eq "[$probes prepared pipeline] pipelined records of '$q'" \
		"$(records statement | jq -c --arg q "$q" 'select(.query == $q and .pipelined)' | grep -c .)" "$N"
done
# Bind 14, Describe 7, Execute 10; no ParseComplete
[ "$probes" = wire ] && eq "[wire prepared pipeline] each execution's request and response exactly its own" \
	"$(records statement | jq -r "select(.pipelined) | [.query, .rx_bytes, .tx_bytes] | @tsv" | sort -u | paste -sd'|')" \
	"SELECT 1;	35	65|SELECT 22;	35	66|SELECT repeat('q', 300);	40	368"
for dir in rx tx; do
	eq "[$probes prepared pipeline] $dir conserved" "$(conserved "$dir")" true
done
done

done_testing
