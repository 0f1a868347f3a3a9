#!/bin/bash
# Several servers (clusters) of one binary on one host: every record says
# which it comes from (its postmaster's pid, port and data directory),
# whether the server ran before pgnetprof or started after it; a program
# that is merely named postgres, run by another user, neither confuses the
# no-argument mode nor is traced.
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

prof_start "$PG_BIN"
psql_ -h 127.0.0.1 -p "$B_PORT" -U postgres postgres -c "select 'text b'" >/dev/null
prof_stop
check "text report: the server's port after the client" grep -qE "^.* pid [0-9]+ postgres@postgres 127\.0\.0\.1:[0-9]+ on :$B_PORT simple ok" "$WORK/out"
done_testing
