#!/bin/bash
# pgnetprof.service: systemd takes the unit as installed; pgnetprof runs
# exact with only the capabilities the unit keeps, and says what it lacks
# when one is gone; the command line of the unit with its environment file
# runs; SIGHUP is said and ignored.
source "$TESTS_DIR/lib.sh"

TOP=$TESTS_DIR/..
UNIT=$(dirname "$PGNETPROF")/../dist/pgnetprof.service
[ -f "$UNIT" ] || bail "$UNIT not built (make builds it)"

sed "s|^ExecStart=[^ ]*|ExecStart=$PGNETPROF|" "$UNIT" >"$WORK/pgnetprof.service"
systemd-analyze verify --man=no "$WORK/pgnetprof.service" >"$WORK/verify" 2>&1
eq "systemd-analyze verify: no error" "$?" 0
eq "systemd-analyze verify: no warning" "$(cat "$WORK/verify")" ""

pg_init
pg_start -c autovacuum=off

QUERIES=("select 1" "select 'service'" "select 42::numeric * 3")
# traced LABEL CAPS [OPTIONS]: a short trace with only CAPS (a capsh list),
# as a unit's CapabilityBoundingSet leaves root; its exit status in $RC
traced() {
	local label=$1 keep=$2 all drop q
	shift 2
	all=$(capsh --print | sed -n 's/^Bounding set =//p' | tr ',' '\n')
	drop=$(echo "$all" | grep -vxF -f <(echo "$keep" | tr ',' '\n') | paste -sd,)
	capsh --drop="$drop" -- -c "exec '$PGNETPROF' ${PGNETPROF_BACKEND:+--backend $PGNETPROF_BACKEND} -f json $* '$PG_BIN'" \
		>"$WORK/out" 2>"$WORK/err" &
	PROF_PID=$!
	for _ in $(seq "${PROF_START_TIMEOUT:-100}"); do
		grep -q 'Hit Ctrl-C' "$WORK/err" && break
		kill -0 $PROF_PID 2>/dev/null || break
		sleep 0.1
	done
	if grep -q 'Hit Ctrl-C' "$WORK/err"; then
		for q in "${QUERIES[@]}"; do psql_ -c "$q" >/dev/null; done
		kill -INT $PROF_PID
	fi
	wait $PROF_PID
	RC=$?
	PROF_PID=
}
exact() {	# exact LABEL: each query one record, its request bytes exact
	local q
	for q in "${QUERIES[@]}"; do
		eq "$1: '$q' traced, 1+4+len+1 bytes" \
			"$(records statement | jq -r --arg q "$q;" 'select(.query == $q or .query == ($q | rtrimstr(";"))) | .rx_bytes')" \
			$((1 + 4 + ${#q} + 1))
	done
}

# each capability of a set is needed: without it pgnetprof refuses, saying
# which, or (postmaster.pid) says what it cannot tell
without() {	# without SET CAP [OPTIONS]
	local set=$1 c=$2 label
	shift 2
	label=${*:-default probes}
	traced "without $c" "$(echo "$set" | tr ',' '\n' | grep -vx "$c" | paste -sd,)" "$@"
	case $c in
	cap_dac_read_search)
		eq "$label: without $c: still exact, server_port null, and said" \
			"$RC $(records statement | wc -l) $(records session | jq -r .server_port | sort -u) $(grep -c 'without CAP_DAC_READ_SEARCH, server_port and data_directory are unknown' "$WORK/err")" \
			"0 3 null 1" ;;
	cap_sys_admin)	# and no CAP_BPF or CAP_PERFMON in its place
		[ "$RC" -ne 0 ] && grep -q "it needs CAP_BPF and CAP_PERFMON, or CAP_SYS_ADMIN" "$WORK/err"
		ok $? "$label: without $c: refused, saying why" ;;
	cap_sys_ptrace)
		[ "$RC" -ne 0 ] && grep -q "without CAP_SYS_PTRACE: it needs it to tell which processes run the server binary" "$WORK/err"
		ok $? "$label: without $c: refused, saying why" ;;
	*)
		[ "$RC" -ne 0 ] && grep -q "it needs CAP_BPF and CAP_PERFMON, or CAP_SYS_ADMIN" "$WORK/err"
		ok $? "$label: without $c: refused, saying why" ;;
	esac
	[ $? -eq 0 ] || diag "$WORK/err"
}

caps=$(sed -n 's/^CapabilityBoundingSet=//p' "$UNIT" | tr 'A-Z ' 'a-z,')
traced "the unit's capabilities" "$caps"
eq "the unit's capabilities ($caps): pgnetprof exits 0" "$RC" 0
exact "the unit's capabilities"
eq "the unit's capabilities: server_port known" "$(records session | jq -r .server_port | sort -u | grep -c null)" 0
for c in ${caps//,/ }; do
	without "$caps" "$c"
done

# --probes wire: CAP_BPF and CAP_PERFMON instead of CAP_SYS_ADMIN, as the
# unit's comment says
wire=$(echo "$caps" | sed 's/cap_sys_admin/cap_bpf,cap_perfmon/')
grep -q "replace CAP_SYS_ADMIN$" "$UNIT" && grep -q "^# with CAP_BPF CAP_PERFMON.$" "$UNIT"
ok $? "the unit says what --probes wire needs instead"
traced "--probes wire" "$wire" --probes wire
if [ "${PGNETPROF_BACKEND:-}" = kprobe ]; then
	# measured on Linux 6.1: a kprobe's perf event takes CAP_SYS_ADMIN
	[ "$RC" -ne 0 ] && grep -q "attaching a kprobe takes CAP_SYS_ADMIN on this kernel; the fexit and tracepoint backends need only CAP_BPF and CAP_PERFMON" "$WORK/err"
	ok $? "kprobe backend, --probes wire with $wire: refused, saying kprobes take CAP_SYS_ADMIN and which backends do not"
else
	eq "--probes wire with $wire: exits 0" "$RC" 0
	exact "--probes wire with $wire"
	grep -q "cannot attach the uprobes that read TLS sessions in clear ([A-Za-z ]*): creating a uprobe takes CAP_SYS_ADMIN on this kernel; a TLS session's traffic stays unattributed" "$WORK/err"
	ok $? "--probes wire with $wire: says TLS sessions cannot be read without CAP_SYS_ADMIN"
	for c in ${wire//,/ }; do
		without "$wire" "$c" --probes wire
	done
	traced "the USDT probes with $wire" "$wire" --probes status
	[ "$RC" -ne 0 ] && grep -q "creating a uprobe takes CAP_SYS_ADMIN on this kernel; --probes wire needs none for plaintext sessions" "$WORK/err"
	ok $? "the USDT probes with $wire: they cannot attach, and it says why and what needs none"
fi

# the unit's command line, with its environment file as installed
MPORT=$(free_port) || bail "no free port"
(
	set -a
	source "$TOP/dist/pgnetprof.default"
	PGNETPROF_METRICS=127.0.0.1:$MPORT PGNETPROF_BINARY=$PG_BIN
	cmd=$(sed -n 's/^ExecStart=[^ ]* //p' "$UNIT" | sed 's/\${\?\([A-Z_]*\)}\?/$\1/g')
	eval "exec '$PGNETPROF' ${PGNETPROF_BACKEND:+--backend $PGNETPROF_BACKEND} $cmd"
) >"$WORK/out" 2>"$WORK/err" &
PROF_PID=$!
for _ in $(seq "${PROF_START_TIMEOUT:-100}"); do grep -q 'Hit Ctrl-C' "$WORK/err" && break; sleep 0.1; done
psql_ -c "select 1" >/dev/null
python3 "$TESTS_DIR/metrics.py" status "http://127.0.0.1:$MPORT/metrics" GET >"$WORK/status" 2>&1
kill -INT $PROF_PID
wait $PROF_PID
eq "the unit's command line runs: exits 0, serves /metrics, prints no record" \
	"$? $(cat "$WORK/status") $(wc -c <"$WORK/out")" "0 200 0"
PROF_PID=

# SIGHUP: said once, ignored
prof_start -f json "$PG_BIN"
kill -HUP "$PROF_PID"
sleep 0.5
psql_ -c "select 'after a hangup'" >/dev/null
sleep 0.3
check "after SIGHUP: still running" kill -0 "$PROF_PID"
eq "after SIGHUP: said on stderr" "$(grep -c 'SIGHUP ignored: the options are read at start; restart pgnetprof to change them' "$WORK/err")" 1
prof_stop
eq "after SIGHUP: exits 0" "$PROF_STATUS" 0
eq "after SIGHUP: statements still traced" "$(records statement | jq -r .query | grep -c "after a hangup")" 1

done_testing
