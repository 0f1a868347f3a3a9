#!/bin/bash
# Wire-protocol cases beyond plain queries: COPY in both directions, a NOTICE
# mid-statement, a backend terminated mid-statement, a backend's own
# connection (dblink: outbound traffic), a slow client (tx_wait),
# TLS, cluster_name and update_process_title=off. Bytes are exact where the protocol fixes them,
# and every session is conserved.
source "$TESTS_DIR/lib.sh"

pg_init
pg_start
psql_ -c "create table t (a int, b text)"


# --- COPY -----------------------------------------------------------------------
seq 1 5000 | awk '{print $1 "\tline " $1}' >"$WORK/rows"
prof_start -f json
psql_ -c "COPY t FROM STDIN" <"$WORK/rows"
psql_ -o /dev/null -c "COPY (select g from generate_series(1, 10000) g) TO STDOUT"
prof_stop
in=$(records statement | jq -c 'select(.query == "COPY t FROM STDIN")')
data=$(wc -c <"$WORK/rows")
# Query (1+4+text+NUL), CopyData messages (5 bytes of header each), CopyDone (5)
extra=$(($(echo "$in" | jq .rx_bytes) - (1 + 4 + 17 + 1) - data - 5))
check "COPY FROM STDIN: the data is the statement's (rx = Query + CopyData + CopyDone)" \
	test "$extra" -gt 0 -a $((extra % 5)) -eq 0
eq "COPY FROM STDIN: its session has only Terminate unattributed" \
	"$(records session | jq -s "map(select(.pid == $(echo "$in" | jq .pid))) | .[0].unattributed_rx_bytes")" 5
# CopyOutResponse (1+4+1+2+2), a CopyData per row (5 + digits + newline),
# CopyDone (5), CommandComplete "COPY 10000" (1+4+11), ReadyForQuery (6)
rows=$(seq 1 10000 | awk '{n += length($1) + 1 + 5} END {print n}')
eq "COPY TO STDOUT: tx = CopyOutResponse + CopyData + CopyDone + CommandComplete + ReadyForQuery" \
	"$(records statement | jq 'select(.query | startswith("COPY (select")) | .tx_bytes')" \
	$((10 + rows + 5 + 16 + 6))
conserved_both "COPY"

# --- a multi-statement simple query is one statement ------------------------------------
for probes in status query wire; do
	prof_start -f json --probes "$probes"
	psql_ -o /dev/null -c "select 1; select 'two'; select 3"
	prof_stop
	eq "[$probes] 'a; b; c' in one Query: one record with its whole text" \
		"$(records statement | jq -r .query)" "select 1; select 'two'; select 3"
	eq "[$probes] its request is the one Query message" "$(records statement | jq .rx_bytes)" \
		$((1 + 4 + 32 + 1))
done

# --- a NOTICE mid-statement ----------------------------------------------------------
prof_start -f json
psql_ -c "do \$\$ begin raise notice 'hello from the server'; perform pg_sleep(0.05); end \$\$" 2>"$WORK/notice"
prof_stop
check "NOTICE: psql got it" grep -q "hello from the server" "$WORK/notice"
# CommandComplete "DO" (1+4+3) and ReadyForQuery (6), plus the NoticeResponse
check "NOTICE: the NoticeResponse is the statement's" \
	test "$(records statement | jq 'select(.query | startswith("do ")) | .tx_bytes')" -gt $((8 + 6 + 21))
eq "NOTICE: one statement" "$(records statement | grep -c .)" 1
conserved_both "NOTICE"

# --- pg_terminate_backend mid-statement -----------------------------------------------
prof_start -f json
session_open victim
victim=$(session_sql victim "select pg_backend_pid()")
printf 'select pg_sleep(30);\n' >&"${SESSION_FD[victim]}"
sleep 0.5
psql_ -o /dev/null -c "select pg_terminate_backend($victim)"
sleep 0.5
psql_ -o /dev/null -c "select 'after the kill'"
prof_stop
sessions_close
killed=$(records statement | jq -c "select(.pid == $victim and .query == \"select pg_sleep(30);\")")
eq "terminated: the statement is reported, as an error" "$(echo "$killed" | jq -r .status)" error
check "terminated: its FATAL ErrorResponse is its own" test "$(echo "$killed" | jq .tx_bytes)" -gt 20
eq "terminated: the session is closed and reported" "$(records session | jq -s "map(select(.pid == $victim)) | length")" 1
eq "terminated: tracing goes on for new backends" \
	"$(records statement | jq -r 'select(.query == "select '"'"'after the kill'"'"'") | .status')" ok
conserved_both "terminated"

# --- outbound: a backend's own connection (dblink) ---------------------------------------
psql_ -c "create extension if not exists dblink"
prof_start -f json
psql_ -o /dev/null -c "select length(a) from dblink('host=127.0.0.1 port=$PGPORT dbname=postgres user=postgres', 'select repeat(''o'', 20000)') as t(a text)"
prof_stop
outer=$(records statement | jq -c 'select(.query | startswith("select length(a) from dblink"))')
remote=$(records statement | jq -c 'select(.query == "select repeat('"'"'o'"'"', 20000)")')
remote_session=$(records session | jq -c "select(.pid == $(echo "$remote" | jq .pid))")
check "outbound: the remote reply is the statement's outbound rx, not its client's tx" \
	test "$(echo "$outer" | jq '.outbound_rx_bytes > 20000 and .tx_bytes < 1000')" = true
eq "outbound rx = all the remote backend sent" "$(echo "$outer" | jq .outbound_rx_bytes)" "$(echo "$remote_session" | jq .tx_bytes)"
eq "outbound tx = all the remote backend received" "$(echo "$outer" | jq .outbound_tx_bytes)" "$(echo "$remote_session" | jq .rx_bytes)"
eq "outbound: the session's outbound totals" \
	"$(records session | jq -c "select(.pid == $(echo "$outer" | jq .pid)) | [.outbound_rx_bytes, .outbound_tx_bytes]")" \
	"$(echo "$outer" | jq -c '[.outbound_rx_bytes, .outbound_tx_bytes]')"
conserved_both "outbound"

# --- a slow client: the backend waits on a full socket ----------------------------------
prof_start -f json
python3 "$TESTS_DIR/pgwire.py" --slow 1 127.0.0.1 127.0.0.1 "$PGPORT" postgres postgres \
	"select repeat('x', 8000000)" || bail "pgwire failed"
prof_stop
big=$(records statement | jq -c 'select(.query | startswith("select repeat"))')
check "slow client: tx_wait_ns covers most of its 1 s pause (the server is not the slow one)" \
	test "$(echo "$big" | jq .tx_wait_ns)" -gt 500000000
check "slow client: tx_wait and exec within the response time" \
	test "$(echo "$big" | jq '.tx_wait_ns < .response_ns and .exec_ns < .response_ns')" = true
check "slow client: the 8 MB result is its tx" test "$(echo "$big" | jq .tx_bytes)" -gt 8000000
conserved_both "slow client"

# --- TLS: the bytes are the wire's, ciphertext included --------------------------------
pg_stop
pg_tls_cert
pg_start -c ssl=on
tls_session() {	# tls_session [PSQL COMMAND]: two statements over TLS, the kernel's counters
	psql -X -q -o /dev/null "sslmode=require host=127.0.0.1" <<SQL
${1:-}
select 1;
select repeat('z', 40000);
\\! ss -tinH state established '( sport = :$PGPORT )' > $WORK/ss
SQL
}
prof_start -f json --probes status
tls_session
prof_stop
sess=$(records session)
kin=$(ss_counter "$WORK/ss" bytes_received)
# psql's Terminate is a TLS record too: header 5, type 1, tag 16 around its 5 bytes
eq "[status] TLS: session rx = kernel bytes_received + the Terminate record" "$(echo "$sess" | jq .rx_bytes)" $((kin + 5 + 5 + 1 + 16))
# and the server's close_notify alert at exit: header 5, alert 2, type 1, tag 16
eq "[status] TLS: session tx = kernel bytes_sent - bytes_retrans + close_notify" "$(echo "$sess" | jq .tx_bytes)" \
	$(($(ss_app_sent "$WORK/ss") + 5 + 2 + 1 + 16))
eq "[status] TLS: the statements, each with its records" "$(records statement | jq -r .query | paste -sd'|')" "select 1;|select repeat('z', 40000);"
check "[status] TLS: a statement's bytes are ciphertext (more than its 14 plaintext bytes)" \
	test "$(records statement | jq 'select(.query == "select 1;") | .rx_bytes')" -gt 14
check "[status] TLS: the handshake is startup cost" test "$(echo "$sess" | jq .startup_rx_bytes)" -gt 200
conserved_both "[status] TLS"

# --probes wire reads a TLS session in clear where PostgreSQL decrypts and
# encrypts it (uprobes on be_tls_read and be_tls_write, attached from the
# start): every statement from the first, an error inside a savepoint, the
# names from the startup message; the bytes are still the socket's
prof_start -f json --probes wire
tls_session "begin;
savepoint s;
select 1/0;
rollback to s;
commit;
listen tls_idle;
\\! psql -X -q \"sslmode=disable host=127.0.0.1\" -c \"notify tls_idle, 'x'\"
\\! sleep 0.3"
prof_stop
sess=$(records session | jq -c 'select(.statements > 1)')
kin=$(ss_counter "$WORK/ss" bytes_received)
eq "[wire] TLS: counted as encrypted" "$(jq 'select(.type == "summary") | .encrypted_sessions' "$WORK/out")" 1
eq "[wire] TLS: every statement from the first, each once" \
	"$(records statement | jq -r "select(.pid == $(echo "$sess" | jq .pid)) | .query" | paste -sd'|')" \
	"begin;|savepoint s;|select 1/0;|rollback to s;|commit;|listen tls_idle;|select 1;|select repeat('z', 40000);"
eq "[wire] TLS: the error inside the savepoint, and only it, failed" \
	"$(records statement | jq -r 'select(.status != "ok") | .query + " " + .status')" "select 1/0; error"
eq "[wire] TLS: user and database from the startup message" "$(records statement | jq -c '[.user, .database]' | sort -u)" '["postgres","postgres"]'
check "[wire] TLS: a statement's bytes are ciphertext (more than its 14 plaintext bytes)" \
	test "$(records statement | jq 'select(.query == "select 1;") | .rx_bytes')" -gt 14
# another session's NOTIFY reached it idle: a record of header 5, 'A'
# (1+4+4+"tls_idle\0"+"x\0"), type 1, tag 16; and close_notify at exit
eq "[wire] TLS: the idle notification is unattributed" "$(echo "$sess" | jq .unattributed_tx_bytes)" \
	$((5 + 1 + 4 + 4 + 9 + 2 + 1 + 16 + 5 + 2 + 1 + 16))
eq "[wire] TLS: the TLS hooks hit, 2 per read or write call" \
	"$(jq 'select(.type == "summary") | .probe_hits % 2' "$WORK/out")" 0
eq "[wire] TLS: session rx = kernel bytes_received + the Terminate record" "$(echo "$sess" | jq .rx_bytes)" $((kin + 5 + 5 + 1 + 16))
conserved_both "[wire] TLS"

# a TLS session open before tracing began: read in clear from its first
# call after, as a plaintext one joined so is
/usr/bin/python3 - "$PGPORT" "$WORK/go" <<'PY' &
import os, sys, time, psycopg
conn = psycopg.connect(f"host=127.0.0.1 port={sys.argv[1]} user=postgres dbname=postgres sslmode=require",
                       autocommit=True)
conn.execute("select 'before'")
open(sys.argv[2] + ".ready", "w").close()
for _ in range(1200):
    if os.path.exists(sys.argv[2]):
        break
    time.sleep(0.05)
conn.execute("select 'joined 1'")
try:
    conn.execute("select 1/0")
except psycopg.errors.DivisionByZero:
    pass
conn.execute("select 'joined 2'")
conn.close()
PY
JOINED=$!
for _ in $(seq 1 1200); do [ -e "$WORK/go.ready" ] && break; sleep 0.05; done
prof_start -f json --probes wire
touch "$WORK/go"
wait $JOINED
prof_stop
eq "[wire] TLS, joined: its statements since tracing began, errors exact" \
	"$(records statement | jq -r '.query + " " + .status' | paste -sd'|')" \
	"select 'joined 1' ok|select 1/0 error|select 'joined 2' ok"
eq "[wire] TLS, joined: no framing lost" "$(jq 'select(.type == "summary") | .wire_lost_sessions' "$WORK/out")" 0

# --- who, beyond doubt: names from the startup message; a title that a name
# could have forged says nothing (TLS hides the startup message) ----------------
ESC_ROLE=$'esc\e]0;PWNED\a\e[2J'
ESC_DB=$'db\e[31mred'
FORGER='alice proddb 10.9.9.9(5432)'
psql_ -c "create role \"$ESC_ROLE\" login" -c "create database \"$ESC_DB\"" \
	-c "create role \"$FORGER\" login" || bail "cannot create the hostile names"
who_of() { records statement | jq -c --arg q "$1" 'select(.query == $q) | [.user, .database]'; }
for probes in status wire; do
	prof_start -f json --probes $probes
	PGUSER=$ESC_ROLE PGDATABASE=$ESC_DB psql -X -q -o /dev/null "sslmode=disable host=127.0.0.1" -c "select 'esc'"
	PGUSER=$FORGER psql -X -q -o /dev/null "sslmode=disable host=127.0.0.1" -c "select 'forger in clear'"
	PGUSER=$FORGER psql -X -q -o /dev/null "sslmode=require host=127.0.0.1" -c "select 'forger over TLS'"
	psql -X -q -o /dev/null "sslmode=require host=127.0.0.1" -c "select 'postgres over TLS'"
	prof_stop
	eq "[$probes] hostile names: user and database exactly as created" "$(who_of "select 'esc'")" \
		"$(jq -cn --arg u "$ESC_ROLE" --arg d "$ESC_DB" '[$u, $d]')"
	eq "[$probes] a role named like a title's user, database and client: itself, in clear" \
		"$(who_of "select 'forger in clear'")" "$(jq -cn --arg u "$FORGER" '[$u, "postgres"]')"
	eq "[$probes] over TLS an ordinary title still names them" "$(who_of "select 'postgres over TLS'")" '["postgres","postgres"]'
	# the USDT sets never see a TLS session's startup message; wire reads it in clear
	if [ $probes = status ]; then
		eq "[status] ... and over TLS, from its title: unknown, not alice on proddb" \
			"$(who_of "select 'forger over TLS'")" '[null,null]'
	else
		eq "[wire] ... and over TLS, from its startup message: itself" \
			"$(who_of "select 'forger over TLS'")" "$(jq -cn --arg u "$FORGER" '[$u, "postgres"]')"
	fi
done
prof_start
PGUSER=$ESC_ROLE PGDATABASE=$ESC_DB psql -X -q -o /dev/null "sslmode=disable host=127.0.0.1" -c "select 'esc'"
prof_stop
check "text report: hostile names put no raw escape character on the terminal" bash -c "! grep -q $'\033' '$WORK/out'"
grep -q '^.* pid [0-9]* esc\\x1b\]0;PWNED\\x07\\x1b\[2J@db\\x1b\[31mred ' "$WORK/out"
ok $? "text report: the names escaped like the query text"

# --- who: cluster_name, update_process_title=off ------------------------------------
# (with update_process_title=off PostgreSQL still writes the title's fixed
# part, user, database and host, at backend start; only the activity stays)
for setting in cluster_name=clu update_process_title=off; do
	pg_stop
	pg_start -c "$setting"
	prof_start -f json
	psql_ -o /dev/null -c "select '$setting'"
	prof_stop
	eq "$setting: user and database from the title" \
		"$(records statement | jq -r '[.user, .database] | join(" ")')" "postgres postgres"
	eq "$setting: the statement is reported" "$(records statement | jq -r .query)" "select '$setting'"
done

done_testing
