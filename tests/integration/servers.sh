#!/bin/bash
# Several servers (clusters) of one binary on one host: every record says
# which it comes from (its postmaster's pid, port and data directory),
# whether the server ran before pgnetprof or started after it; a program
# that is merely named postgres, run by another user, neither confuses the
# no-argument mode nor is traced; a server in a pid namespace of its own
# (a container's) has its backends' pids as it sees them in ns_pid.
source "$TESTS_DIR/lib.sh"

pg_init
pg_start
A_PORT=$PGPORT A_DIR=$PGDATA_DIR A_PID=$(head -1 "$PGDATA_DIR/postmaster.pid")

FAKE=$(mktemp -d /tmp/pgnetprof-fake.XXXXXX)
chmod 755 "$FAKE"
cp /bin/sleep "$FAKE/postgres"
runuser -u nobody -- "$FAKE/postgres" 600 &
FAKE_PID=$!
BWORK=$WORK/b
mkdir "$BWORK"
b_stop() { (WORK=$BWORK PGDATA_DIR=$BWORK/data && pg_stop); }
trap 'kill $FAKE_PID 2>/dev/null; rm -rf "$FAKE"; b_stop; cleanup' EXIT

# no binary named: the one real server's, not the impostor's
prof_start -f json
check "no argument: tracing starts beside a program merely named postgres" grep -q 'Tracing' "$WORK/err"
check "... and does not call it a second PostgreSQL" sh -c "! grep -q 'several' '$WORK/err'"
# a second server, started while tracing
(WORK=$BWORK && pg_init && pg_start && echo "$PGPORT" >"$BWORK/port") || bail "second server did not start"
B_PORT=$(cat "$BWORK/port") B_DIR=$BWORK/data B_PID=$(head -1 "$BWORK/data/postmaster.pid")
psql_ -h 127.0.0.1 -p "$A_PORT" -U postgres postgres -c "select 'on a'" >/dev/null
psql_ -h 127.0.0.1 -p "$B_PORT" -U postgres postgres -c "select 'on b'" >/dev/null
psql_ -h "$BWORK" -p "$B_PORT" -U postgres postgres -c "select 'on b, unix'" >/dev/null
prof_stop

server_of() {	# server_of JQ-FILTER: "pid port directory" of the matching records
	jq -r "select($1) | \"\\(.server_pid) \\(.server_port) \\(.data_directory)\"" "$WORK/out" | sort -u
}
eq "a server running before pgnetprof: its statement names it" \
	"$(server_of '.type == "statement" and .query == "select '"'"'on a'"'"'"')" "$A_PID $A_PORT $A_DIR"
eq "... and so does its session" \
	"$(server_of ".type == \"session\" and .server_pid == $A_PID and .statements == 1")" "$A_PID $A_PORT $A_DIR"
eq "a server started while tracing: its statements name it (TCP and Unix socket)" \
	"$(server_of '.type == "statement" and (.query | startswith("select '"'"'on b"))')" "$B_PID $B_PORT $B_DIR"
eq "... and so do its sessions" \
	"$(server_of ".type == \"session\" and .server_pid == $B_PID")" "$B_PID $B_PORT $B_DIR"
eq "every record names one of the two servers" \
	"$(jq -r 'select(.type != "summary") | .server_pid' "$WORK/out" | sort -u | tr '\n' ' ')" \
	"$(printf '%s\n' "$A_PID" "$B_PID" | sort | tr '\n' ' ')"
eq "nothing of the impostor's" "$(jq -s "map(select(.pid == $FAKE_PID)) | length" "$WORK/out")" 0
eq "a backend in the host's pid namespace: ns_pid is null" \
	"$(records statement | jq -r 'select(.query == "select '"'"'on a'"'"'") | .ns_pid')" null

prof_start "$PG_BIN"
psql_ -h 127.0.0.1 -p "$B_PORT" -U postgres postgres -c "select 'text b'" >/dev/null
prof_stop
check "text report: the server's port after the client" \
	grep -qE "^.* pid [0-9]+ postgres@postgres 127\.0\.0\.1:[0-9]+ on :$B_PORT simple ok" "$WORK/out"

# a server in its own pid and mount namespaces, as in a container
CWORK=$WORK/c
mkdir "$CWORK"
(WORK=$CWORK && pg_init && echo "$PGPORT" >"$CWORK/port") || bail "third data directory"
C_PORT=$(cat "$CWORK/port")
unshare -p -f --mount-proc runuser -u postgres -- "$PG_BINDIR/postgres" -D "$CWORK/data" \
	-c listen_addresses=127.0.0.1 -p "$C_PORT" -k "$CWORK" -c fsync=off >"$CWORK/log" 2>&1 &
C_UNSHARE=$!
# SIGTERM to the postmaster by its host pid (pg_ctl would read the
# container's pid from postmaster.pid): a smart shutdown; runuser and
# unshare then end
c_stop() { pkill -TERM -P "$(pgrep -P "$C_UNSHARE")" postgres && wait "$C_UNSHARE"; }
trap 'kill $FAKE_PID 2>/dev/null; c_stop 2>/dev/null; rm -rf "$FAKE"; b_stop; cleanup' EXIT
for _ in $(seq 1 100); do
	pg_isready -q -h 127.0.0.1 -p "$C_PORT" && break
	sleep 0.1
done
session_open early -h 127.0.0.1 -p "$C_PORT" -U postgres postgres
early_ns=$(session_sql early "select pg_backend_pid()")
prof_start -f json "$PG_BIN"
late_ns=$(psql -X -At -h 127.0.0.1 -p "$C_PORT" -U postgres postgres -c "select pg_backend_pid() as in_a_container")
session_sql early "select 'early one'" >/dev/null
prof_stop	# first: pgnetprof holds the session's fifo open too
sessions_close
c_stop
eq "a container's backend forked while tracing: ns_pid is its pg_backend_pid() there" \
	"$(records statement | jq -r 'select(.query | contains("in_a_container")) | "\(.ns_pid) \(.pid != .ns_pid) \(.server_port)"')" \
	"$late_ns true $C_PORT"
eq "... and one that ran before tracing began (read from /proc)" \
	"$(records statement | jq -r 'select(.query | contains("early one")) | "\(.ns_pid) \(.pid != .ns_pid) \(.server_port)"')" \
	"$early_ns true $C_PORT"
eq "... and its session" "$(records session | jq -r "select(.ns_pid == $early_ns) | .server_port")" "$C_PORT"
done_testing
