# Shared by the integration tests: TAP output, a throwaway PostgreSQL on a
# free loopback port, and pgnetprof started and stopped around a workload.
set -u

PGNETPROF=${PGNETPROF:-$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)/src/pgnetprof}
WORK=$(mktemp -d /tmp/pgnetprof-test.XXXXXX)
chmod 755 "$WORK"
source "$(dirname "${BASH_SOURCE[0]}")/../scripts/pg-throwaway.sh"

tap_n=0
tap_failed=0
ok() {		# ok CONDITION-EXIT-STATUS DESCRIPTION
	tap_n=$((tap_n + 1))
	if [ "$1" -eq 0 ]; then
		echo "ok $tap_n - $2"
	else
		echo "not ok $tap_n - $2"
		tap_failed=$((tap_failed + 1))
	fi
}
check() {	# check DESCRIPTION COMMAND...: ok if COMMAND succeeds
	local d=$1; shift
	"$@"; ok $? "$d"
}
eq() {		# eq DESCRIPTION GOT WANT
	if [ "$2" = "$3" ]; then ok 0 "$1"; else ok 1 "$1 (got '$2', want '$3')"; fi
}
skip() {
	tap_n=$((tap_n + 1))
	echo "ok $tap_n - $1 # SKIP $2"
}
bail() {
	echo "Bail out! $*"
	exit 1
}
diag() {
	sed 's/^/# /' "$@" >&2
}

psql_() {
	psql -X -q -v ON_ERROR_STOP=1 "$@"
}

# prof_start [OPTIONS]: pgnetprof in the background, output in $WORK/out,
# waits for its "Tracing ... Hit Ctrl-C to end." line
prof_start() {
	: >"$WORK/out"
	: >"$WORK/err"
	"$PGNETPROF" ${PGNETPROF_BACKEND:+--backend "$PGNETPROF_BACKEND"} "$@" >"$WORK/out" 2>"$WORK/err" &
	PROF_PID=$!
	for _ in $(seq 1 "${PROF_START_TIMEOUT:-300}"); do
		grep -q 'Hit Ctrl-C to end' "$WORK/err" && return 0
		kill -0 "$PROF_PID" 2>/dev/null || break
		sleep 0.1
	done
	diag "$WORK/err"
	bail "pgnetprof did not start"
}

# prof_stop: SIGINT, wait for the final flush
prof_stop() {
	kill -INT "$PROF_PID" 2>/dev/null
	wait "$PROF_PID"
	PROF_STATUS=$?
	PROF_PID=
}

cleanup() {
	[ -n "${PROF_PID:-}" ] && kill -INT "$PROF_PID" 2>/dev/null && wait "$PROF_PID"
	pg_stop
	rm -rf "$WORK"
}
trap cleanup EXIT

# checks LABEL COMMAND...: each "ok|not ok<TAB>what" line of COMMAND a check
checks() {
	local label=$1 res what
	shift
	while IFS=$'\t' read -r res what; do
		[ "$res" = ok ]
		ok $? "$label$what"
	done < <("$@")
}

# done_testing: the TAP plan; the exit status says whether all passed
done_testing() {
	echo "1..$tap_n"
	[ "$tap_failed" -eq 0 ]
}

# run_suite LABEL TEST [VAR=VALUE...]: another integration test, in that
# environment, its checks counted here under LABEL; one that bails out,
# checks nothing or runs over 30 minutes is a failed check
run_suite() {
	local label=$1 t=$2 line n=0
	shift 2
	while IFS= read -r line; do
		case $line in
		"ok "*) ok 0 "$label $t: ${line#ok * - }" ;;
		"not ok "*) ok 1 "$label $t: ${line#not ok * - }" ;;
		"Bail out! "*) ok 1 "$label $t: bailed out: ${line#Bail out! }" ;;
		"#"*) echo "$line"; continue ;;	# its diagnostics
		*) continue ;;
		esac
		n=$((n + 1))
	done < <(timeout 1800 env "$@" bash "$TESTS_DIR/integration/$t.sh" 2>&1)
	[ "$n" -gt 0 ] || ok 1 "$label $t: ran no check"
}

# results_server: a second throwaway server, of the same binary, to hold
# --store's results on $RPORT; stopped at exit with the traced one
results_server() {
	RWORK=$WORK/results
	mkdir "$RWORK"
	(WORK=$RWORK && pg_init && pg_start && echo "$PGPORT" >"$RWORK/port") || bail "results server did not start"
	RPORT=$(cat "$RWORK/port")
	trap 'results_stop; cleanup' EXIT
}
results_stop() { (WORK=$RWORK PGDATA_DIR=$RWORK/data && pg_stop); }
results_start() { (WORK=$RWORK PGDATA_DIR=$RWORK/data PGPORT=$RPORT && pg_start); }

# ss_counter FILE NAME: a tcp_info counter from `ss -ti` output (0 if absent)
ss_counter() {
	grep -o "$2:[0-9]*" "$1" | head -1 | cut -d: -f2 | grep . || echo 0
}
# Bytes the application sent: tcp_info bytes_sent counts retransmissions
# again (slow guests see spurious ones even on loopback).
ss_app_sent() {
	echo $(($(ss_counter "$1" bytes_sent) - $(ss_counter "$1" bytes_retrans)))
}

# conserved DIR [PID]: "true" when startup + statements + unattributed =
# session bytes in direction DIR (rx or tx), summed over the sessions (of
# backend PID) in pgnetprof's JSON output
conserved() {
	jq -s --arg d "$1" --argjson pid "${2:-null}" '
		map(select($pid == null or .pid == $pid)) as $r
		| ($r | map(select(.type == "statement")) | map(.[$d + "_bytes"]) | add // 0) as $stmts
		| ($r | map(select(.type == "session"))) as $s
		| ($s | map(.["startup_" + $d + "_bytes"] + .["unattributed_" + $d + "_bytes"]) | add) + $stmts
		  == ($s | map(.[$d + "_bytes"]) | add)' "$WORK/out"
}

# conserved_both LABEL: conserved checked in both directions
conserved_both() {
	for dir in rx tx; do
		eq "$1: $dir: startup + statements + unattributed = session" "$(conserved "$dir")" true
	done
}

# JSON records of a type from pgnetprof's output
records() {
	jq -c "select(.type == \"$1\")" "$WORK/out"
}

# Long-lived client sessions: session_open NAME starts psql reading a fifo;
# session_sql NAME SQL runs SQL and waits for it; sessions_close ends them.
declare -A SESSION_FD SESSION_PID
session_open() {
	local fd
	mkfifo "$WORK/$1.in"
	psql -X -At "${@:2}" <"$WORK/$1.in" >"$WORK/$1.out" 2>&1 &
	SESSION_PID[$1]=$!
	exec {fd}>"$WORK/$1.in"
	SESSION_FD[$1]=$fd
}
session_sql() {
	local marker="__done_${RANDOM}_$RANDOM"
	printf '%s;\n\\echo %s\n' "$2" "$marker" >&"${SESSION_FD[$1]}"
	for _ in $(seq 1 1200); do
		grep -q "^$marker\$" "$WORK/$1.out" && break
		sleep 0.05
	done
	sed -n "/^__done_/!p" "$WORK/$1.out" | tail -n +$((${SESSION_LINES[$1]:-0} + 1))
	SESSION_LINES[$1]=$(grep -vc '^__done_' "$WORK/$1.out")
}
declare -A SESSION_LINES
sessions_close() {	# every psql holds the others' fifos open: close all
	local name fd
	for name in "${!SESSION_FD[@]}"; do
		fd=${SESSION_FD[$name]}
		exec {fd}>&-
	done
	for name in "${!SESSION_PID[@]}"; do
		wait "${SESSION_PID[$name]}"
	done
	SESSION_FD=()
	SESSION_PID=()
}
