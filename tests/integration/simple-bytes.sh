#!/bin/bash
# Simple-protocol statements over TCP 127.0.0.1 with the real hooks: the
# request of each is exactly 'Q' + int32 length + text + NUL.
source "$TESTS_DIR/lib.sh"

pg_init
pg_start -c autovacuum=off	# no other process fires statement__status

QUERIES=(
	"select 1"
	"select 'h\xc3\xa9llo w\xc3\xb6rld'"
	"select count(*) from generate_series(1, 1000)"
	"select repeat('x', 20000)"
	"select now(), current_user, 42::numeric * 3"
)

for probes in ${PROBE_SETS:-status query full wire}; do
	prof_start -f json --probes "$probes"
	args=()
	for q in "${QUERIES[@]}"; do
		args+=(-c "$(printf "$q")")
	done
	backend_pid=$(psql_ -At -c "select pg_backend_pid()" -c '\o /dev/null' "${args[@]}")
	prof_stop
	eq "[$probes] pgnetprof exits 0 after SIGINT" "$PROF_STATUS" 0
	n=$((${#QUERIES[@]} + 1))
	# status: (text) and (NULL) per statement, plus the (NULL) ending
	# startup; full: also PortalRun's start and done per statement; wire: none
	case $probes in
	status) want_hits=$((2 * n + 1)) ;;
	query) want_hits=$((2 * n)) ;;
	full) want_hits=$((4 * n + 1)) ;;
	wire) want_hits=0 ;;
	esac
	eq "[$probes] USDT hits counted: $((want_hits / n)) per simple statement" \
		"$(jq -r 'select(.type == "summary") | .probe_hits' "$WORK/out")" "$want_hits"
	want_backend=${PGNETPROF_BACKEND:-auto}
	[ "$want_backend" = auto ] && want_backend='\(tracepoint\|fexit\|kprobe\)'
	grep -q "(backend $want_backend, probes $probes)" "$WORK/err"
	ok $? "[$probes] the backend in use is shown at start"

	for q in "${QUERIES[@]}"; do
		text=$(printf "$q")
		want=$((1 + 4 + $(printf '%s' "$text" | wc -c) + 1))
		rec=$(records statement | jq -c --arg q "$text" 'select(.query == $q)')
		eq "[$probes] one record for: $text" "$(echo "$rec" | grep -c .)" 1
		eq "[$probes] rx_bytes of '$text' = 1+4+len+1" "$(echo "$rec" | jq .rx_bytes)" "$want"
		eq "[$probes] rx_calls of '$text'" "$(echo "$rec" | jq .rx_calls)" 1
		eq "[$probes] status of '$text'" "$(echo "$rec" | jq -r .status)" ok
		# each call's entry stamp is its own: a lost one reads 0, a stale
		# one spans more than the statement's whole response
		eq "[$probes] time inside the recv and sends of '$text' measured, within its response" \
			"$(echo "$rec" | jq '.rx_ns > 0 and .tx_ns > 0 and .rx_ns + .tx_ns <= .response_ns')" true
		# execution runs from the request's recv returning to the
		# response's send entering: nothing of the response is left out
		if [ "$probes" != full ] && [ "$(echo "$rec" | jq .tx_calls)" = 1 ]; then
			eq "[$probes] '$text': response_ns = rx_ns + exec_ns + tx_ns, to the ns" \
				"$(echo "$rec" | jq '.response_ns == .rx_ns + .exec_ns + .tx_ns')" true
		fi
	done
	rep=$(records statement | jq -c 'select(.query == "select repeat('"'"'x'"'"', 20000)")')
	tx=$(echo "$rep" | jq .tx_bytes)
	check "[$probes] repeat('x', 20000) sends more than 20000 bytes (got $tx)" test "$tx" -gt 20000
	check "[$probes] its result needed several sends" test "$(echo "$rep" | jq .tx_calls)" -ge 2
	check "[$probes] its response time covers its exec time" \
		test "$(echo "$rep" | jq '.response_ns >= .exec_ns and .exec_ns > 0')" = true

	one=$(records statement | jq -c 'select(.query == "select 1")')
	eq "[$probes] pid is the backend's" "$(echo "$one" | jq .pid)" "$backend_pid"
	eq "[$probes] user from the process title" "$(echo "$one" | jq -r .user)" postgres
	eq "[$probes] database from the process title" "$(echo "$one" | jq -r .database)" postgres
	echo "$one" | jq -r .client | grep -qE '^127\.0\.0\.1:[0-9]+$'
	ok $? "[$probes] client is 127.0.0.1:port"
	echo "$one" | jq -r .time | grep -qE '^[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}\.[0-9]{6}Z$'
	ok $? "[$probes] time is RFC 3339 UTC"
	eq "[$probes] protocol" "$(echo "$one" | jq -r .protocol)" simple
	eq "[$probes] tx_bytes of select 1 = T(34) + D(12) + C(14) + Z(6)" \
		"$(echo "$one" | jq .tx_bytes)" $((34 + 12 + 14 + 6))
	eq "[$probes] srtt_us and segments reported" \
		"$(echo "$one" | jq '.srtt_us > 0 and .rx_segs >= 1 and .tx_segs >= 1')" true
	eq "[$probes] statement fields are the contract's, in order" \
		"$(echo "$one" | jq -c 'keys_unsorted')" \
		'["type","time","pid","ns_pid","session","user","database","client","server_pid","server_port","data_directory","query","fingerprint","normalized","protocol","status","pipelined","rx_bytes","tx_bytes","rx_calls","tx_calls","rx_segs","tx_segs","rx_ns","tx_ns","tx_wait_ns","exec_ns","response_ns","srtt_us","retrans","outbound_rx_bytes","outbound_tx_bytes"]'
	eq "[$probes] texts differing only in constants share a fingerprint" \
		"$(records statement | jq -r 'select(.query == "select 1" or (.query | startswith("select '"'"'h"))) | .fingerprint' | sort -u | wc -l)" 1
done

# text report: terminal-safe, one block per statement, summary at the end
prof_start
psql_ -o /dev/null -c "$(printf "select 'a\033[31mred\tb' as \"x\ny\"")"
prof_stop
grep -q '^  query select '"'"'a\\x1b\[31mred\\tb'"'"' as "x\\ny"$' "$WORK/out"
ok $? "text report escapes control characters in the query"
check "text report has no raw escape character" bash -c "! grep -q $'\033' '$WORK/out'"
grep -qE '^  rx +[0-9]+ B in 1 calls' "$WORK/out"
ok $? "text report shows rx bytes and calls"
grep -q '^Summary: .* lost records 0$' "$WORK/out"
ok $? "text report ends with a summary that counts lost records"

# records are printed live, not only when tracing ends
prof_start -f json
psql_ -o /dev/null -c "select 'live'"
for _ in $(seq 1 50); do
	grep -q '"query":"select '"'"'live'"'"'"' "$WORK/out" && break
	sleep 0.1
done
grep -q '"query":"select '"'"'live'"'"'"' "$WORK/out"
ok $? "a statement is printed within 5 s while tracing goes on"
prof_stop

# --probes full: exec_ns is the executor's (PortalRun) time; the portal an
# EXECUTE runs inside its own is not counted twice
if [[ " ${PROBE_SETS:-full} " == *" full "* ]]; then
	prof_start -f json --probes full
	psql_ -o /dev/null -c "prepare p as select pg_sleep(0.2)" -c "execute p"
	prof_stop
	exec_ns=$(records statement | jq 'select(.query == "execute p") | .exec_ns')
	check "--probes full: nested portals counted once (0.2 s of sleep, not 0.4)" \
		test "${exec_ns:-0}" -ge 200000000 -a "${exec_ns:-0}" -lt 380000000
fi

# --query-max bounds the captured text
prof_start -f json --query-max 10
psql_ -o /dev/null -c "select 'abcdefghijklmnopqrstuvwxyz'"
prof_stop
eq "--query-max 10 keeps 10 bytes" "$(records statement | jq -r .query)" "select 'ab"
eq "--query-max does not change the byte count" "$(records statement | jq .rx_bytes)" $((1 + 4 + 35 + 1))

done_testing
