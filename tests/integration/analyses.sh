#!/bin/bash
# The analyses: --hist (per address, exact buckets), --model against
# Percona's own pt-tcp-model code (on our request lines, and on a tcpdump
# capture of the same traffic), --format requests, --top and --redact.
source "$TESTS_DIR/lib.sh"

pg_init
echo "host all all 127.0.0.0/8 trust" >>"$PGDATA_DIR/pg_hba.conf"
pg_start -c listen_addresses=127.0.0.1,127.0.0.2
POSTMASTER=$(head -1 "$PGDATA_DIR/postmaster.pid")
PT=$TESTS_DIR/pt-tcp-model.pl
wire() {	# wire SOURCE SERVER SQL...: one session from a chosen address
	python3 "$TESTS_DIR/pgwire.py" "$1" "$2" "$PGPORT" postgres postgres "${@:3}" || bail "pgwire failed"
}
# the "count" column summed over a histogram's rows, per header line
hist_counts() {
	awk '/Address = / {key = $0} / -> / {n[key] += $5} END {for (k in n) print k "=" n[k]}' "$WORK/out" | sort
}

# --- --hist ----------------------------------------------------------------
prof_start --hist rx-bytes -B -e -p "$POSTMASTER"
wire 127.0.0.2 127.0.0.1 "select 1" "select 1" "select 1"
wire 127.0.0.3 127.0.0.1 "select 1" "select 12345678901234567890"
prof_stop
eq "--hist -B: one histogram per client address, with the average" "$(hist_counts)" \
	"Remote Address = 127.0.0.2 [AVG 14]=3
Remote Address = 127.0.0.3 [AVG 23]=2"
# 'select 1' is 'Q', int32 length, 8 characters, NUL = 14 bytes
check "--hist rx-bytes: 14-byte requests in the 8 -> 15 bucket" \
	grep -q '^         8 -> 15         : 3        |\*\{40\}|$' "$WORK/out"
check "--hist: bcc's header line" grep -q '^     bytes               : count    distribution$' "$WORK/out"
check "--hist: the summary goes to stderr" grep -q '^Summary: .* 5 statements' "$WORK/err"

prof_start --hist response -b -T -m -p "$POSTMASTER"
wire 127.0.0.1 127.0.0.1 "select pg_sleep(0.02)"
wire 127.0.0.1 127.0.0.2 "select pg_sleep(0.02)" "select pg_sleep(0.02)"
prof_stop
eq "--hist -b: one histogram per server address" "$(hist_counts)" \
	"Local Address = 127.0.0.1 =1
Local Address = 127.0.0.2 =2"
check "--hist -m: 20 ms responses in the 16 -> 31 msecs bucket" \
	grep -q '^        16 -> 31         : 2 ' "$WORK/out"
check "--hist -T: a time before the histograms" grep -qE '^[0-9]{2}:[0-9]{2}:[0-9]{2} *$' "$WORK/out"

prof_start --hist exec -i 1 -p "$POSTMASTER"
for i in 1 2 3; do wire 127.0.0.1 127.0.0.1 "select $i"; sleep 1.1; done
prof_stop
check "--hist -i 1: a print per interval" test "$(grep -c '^All Addresses' "$WORK/out")" -ge 3

# --- --model, --format requests, and pt-tcp-model -----------------------------
# One session opened before the capture (pt-tcp-model would count its
# startup exchange as a request); statements are kept away from the 1 s
# interval boundaries, so capture and kernel hooks agree on the intervals.
session_open a -h 127.0.0.1
session_sql a "select 1" >/dev/null
tcpdump -s 384 -i lo -nnq -tttt -U --immediate-mode \
	"tcp port $PGPORT and (((ip[2:2] - ((ip[0]&0xf)<<2)) - ((tcp[12]&0xf0)>>2)) != 0)" \
	>"$WORK/tcp.txt" 2>"$WORK/tcpdump.err" &
TCPDUMP=$!
"$PGNETPROF" -f requests -p "$POSTMASTER" >"$WORK/requests.txt" 2>"$WORK/requests.err" &
REQ=$!
prof_start --model 1 -p "$POSTMASTER"
until grep -q 'Hit Ctrl-C' "$WORK/requests.err" && grep -q 'listening' "$WORK/tcpdump.err"; do sleep 0.1; done
for i in $(seq 1 18); do
	until awk -v t="$(date +%s.%N)" 'BEGIN { f = t - int(t); exit !(f > 0.2 && f < 0.6) }'; do sleep 0.02; done
	session_sql a "select pg_sleep(0.0$((i % 5 + 1)))" >/dev/null
done
sleep 0.5
prof_stop
kill -INT "$REQ" "$TCPDUMP"
wait "$REQ" "$TCPDUMP"
sessions_close
mv "$WORK/out" "$WORK/model.txt"

n=$(grep -c . "$WORK/requests.txt")
eq "--format requests: a line per statement" "$n" 18
eq "--format requests: ids in arrival order, from 0" "$(awk '{print $1}' "$WORK/requests.txt" | paste -sd' ')" "$(seq 0 17 | paste -sd' ')"
check "--format requests: arrivals sorted" sort -c -n -k2,2 "$WORK/requests.txt"
check "--format requests: elapsed = end - start" \
	awk '{ if ($4 < $3 - $2 - 0.000002 || $4 > $3 - $2 + 0.000002) exit 1 }' "$WORK/requests.txt"
check "--format requests: the client's address" awk -v p="127.0.0.1:" '{ if (index($5, p) != 1) exit 1 }' "$WORK/requests.txt"

# pt-tcp-model's second stage on the first-stage lines of another pgnetprof
# = our --model (tests/unit/model-vs-pt.sh shows the same code gives the
# same lines byte for byte on one input; two tracers stamp the same events
# microseconds apart, a loaded machine makes that a millisecond)
perl "$PT" requests 1 .99 <"$WORK/requests.txt" >"$WORK/pt-on-ours.txt"
# compare MODEL_A MODEL_B TOLERANCE: arrivals and completions exact per
# interval, the time columns within TOLERANCE seconds per request
# (busy_time, weighted_time, sum_time: summed over the interval's requests)
compare() {
	paste -d' ' "$1" "$2" | awk -v tol="$3" '
		{ rows++ }
		NF != 22 { print "line " NR ": " NF " fields"; bad = 1; next }
		$4 != $15 || $5 != $16 { print "line " NR ": arrivals/completions " $4 "/" $5 " vs " $15 "/" $16; bad = 1 }
		{ for (i = 6; i <= 11; i++) {
			d = $i - $(i + 11); t = (i <= 8 ? tol * ($4 > $5 ? $4 : $5) : tol) + 1e-9
			if (i != 9 && (d > t || d < -t)) { print "line " NR " col " i ": " $i " vs " $(i + 11); bad = 1 } } }
		$1 != $12 { print "line " NR ": ts " $1 " vs " $12; bad = 1 }
		END { exit bad || !rows }'
}
eq "--model has as many intervals as pt-tcp-model on the same requests" \
	"$(grep -c . "$WORK/model.txt")" "$(grep -c . "$WORK/pt-on-ours.txt")"
compare "$WORK/model.txt" "$WORK/pt-on-ours.txt" 0.001 >"$WORK/cmp1"
ok $? "--model = pt-tcp-model's TCPRequestAggregator on another pgnetprof's -f requests (arrivals, completions; times to 1 ms per request)"
[ -s "$WORK/cmp1" ] && diag "$WORK/cmp1"
eq "--model: 18 arrivals in all" "$(awk '{a += $4} END {print a}' "$WORK/model.txt")" 18

# ... and on a tcpdump capture of the same traffic: pt-tcp-model's whole
# pipeline, with --start-end ts0,end1 (first request packet to last
# response packet, our arrival and completion)
perl "$PT" tcpdump "127.0.0.1:$PGPORT" ts0,end1 <"$WORK/tcp.txt" | sort -n -k1,1 >"$WORK/pt-requests.txt"
perl "$PT" requests 1 .99 <"$WORK/pt-requests.txt" >"$WORK/pt-on-tcpdump.txt"
eq "tcpdump: pt-tcp-model saw the 18 requests" "$(grep -c . "$WORK/pt-requests.txt")" 18
eq "tcpdump: as many intervals as --model" "$(grep -c . "$WORK/pt-on-tcpdump.txt")" "$(grep -c . "$WORK/model.txt")"
compare "$WORK/model.txt" "$WORK/pt-on-tcpdump.txt" 0.005 >"$WORK/cmp2"
ok $? "--model vs pt-tcp-model on tcpdump: arrivals, completions per interval equal; times within 5 ms per request"
[ -s "$WORK/cmp2" ] && { diag "$WORK/cmp2"; diag "$WORK/model.txt"; diag "$WORK/pt-on-tcpdump.txt"; }

# --- --model beside a long statement: intervals close on time ---------------------
prof_start --model 1 -p "$POSTMASTER"
psql_ -h 127.0.0.1 -c "select pg_sleep(8)" >/dev/null &
sleeper=$!
for _ in $(seq 1 25); do
	psql_ -h 127.0.0.1 -c "select 1" >/dev/null
	sleep 0.1
done
kill -0 "$sleeper" 2>/dev/null
ok $? "--model: the long statement still runs (else the next check proves nothing)"
during=$(grep -cE '^[0-9]{10} ' "$WORK/out")
wait "$sleeper"
prof_stop
check "--model: intervals are printed while a statement runs for 8 s ($during)" test "$during" -ge 2
eq "--model: the long statement is carried over, counted once: 26 arrivals" \
	"$(grep -E '^[0-9]{10} ' "$WORK/out" | awk '{n += $4} END {print n}')" 26

# --- --top and fingerprints ------------------------------------------------------
prof_start --top 2 -p "$POSTMASTER"
wire 127.0.0.1 127.0.0.1 "select 1" "select 22" "select 333" "select repeat('x', 3000)" "select repeat('y', 5)" "select now()"
prof_stop
check "--top: texts differing only in constants are one row, with their calls" \
	grep -qE '^[0-9a-f]{16} +3 .*  select \$1$' "$WORK/out"
check "--top 2: the bigger statement first, by bytes" \
	sh -c "grep -A1 '^FINGERPRINT' '$WORK/out' | tail -1 | grep -q 'select repeat(\\\$1, \\\$2)'"
eq "--top 2: two rows" "$(grep -cE '^[0-9a-f]{16} ' "$WORK/out")" 2
prof_start --top 1 --sort calls -p "$POSTMASTER"
wire 127.0.0.1 127.0.0.1 "select 1" "select 2" "select repeat('x', 3000)"
prof_stop
check "--top --sort calls" grep -qE '^[0-9a-f]{16} +2 .*  select \$1$' "$WORK/out"

# --- --redact and normalized texts ---------------------------------------------------
prof_start -f json --redact --query-max 40 -p "$POSTMASTER"
wire 127.0.0.1 127.0.0.1 "alter role postgres password 'hunter2'" \
	"select 'literal-xyz', 42" "select 'a truncated literal-xyz that goes on and on'"
prof_stop
check "--redact: no literal anywhere in the output" sh -c "! grep -qE 'hunter2|literal-xyz' '$WORK/out'"
eq "--redact: the password is a parameter" \
	"$(records statement | jq -r 'select(.query | startswith("alter")) | .query')" "alter role postgres password \$1"
eq "--redact: a text libpg_query cannot parse (cut at --query-max) is scrubbed and marked" \
	"$(records statement | jq -c 'select(.query | contains("truncated") | not) | select(.normalized == null) | .query')" '"select ?"'
prof_start -f json --query-max 40 -p "$POSTMASTER"
wire 127.0.0.1 127.0.0.1 "select 'literal-xyz', 42" "select 'a truncated literal-xyz that goes on and on'"
prof_stop
eq "without --redact: the text as sent, the normalized one beside it" \
	"$(records statement | jq -c 'select(.normalized != null) | [.query, .normalized]')" '["select '"'"'literal-xyz'"'"', 42","select $1, $2"]'
eq "an unparsable (truncated) text: normalized is null, the fingerprint hashes the text" \
	"$(records statement | jq -c 'select(.normalized == null) | .fingerprint | length')" 16

done_testing
