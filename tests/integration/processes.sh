#!/bin/bash
# Which processes are traced: every current and future process of the
# binary (even a postmaster started after pgnetprof), nothing else; the
# -p, address, port and --min-* filters; sessions open at exit are flushed.
source "$TESTS_DIR/lib.sh"

pg_init

# A server started after pgnetprof, and its backends, are traced.
prof_start -f json "$PG_BIN"
pg_start
psql_ -o /dev/null -c "select 'late server'"
# another binary doing TCP on loopback: not ours
python3 - <<'PY' &
import socket
srv = socket.socket(); srv.bind(("127.0.0.1", 0)); srv.listen(1)
cli = socket.create_connection(srv.getsockname()); conn, _ = srv.accept()
for _ in range(50):
    cli.sendall(b"x" * 1000); conn.recv(65536); conn.sendall(b"y" * 1000); cli.recv(65536)
PY
other=$!
wait $other
psql_ -o /dev/null -c "select 'second backend'"
prof_stop
eq "postmaster started after pgnetprof: its backend is traced" \
	"$(records statement | jq -r 'select(.query == "select '"'"'late server'"'"'") | .rx_bytes')" $((1 + 4 + 20 + 1))
eq "a later backend is traced too" "$(records statement | jq -r 'select(.query | contains("second")) | .query')" \
	"select 'second backend'"
eq "no record from another binary's TCP traffic" "$(jq -s "map(select(.pid == $other)) | length" "$WORK/out")" 0
eq "exactly the two client sessions" "$(records session | grep -c .)" 2
check "the other process's bytes are in no session" \
	test "$(records session | jq -s 'map(.rx_bytes) | max')" -lt 50000

# Sessions that exist before pgnetprof starts, -p on one backend, and
# sessions still open when pgnetprof stops.
session_open a
session_open b
pid_a=$(session_sql a "select pg_backend_pid()")
pid_b=$(session_sql b "select pg_backend_pid()")
prof_start -f json -p "$pid_a"
session_sql a "select 'from a'" >/dev/null
session_sql b "select 'from b'" >/dev/null
prof_stop
eq "-p PID: only that backend" "$(records statement | jq -r .pid | sort -u)" "$pid_a"
eq "-p PID: a session joined mid-way finds its statement" \
	"$(records statement | jq -r 'select(.query == "select '"'"'from a'"'"';") | .rx_bytes')" $((1 + 4 + 16 + 1))
eq "open session flushed at exit" "$(records session | jq .pid)" "$pid_a"

postmaster=$(head -1 "$PGDATA_DIR/postmaster.pid")
prof_start -f json -p "$postmaster"
session_sql b "select 'b again'" >/dev/null
psql_ -o /dev/null -c "select 'child of postmaster'"
prof_stop
eq "-p POSTMASTER: its existing and new children" \
	"$(records statement | jq -r .query | grep -v pg_backend_pid | sort | tr '\n' '|')" \
	"select 'b again';|select 'child of postmaster'|"

# address, port and family filters on the client socket
port_b=$(session_sql b "select client_port from pg_stat_activity where pid = pg_backend_pid()")

# Sessions open before tracing that move nothing while it runs: reported at
# exit all the same, with no traffic, named by their titles
prof_start -f json
psql_ -o /dev/null -c "select 'meanwhile'"
prof_stop
idle=$(records session | jq -c "select(.pid == $pid_b)")
eq "an idle session open all along is reported at exit" "$(echo "$idle" | jq -c '[.statements, .rx_bytes, .tx_bytes]')" '[0,0,0]'
eq "... with its user, database and client" "$(echo "$idle" | jq -r '[.user, .database, .client] | join(" ")')" \
	"postgres postgres 127.0.0.1:$port_b"
eq "... and so is the other one" "$(records session | jq -c "select(.pid == $pid_a) | .statements")" 0
filter_count() {	# filter_count OPTIONS...: statements seen with these filters
	prof_start -f json "$@"
	session_sql a "select 'a'" >/dev/null
	session_sql b "select 'b'" >/dev/null
	prof_stop
	records statement | grep -c .
}
eq "--lport server port" "$(filter_count --lport "$PGPORT")" 2
eq "--lport another port" "$(filter_count --lport 1)" 0
eq "-A 127.0.0.1" "$(filter_count -A 127.0.0.1)" 2
eq "-A 127.0.0.2" "$(filter_count -A 127.0.0.2)" 0
eq "-a 127.0.0.1" "$(filter_count -a 127.0.0.1)" 2
eq "-4" "$(filter_count -4)" 2
eq "-6" "$(filter_count -6)" 0
eq "-P client port of b" "$(filter_count -P "$port_b")" 1
eq "-P selects b" "$(records statement | jq -r .query)" "select 'b';"

prof_start -f json --min-bytes 10000 --min-duration 0
session_sql a "select repeat('z', 12000)" >/dev/null
session_sql a "select 'small'" >/dev/null
prof_stop
eq "--min-bytes keeps only the big statement" "$(records statement | jq -r .query)" "select repeat('z', 12000);"
eq "--min-bytes: filtered ones are counted" "$(jq -r 'select(.type == "summary") | .filtered' "$WORK/out")" 1

prof_start -f json --min-duration 150ms
session_sql a "select pg_sleep(0.3)" >/dev/null
session_sql a "select 'fast'" >/dev/null
prof_stop
eq "--min-duration keeps only the slow statement" "$(records statement | jq -r .query)" "select pg_sleep(0.3);"

sessions_close

# The server restarts while tracing: the killed session is reported, the
# new postmaster's backends are traced.
prof_start -f json "$PG_BIN"
session_open c
pid_c=$(session_sql c "select pg_backend_pid()")
pg_stop
pg_start
psql_ -o /dev/null -c "select 'after restart'"
prof_stop
kill "${SESSION_PID[c]}"	# the new postmaster inherited its fifo: no EOF
sessions_close 2>/dev/null
eq "restart: the killed backend's session is reported" \
	"$(records session | jq -r "select(.pid == $pid_c) | .statements")" 1
eq "restart: the new server's backend is traced" \
	"$(records statement | jq -r 'select(.query == "select '"'"'after restart'"'"'") | .rx_bytes')" $((1 + 4 + 22 + 1))
eq "restart: pgnetprof kept running and exited cleanly" "$PROF_STATUS" 0

# -p POSTMASTER and a restart: the postmaster given is gone, so pgnetprof
# says so and stops (it used to keep "tracing" nothing)
postmaster=$(head -1 "$PGDATA_DIR/postmaster.pid")
prof_start -f json -p "$postmaster"
pg_stop
for _ in $(seq 1 100); do kill -0 "$PROF_PID" 2>/dev/null || break; sleep 0.1; done
gone=$(kill -0 "$PROF_PID" 2>/dev/null && echo running || echo stopped)
prof_stop
eq "-p POSTMASTER, server stopped: pgnetprof stops by itself" "$gone" stopped
check "... saying why and what to do" grep -q "process $postmaster (-p) has exited: nothing more to trace.*new postmaster's pid" "$WORK/err"
pg_start

# A package upgrade replaces the binary under the running server (a new
# file renamed over the old, as dpkg does): the path now names a binary
# nothing runs. pgnetprof traces the one the server runs, through /proc,
# and says so. The copy sits beside the original, to find its share files.
COPY=$PG_BINDIR/postgres.pgnetprof-test-$$
cp "$PG_BIN" "$COPY" || bail "cannot copy the server binary"
trap 'rm -f "$COPY" "$COPY.new"; cleanup' EXIT
pg_stop
runuser -u "$PG_OS_USER" -- "$PG_BINDIR/pg_ctl" -D "$PGDATA_DIR" -p "$COPY" -w -t 60 -l "$WORK/postgres.log" \
	-o "-c listen_addresses=127.0.0.1 -p $PGPORT -k $WORK -c fsync=off" start >/dev/null || bail "the copy did not start"
cp "$PG_BIN" "$COPY.new" && mv -f "$COPY.new" "$COPY"
prof_start -f json "$COPY"
psql_ -o /dev/null -c "select 'after the upgrade'"
prof_stop
check "upgraded binary: says it traces the one the server runs" grep -q "started before that file was replaced.*restart the server" "$WORK/err"
eq "upgraded binary: the running server's statements are traced" \
	"$(records statement | jq -r 'select(.query == "select '"'"'after the upgrade'"'"'") | .rx_bytes')" $((1 + 4 + 26 + 1))

# The binary on overlayfs (a container's root), copied up to a tmpfs upper
# layer, the server started after pgnetprof: stat() reports the layer's
# device, the exec the overlay's. In a mount namespace of its own, over the
# binary's own directory (so it finds its share files).
cat >"$WORK/overlay.sh" <<SH
set -e
source "$TESTS_DIR/lib.sh"
mkdir -p "\$WORK/ovl" && mount -t tmpfs tmpfs "\$WORK/ovl" && mkdir "\$WORK/ovl/u" "\$WORK/ovl/w"
mount -t overlay overlay -o "lowerdir=$PG_BINDIR,upperdir=\$WORK/ovl/u,workdir=\$WORK/ovl/w" "$PG_BINDIR"
cp "$PG_BIN" "$PG_BIN.up" && mv -f "$PG_BIN.up" "$PG_BIN"	# copied up
set +e
pg_init
prof_start -f json "$PG_BIN"
pg_start
psql_ -o /dev/null -c "select 'on overlayfs'"
prof_stop
cat "\$WORK/out"
SH
unshare -m --propagation private bash "$WORK/overlay.sh" >"$WORK/overlay.out" 2>"$WORK/overlay.err" ||
	diag "$WORK/overlay.err"
eq "overlayfs, server started after pgnetprof: its statements are traced" \
	"$(jq -r 'select(.type == "statement" and .query == "select '"'"'on overlayfs'"'"'") | .rx_bytes' "$WORK/overlay.out")" \
	$((1 + 4 + 21 + 1))

done_testing
