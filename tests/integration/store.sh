#!/bin/bash
# --init-store and --store: rows stored equal records printed, field by
# field; the results server going away and coming back loses nothing, and
# an overflowing buffer's dropped count is exact; the writer's own backend
# is never in the results; bad conninfo, password and schema fail clearly.
source "$TESTS_DIR/lib.sh"

# the traced server
pg_init
pg_start
TRACED=$(head -1 "$PGDATA_DIR/postmaster.pid")
TRACED_PORT=$PGPORT

# a second server, of the same binary, holds the results
results_server
RESULTS="host=127.0.0.1 port=$RPORT user=postgres dbname=postgres"
rsql() { psql -X -At -v ON_ERROR_STOP=1 -h 127.0.0.1 -p "$RPORT" -U postgres postgres "$@"; }

# --- bad inputs: nothing is traced -------------------------------------------
dead=$(free_port)
"$PGNETPROF" -f json --store "host=127.0.0.1 port=$dead dbname=x" -d 1 >"$WORK/out" 2>"$WORK/err"
eq "unreachable results server: exit 1" $? 1
check "unreachable results server: says so" grep -q "cannot connect to the results database (--store)" "$WORK/err"
check "unreachable results server: tracing never started" sh -c "! grep -q 'Tracing' $WORK/err"

"$PGNETPROF" -f json --store "$RESULTS" -d 1 >"$WORK/out" 2>"$WORK/err"
eq "missing schema: exit 1" $? 1
check "missing schema: tells how to create it" grep -q "no pgnetprof schema; create it with: pgnetprof --init-store" "$WORK/err"

rsql -q -c "create role pw login password 'right-secret-1'"
sed -i '1i host all pw 127.0.0.1/32 scram-sha-256' "$RWORK/data/pg_hba.conf"
rsql -q -c "select pg_reload_conf()" >/dev/null
"$PGNETPROF" --store "$RESULTS user=pw password=wrong-secret-2" -d 1 >"$WORK/out" 2>"$WORK/err"
eq "wrong password: exit 1" $? 1
check "wrong password: libpq's reason" grep -q 'password authentication failed for user "pw"' "$WORK/err"
check "wrong password: the password is never printed" sh -c "! grep -q 'secret' $WORK/err $WORK/out"

"$PGNETPROF" --init-store "host=127.0.0.1 port=$dead" >"$WORK/out" 2>"$WORK/err"
eq "--init-store on an unreachable server: exit 1" $? 1

# --- --init-store: creates, then is idempotent ---------------------------------
"$PGNETPROF" --init-store "postgresql://postgres@127.0.0.1:$RPORT/postgres" >"$WORK/out" 2>"$WORK/err"
eq "--init-store (URI) creates the schema: exit 0" $? 0
check "--init-store says what it did" grep -q "upgraded from version 0 to 8" "$WORK/out"
"$PGNETPROF" --init-store "$RESULTS" >"$WORK/out" 2>&1
check "--init-store again: nothing to do" grep -q "already at version 8" "$WORK/out"
eq "the schema versions recorded" "$(rsql -c 'select string_agg(version::text, $$ $$ order by version) from pgnetprof.schema_version')" "1 2 3 4 5 6 7 8"
# an older schema (version 1, as the first migration made it, in a database
# of its own): --store refuses it, --init-store upgrades it
rsql -q -c "create database v1"
psql_ -h 127.0.0.1 -p "$RPORT" -U postgres v1 -c "create schema pgnetprof; create table pgnetprof.schema_version (version integer primary key, description text not null, applied timestamptz not null default now()); insert into pgnetprof.schema_version values (1, 'initial')" -f "$TESTS_DIR/../sql/migrations/001-initial.sql"
"$PGNETPROF" --store "${RESULTS/dbname=postgres/dbname=v1}" -d 1 >"$WORK/out" 2>"$WORK/err"
check "an older schema: --store says to upgrade it" grep -q "at version 1, this pgnetprof writes version 8; upgrade it with: pgnetprof --init-store" "$WORK/err"
"$PGNETPROF" --init-store "${RESULTS/dbname=postgres/dbname=v1}" >"$WORK/out" 2>&1
check "--init-store upgrades version 1 to 8" grep -q "upgraded from version 1 to 8" "$WORK/out"
rsql -q -c "insert into pgnetprof.schema_version values (9, 'from the future')"
"$PGNETPROF" --init-store "$RESULTS" >"$WORK/out" 2>&1
eq "a newer schema: --init-store refuses to touch it" $? 1
check "a newer schema: says to use a newer pgnetprof" grep -q "newer than this pgnetprof knows (8)" "$WORK/out"
rsql -q -c "delete from pgnetprof.schema_version where version = 9"
rsql -q -c "grant usage on schema pgnetprof to pw; grant select on pgnetprof.schema_version to pw"
"$PGNETPROF" --store "$RESULTS user=pw password=right-secret-1" -d 1 >"$WORK/out" 2>"$WORK/err"
check "a user without INSERT is told what to grant" grep -q "GRANT INSERT ON .*EXECUTE ON FUNCTION pgnetprof.maintain" "$WORK/err"

# --- a password on the command line: not readable in /proc/PID/cmdline ----------
prof_start -f json -p "$TRACED" --store "$RESULTS password=argv-secret-3" --store-host argv
psql_ -c "select 'argv'" >/dev/null
check "the --store password is gone from /proc/PID/cmdline" \
	sh -c "! tr '\\0' ' ' </proc/$PROF_PID/cmdline | grep -q argv-secret-3"
check "... and the rest of the conninfo is still there" \
	sh -c "tr '\\0' ' ' </proc/$PROF_PID/cmdline | grep -q 'port=$RPORT user=postgres dbname=postgres password=\*\*\*\*\*\*\*\*\*\*\*\*\*'"
prof_stop
eq "... and the connection still uses it: the rows are stored" \
	"$(rsql -c "select count(*) from pgnetprof.statements where host = 'argv'")" 1

# --- stored = printed, field by field -------------------------------------------
prof_start -f json -p "$TRACED" --store "$RESULTS" --store-host equal
psql_ -o /dev/null <<'SQL'
select 1;
select repeat('x', 5000);
select 'tab	newline
backslash \ quote '' unicode é €';
select 1/0;
select 'after the error';
SQL
pgbench -n -M extended -c 1 -t 5 -f <(echo "SELECT 42;") >/dev/null 2>&1
prof_stop
jq -c 'select(.type != "summary") | del(.type)' "$WORK/out" | jq -s -S sort >"$WORK/printed.json"
rsql >"$WORK/stored.json" <<'SQL'
select coalesce(json_agg(r), '[]') from (
  select to_char("time" at time zone 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"') as "time",
         pid, ns_pid, session, "user", database, client, server_pid, server_port, data_directory, query, fingerprint, normalized, protocol, status, pipelined,
         rx_bytes, tx_bytes, rx_calls, tx_calls, rx_segs, tx_segs, rx_ns, tx_ns, tx_wait_ns,
         exec_ns, response_ns, srtt_us, retrans, outbound_rx_bytes, outbound_tx_bytes
  from pgnetprof.statements where host = 'equal') r;
SQL
rsql >"$WORK/stored-sessions.json" <<'SQL'
select coalesce(json_agg(r), '[]') from (
  select session, pid, ns_pid, "user", database, client, server_pid, server_port, data_directory, transport,
         to_char(start at time zone 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"') as start,
         to_char("end" at time zone 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"') as "end",
         statements, rx_bytes, tx_bytes, rx_calls, tx_calls, startup_rx_bytes, startup_tx_bytes,
         startup_ns, handshake_us, unattributed_rx_bytes, unattributed_tx_bytes,
         outbound_rx_bytes, outbound_tx_bytes
  from pgnetprof.sessions where host = 'equal') r;
SQL
jq -s -S 'add | sort' "$WORK/stored.json" "$WORK/stored-sessions.json" >"$WORK/stored-all.json"
n=$(jq length "$WORK/printed.json")
check "a workload was printed (>= 8 statements, 3 sessions)" test "$n" -ge 11
diff "$WORK/printed.json" "$WORK/stored-all.json" >"$WORK/diff"
ok $? "every stored row equals its printed record, field by field ($n records)"
[ -s "$WORK/diff" ] && diag "$WORK/diff"
eq "summary: stored = printed records, their rollup rows and their fingerprints' texts" \
	"$(jq 'select(.type == "summary") | .stored' "$WORK/out")" \
	"$((n + $(rsql -c "select count(*) from pgnetprof.statement_rollups where host = 'equal'") + \
	     $(jq -r 'select(.type == "statement") | .fingerprint' "$WORK/out" | sort -u | wc -l)))"
eq "summary: nothing dropped" "$(jq 'select(.type == "summary") | .store_dropped' "$WORK/out")" 0

# --- one field table (src/out/fields.h): the JSON keys, the stored columns (and
# the store's own: host, client_addr, a session's open) and docs/output.md's field
# tables name the same fields --------------------------------------------------
readme_fields() {	# readme_fields FROM TO: the first column's names between two lines
	sed -n "/^$1/,/^$2/p" "$TESTS_DIR/../docs/output.md" | grep '^| `' | cut -d'|' -f2 |
		grep -o '`[a-z_]*`' | tr -d '`' | sort -u | paste -sd' '
}
json_keys() {	# json_keys TYPE
	jq -r --arg t "$1" 'select(.type == $t) | keys[]' "$WORK/out" | sort -u | paste -sd' '
}
columns() {	# columns TABLE STORE-ONLY...: its columns but the store's own, and "type"
	{ rsql -c "select column_name from information_schema.columns
		   where table_schema = 'pgnetprof' and table_name = '$1'" | grep -vxF -f <(printf '%s\n' "${@:2}")
	  echo type; } | sort -u | paste -sd' '
}
for t in statement session; do
	only=(host client_addr)
	[ "$t" = session ] && only+=(open)
	eq "$t: the stored columns are the JSON keys (and ${only[*]})" "$(columns "${t}s" "${only[@]}")" "$(json_keys "$t")"
done
eq "statement: docs/output.md's field table names the JSON keys" "$(readme_fields '\*\*statement\*\*' '\*\*session\*\*')" "$(json_keys statement)"
eq "session: docs/output.md's field table names the JSON keys" "$(readme_fields '\*\*session\*\*' 'Invariant')" "$(json_keys session)"

# --- rollups: the statements summed per interval and key ------------------------------
rollup_sums() {	# rollup_sums HOST: fingerprint calls errors rx tx, per fingerprint
	rsql -F ' ' -c "select fingerprint, sum(calls), sum(errors), sum(rx_bytes), sum(tx_bytes)
			from pgnetprof.statement_rollups where host = '$1' group by 1 order by 1"
}
record_sums() {	# record_sums: the same from the printed records
	jq -r 'select(.type == "statement") | [.fingerprint, (if .status == "error" then 1 else 0 end), .rx_bytes, .tx_bytes] | @tsv' \
		"$WORK/out" | awk '{c[$1]++; e[$1] += $2; r[$1] += $3; t[$1] += $4}
			END {for (f in c) print f, c[f], e[f], r[f], t[f]}' | sort
}
eq "rollups: per fingerprint, the calls, errors and bytes of the records" "$(rollup_sums equal)" "$(record_sums)"
eq "rollups: each row's histogram counts its calls" \
	"$(rsql -c "select count(*) from pgnetprof.statement_rollups where host = 'equal'
		    and (select sum(x) from unnest(response_hist) x) <> calls")" 0
eq "rollups: max_response_ns is the records' largest" \
	"$(rsql -c "select max(max_response_ns) from pgnetprof.statement_rollups where host = 'equal'")" \
	"$(jq -s 'map(select(.type == "statement") | .response_ns) | max' "$WORK/out")"
eq "rollups: the normalized text stored once per fingerprint" \
	"$(rsql -c "select count(*) from pgnetprof.fingerprints f where fingerprint in
		    (select fingerprint from pgnetprof.statements where host = 'equal') and
		    (select count(*) from pgnetprof.fingerprints g where g.fingerprint = f.fingerprint) = 1")" \
	"$(jq -r 'select(.type == "statement") | .fingerprint' "$WORK/out" | sort -u | wc -l)"
eq "rollups: pgnetprof.fingerprints has a normalized text each fingerprint's statements had (the first stored)" \
	"$(rsql -c "select count(*) from pgnetprof.fingerprints f where fingerprint in
		    (select fingerprint from pgnetprof.statements where host = 'equal') and not exists
		    (select from pgnetprof.statements s where s.fingerprint = f.fingerprint
		     and s.normalized is not distinct from f.normalized)")" 0
eq "hist_percentile: the upper bound of the bucket holding rank ceil(q n), in us" \
	"$(rsql -c "select pgnetprof.hist_percentile('{0,0,3,1}', 0.5), pgnetprof.hist_percentile('{0,0,3,1}', 1),
		    pgnetprof.hist_percentile('{1,0,0}', 0.99), pgnetprof.hist_percentile('{0,0}', 0.5) is null" | tr '|' ' ')" \
	"4 8 1 t"
eq "hist_sum: element-wise" "$(rsql -c "select pgnetprof.hist_sum(h) from (values ('{1,2}'::bigint[]), ('{3,4,5}')) v(h)")" "{4,6,5}"

# --- reports ---------------------------------------------------------------------
for r in "$TESTS_DIR"/../sql/reports/*.sql; do
	rsql -f "$r" >"$WORK/report.out" 2>&1
	ok $? "report $(basename "$r") runs"
done
want=$(jq -r 'select(.type == "statement") | [.fingerprint, .rx_bytes + .tx_bytes] | @tsv' "$WORK/out" |
	awk '{b[$1] += $2} END {for (f in b) print b[f], f}' | sort -rn | head -1 | cut -d' ' -f2)
got=$(rsql -F ' ' -f "$TESTS_DIR/../sql/reports/top-statements-by-bytes.sql" -v limit=1 | cut -d' ' -f1)
eq "top statement by bytes matches the printed records" "$got" "$want"
got=$(rsql -F ' ' -f "$TESTS_DIR/../sql/reports/rollup-top-statements.sql" -v limit=1 | cut -d' ' -f1)
eq "rollup-top-statements: the same top statement by bytes" "$got" "$want"

# raw rows a choice: none keeps the rollups and sessions only; slow wants a threshold
"$PGNETPROF" --store "$RESULTS" --store-statements slow -d 1 >"$WORK/o" 2>"$WORK/e"
[ $? -eq 2 ] && grep -q "store-statements slow keeps the statements over a threshold: give --min-duration" "$WORK/e"
ok $? "--store-statements slow without a threshold: refused, saying what to give"
"$PGNETPROF" --rollup-interval 5 -d 1 >"$WORK/o" 2>"$WORK/e"
[ $? -eq 2 ] && grep -q "shape what --store keeps: add --store" "$WORK/e"
ok $? "--rollup-interval without --store: refused"
for which in none slow; do
	extra=()
	[ $which = slow ] && extra=(--min-duration 3600s)
	prof_start -f json -p "$TRACED" --store "$RESULTS" --store-host "raw-$which" --store-statements $which "${extra[@]}"
	for i in 1 2 3; do psql_ -c "select 'raw $i'" >/dev/null; done
	prof_stop
	eq "--store-statements $which: no statement row" \
		"$(rsql -c "select count(*) from pgnetprof.statements where host = 'raw-$which'")" 0
	eq "--store-statements $which: the rollups count every statement" \
		"$(rsql -c "select sum(calls) from pgnetprof.statement_rollups where host = 'raw-$which' and fingerprint =
			    (select fingerprint from pgnetprof.fingerprints where normalized = 'select \$1')")" 3
	eq "--store-statements $which: the sessions stored" \
		"$(rsql -c "select count(*) from pgnetprof.sessions where host = 'raw-$which'")" 3
done

# intervals: a row per interval, aligned, the statements each in the one it completed in
prof_start -f json -p "$TRACED" --store "$RESULTS" --store-host intervals --rollup-interval 1
for i in $(seq 1 12); do psql_ -c "select 'interval $i'" >/dev/null; sleep 0.25; done
prof_stop
eq "intervals: the rollups count every record" \
	"$(rsql -c "select sum(calls) from pgnetprof.statement_rollups where host = 'intervals'")" \
	"$(records statement | wc -l)"
check "intervals: 3 s of statements make at least 3 intervals" \
	test "$(rsql -c "select count(distinct start) from pgnetprof.statement_rollups where host = 'intervals'")" -ge 3
eq "intervals: each starts on a whole second, one second long (the last at most)" \
	"$(rsql -c "select count(*) from pgnetprof.statement_rollups where host = 'intervals'
		    and (extract(microseconds from start)::bigint % 1000000 <> 0 or seconds <> 1)")" 0

# --- the results server goes away and comes back: nothing lost ---------------------
prof_start -f json -p "$TRACED" --store "$RESULTS" --store-host outage
for i in 1 2 3; do psql_ -c "select 'before $i'" >/dev/null; done
sleep 0.5
results_stop
for i in 1 2 3 4 5; do psql_ -c "select 'while away $i'" >/dev/null; done
sleep 2
results_start
for i in 1 2 3; do psql_ -c "select 'after $i'" >/dev/null; done
sleep 2
prof_stop
printed=$(jq -c 'select(.type != "summary")' "$WORK/out" | grep -c .)
stored=$(rsql -c "select (select count(*) from pgnetprof.statements where host = 'outage') + (select count(*) from pgnetprof.sessions where host = 'outage')")
eq "outage: every record stored (22 printed)" "$stored" "$printed"
eq "outage: 11 statements, 11 sessions printed" "$printed" 22
eq "outage: nothing dropped" "$(jq 'select(.type == "summary") | .store_dropped' "$WORK/out")" 0
check "outage: the writer said the server was away" grep -q "results database is unreachable" "$WORK/err"
check "outage: ... and back" grep -q "results database is back" "$WORK/err"

# --- a buffer too small: the dropped count is exact ----------------------------------
prof_start -f json -p "$TRACED" --store "$RESULTS" --store-host small --store-buffer 3
results_stop
for i in $(seq 1 8); do psql_ -c "select 'overflow $i'" >/dev/null; done
results_start
sleep 3
prof_stop
printed=$(jq -c 'select(.type != "summary")' "$WORK/out" | grep -c .)
stored=$(rsql -c "select (select count(*) from pgnetprof.statements where host = 'small') + (select count(*) from pgnetprof.sessions where host = 'small')")
eq "small buffer: the 3 buffered rows were stored (a fingerprint's text, a statement, its session)" "$stored" 2
eq "small buffer: dropped = printed - stored" "$(jq 'select(.type == "summary") | .store_dropped' "$WORK/out")" $((printed - stored))
check "small buffer: a warning at exit" grep -q "rows not stored" "$WORK/err"

# --- a hung results server (the writer's backend stopped): SIGTERM ends
# pgnetprof within --store-wait, counting what it could not store -----------
prof_start -f json -p "$TRACED" --store "$RESULTS" --store-host hung --store-wait 3
psql_ -c "select 'before the hang'" >/dev/null
sleep 1.5
writer=$(rsql -c "select pid from pg_stat_activity where application_name = 'pgnetprof'")
check "hung: the writer's backend found" test -n "$writer"
kill -STOP "$writer"
for i in 1 2 3; do psql_ -c "select 'hung $i'" >/dev/null; done
sleep 1.5	# the writer is inside libpq now, waiting on the stopped backend
t0=$(date +%s%N)
kill -TERM "$PROF_PID"
for _ in $(seq 1 300); do kill -0 "$PROF_PID" 2>/dev/null || break; sleep 0.1; done
alive=$(kill -0 "$PROF_PID" 2>/dev/null && echo yes || echo no)
[ "$alive" = yes ] && kill -KILL "$PROF_PID"
wait "$PROF_PID"
PROF_PID=
elapsed_ms=$((($(date +%s%N) - t0) / 1000000))
kill -CONT "$writer"
eq "hung: SIGTERM ended pgnetprof" "$alive" no
check "hung: within --store-wait and the socket's shutdown (3 s + 1 + 2, took $elapsed_ms ms)" test "$elapsed_ms" -lt 15000
check "hung: says it gave up on the results database" grep -q "did not answer within --store-wait (3 s)" "$WORK/err"
dropped=$(jq 'select(.type == "summary") | .store_dropped' "$WORK/out")
check "hung: the rows not stored are counted as dropped (got $dropped)" test "${dropped:-0}" -ge 3

# --- results on the traced server itself: the writer's backend is not traced -------------
PGPORT=$TRACED_PORT
"$PGNETPROF" --init-store "host=127.0.0.1 port=$TRACED_PORT user=postgres dbname=postgres" >/dev/null 2>&1
prof_start -p "$TRACED" --store "host=127.0.0.1 port=$TRACED_PORT user=postgres dbname=postgres" --store-host self
for i in 1 2 3 4; do psql_ -c "select 'self $i'" >/dev/null; sleep 0.3; done
writer=$(psql_ -At -c "select pid from pg_stat_activity where application_name = 'pgnetprof'")
prof_stop
check "the writer's connection was found" test -n "$writer"
eq "self: the workload is stored" \
	"$(psql_ -At -c "select count(*) from pgnetprof.statements where host = 'self' and query like 'select ''self %'")" 4
eq "self: no statement of the writer's backend" \
	"$(psql_ -At -c "select count(*) from pgnetprof.statements where host = 'self' and (pid = $writer or query like 'COPY pgnetprof.%')")" 0
eq "self: no session of the writer's backend" \
	"$(psql_ -At -c "select count(*) from pgnetprof.sessions where host = 'self' and pid = $writer")" 0
check "self: the text report names no writer's statement" sh -c "! grep -q 'COPY pgnetprof' $WORK/out"
check "text report and --store together: summary counts stored rows" grep -q "^Stored: [1-9][0-9]* rows, 0 dropped" "$WORK/out"

# --- --format none: records only to the store --------------------------------------------
prof_start -f none -p "$TRACED" --store "host=127.0.0.1 port=$TRACED_PORT user=postgres dbname=postgres" --store-host none
psql_ -c "select 'none'" >/dev/null
prof_stop
check "--format none: nothing on stdout" test ! -s "$WORK/out"
# a statement, its session, its rollup row and its fingerprint's text
check "--format none: the summary on stderr" grep -q "^Stored: 4 rows, 0 dropped" "$WORK/err"

done_testing
