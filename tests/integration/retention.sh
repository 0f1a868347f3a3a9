#!/bin/bash
# Retention: the stored tables are partitioned in time. A store of version 7
# upgrades with its rows, grants and sums kept; the writer creates partitions
# ahead and drops those older than --retention while it runs across several
# partition boundaries (1-second partitions), every row younger than the
# oldest partition kept exactly; a writer that may not run the upkeep loses
# nothing and recovers; pgnetprof.maintain on a faked clock; bad options.
source "$TESTS_DIR/lib.sh"

pg_init
pg_start
TRACED=$(head -1 "$PGDATA_DIR/postmaster.pid")
TRACED_PORT=$PGPORT

results_server
rsql() { psql -X -At -v ON_ERROR_STOP=1 -h 127.0.0.1 -p "$RPORT" -U postgres "$@"; }
store() { echo "host=127.0.0.1 port=$RPORT dbname=$1 user=${2:-postgres}"; }
# partitions TABLE [DB]: "lo hi" per partition, epoch seconds, oldest first
partitions() {
	rsql "${2:-live}" -c "select extract(epoch from lo)::bigint || ' ' || extract(epoch from hi)::bigint
		from pgnetprof.partitions('pgnetprof.$1') order by lo"
}
# printed_since EPOCH: the JSON statements whose time is at or after EPOCH, as "count bytes"
printed_since() {
	jq -s -r --argjson t "$1" '[.[] | select(.type == "statement") |
		select(.time | sub("\\.[0-9]+Z$"; "Z") | fromdateiso8601 >= $t)] |
		"\(length) \(map(.rx_bytes + .tx_bytes) | add // 0)"' "$WORK/out"
}

# --- bad options: said before anything starts --------------------------------------
"$PGNETPROF" --retention 7d -d 1 >/dev/null 2>"$WORK/err"
eq "--retention without --store: exit 2" $? 2
check "... says to add --store" grep -q "add --store CONNINFO" "$WORK/err"
"$PGNETPROF" --store "$(store live)" --retention 7x -d 1 >/dev/null 2>"$WORK/err"
eq "--retention 7x: exit 2" $? 2
check "... says what an AGE is" grep -q "invalid --retention '7x': expected a whole number with unit s, m, h or d" "$WORK/err"
"$PGNETPROF" --store "$(store live)" --retention 12h -d 1 >/dev/null 2>"$WORK/err"
eq "--retention shorter than the default partition width (1d): exit 2" $? 2
check "... says why" grep -q "retention is shorter than --partition-width" "$WORK/err"
"$PGNETPROF" --store "$(store live)" --partition-width 0s -d 1 >/dev/null 2>"$WORK/err"
eq "--partition-width 0s: exit 2" $? 2

# --- a version-7 store with rows over twelve days upgrades with them ------------------
rsql postgres -q -c "create database old" -c "create role w login"
rsql old -q -c "create schema pgnetprof; create table pgnetprof.schema_version (version integer primary key, description text not null, applied timestamptz not null default now())"
for f in "$TESTS_DIR"/../sql/migrations/00[1-7]-*.sql; do
	rsql old -q -f "$f" || bail "migration $f failed"
done
rsql old -q <<'SQL' || bail "the version-7 rows were not inserted"
insert into pgnetprof.schema_version select v, 'before' from generate_series(1, 7) v;
grant usage on schema pgnetprof to w;
grant insert on pgnetprof.statements, pgnetprof.sessions, pgnetprof.statement_rollups to w;
grant select, insert on pgnetprof.fingerprints to w;
grant select on pgnetprof.schema_version to w;
insert into pgnetprof.statements (host, "time", pid, session, query, fingerprint, protocol, status,
	rx_bytes, tx_bytes, rx_calls, tx_calls, rx_segs, tx_segs, rx_ns, tx_ns, tx_wait_ns, exec_ns, response_ns, srtt_us, retrans)
select 'old', timestamptz '2026-11-01 00:00:00+00' + g * interval '7 hours', g, 's' || g, 'select ' || g, 'f', 'simple', 'ok',
	g, 2 * g, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 0 from generate_series(0, 40) g;
insert into pgnetprof.sessions (host, session, pid, start, "end", open, statements, rx_bytes, tx_bytes, rx_calls, tx_calls,
	startup_rx_bytes, startup_tx_bytes, startup_ns, unattributed_rx_bytes, unattributed_tx_bytes)
select 'old', 's' || g, g, timestamptz '2026-11-01 00:00:00+00' + g * interval '7 hours' - interval '1 hour',
	timestamptz '2026-11-01 00:00:00+00' + g * interval '7 hours', false, 1, g, g, 1, 1, 1, 1, 1, 0, 0 from generate_series(0, 40) g;
insert into pgnetprof.statement_rollups (host, start, seconds, fingerprint, protocol, calls, errors, rx_bytes, tx_bytes,
	rx_calls, tx_calls, rx_segs, tx_segs, rx_ns, tx_ns, tx_wait_ns, exec_ns, response_ns, max_response_ns, retrans, response_hist)
select 'old', timestamptz '2026-11-01 00:00:00+00' + g * interval '7 hours', 60, 'f', 'simple', g, 0, g, g,
	1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 0, '{1,2}' from generate_series(0, 40) g;
SQL
sums="select count(*) || ' ' || sum(rx_bytes) || ' ' || sum(tx_bytes)"
before="$(rsql old -c "$sums from pgnetprof.statements") $(rsql old -c "$sums from pgnetprof.sessions") $(rsql old -c "$sums from pgnetprof.statement_rollups")"
"$PGNETPROF" --init-store "$(store old)" >"$WORK/init" 2>&1
check "--init-store upgrades version 7 to 8" grep -q "upgraded from version 7 to 8" "$WORK/init"
eq "the upgrade keeps every row and sum of the three tables" \
	"$(rsql old -c "$sums from pgnetprof.statements") $(rsql old -c "$sums from pgnetprof.sessions") $(rsql old -c "$sums from pgnetprof.statement_rollups")" "$before"
eq "the statements' 41 rows over 12 days sit in 12 day partitions" \
	"$(rsql old -c "select count(*) || ' ' || min(lo) || ' ' || bool_and(hi - lo = interval '1 day') from pgnetprof.partitions('pgnetprof.statements')")" \
	"12 2026-11-01 00:00:00+00 true"
eq "... each row in its day's, none in the default partition" \
	"$(rsql old -c "select count(*) filter (where s.time >= p.lo and s.time < p.hi) || ' ' || (select count(*) from only pgnetprof.statements_default)
		from pgnetprof.statements s join pgnetprof.partitions('pgnetprof.statements') p on p.partition = s.tableoid")" "41 0"
eq "sessions are partitioned by their end, rollups by their start" \
	"$(rsql old -c "select pgnetprof.partition_key('pgnetprof.sessions') || ' ' || pgnetprof.partition_key('pgnetprof.statement_rollups')")" "end start"
eq "the writer role keeps INSERT and may now run pgnetprof.maintain" \
	"$(rsql old -c "select has_table_privilege('w', 'pgnetprof.statements', 'INSERT') and has_table_privilege('w', 'pgnetprof.statement_rollups', 'INSERT')
		and has_function_privilege('w', 'pgnetprof.maintain(interval, interval, integer, timestamptz)', 'EXECUTE')
		and not has_function_privilege('public', 'pgnetprof.maintain(interval, interval, integer, timestamptz)', 'EXECUTE')")" t

# --- the upkeep on a faked clock: daily partitions, two days kept ---------------------------
# On 2026-11-13 12:00 with 2 days kept, the days ending by 11-11 12:00 go.
rsql old -c "select action || ' ' || partition from pgnetprof.maintain('2 days', '1 day', 2, '2026-11-13 12:00+00')" >"$WORK/maintain"
eq "maintain on 11-13 creates 11-13's partition and two ahead, in each table" \
	"$(grep created "$WORK/maintain" | grep -c "statements_p2026111[345]_000000") $(grep -c "^created pgnetprof.sessions_p2026111" "$WORK/maintain") $(grep -c "^created pgnetprof.statement_rollups_p2026111" "$WORK/maintain") $(grep -c created "$WORK/maintain")" \
	"3 3 3 9"
eq "... drops the ten days before 11-11 in each table" "$(grep -c "^dropped pgnetprof.statements_p202611" "$WORK/maintain") $(grep -c "^dropped" "$WORK/maintain")" "10 30"
eq "... keeping exactly the rows from 11-11 on" "$(rsql old -c "select count(*) || ' ' || min(\"time\") from pgnetprof.statements")" \
	"$(rsql old -c "select count(*) filter (where t >= '2026-11-11') || ' ' || min(t) filter (where t >= '2026-11-11')
		from (select timestamptz '2026-11-01 00:00:00+00' + g * interval '7 hours' t from generate_series(0, 40) g) x")"
# a row for a period with no partition lands in the default one; the next run gives it its own
rsql old -q -c "insert into pgnetprof.statements (host, \"time\", pid, session, query, fingerprint, protocol, status, rx_bytes, tx_bytes, rx_calls, tx_calls, rx_segs, tx_segs, rx_ns, tx_ns, tx_wait_ns, exec_ns, response_ns, srtt_us, retrans)
	values ('late', '2026-11-20 05:00+00', 1, 's', 'q', 'f', 'simple', 'ok', 7, 7, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 0)"
eq "a row beyond the partitions is kept in the default partition" "$(rsql old -c "select count(*) from only pgnetprof.statements_default")" 1
rsql old -c "select action || ' ' || partition from pgnetprof.maintain('2 days', '1 day', 2, '2026-11-13 12:00+00')" >"$WORK/maintain"
eq "the next run moves it to a partition of its day" \
	"$(cat "$WORK/maintain") | $(rsql old -c "select count(*) from only pgnetprof.statements_default") $(rsql old -c "select count(*) from pgnetprof.statements_p20261120_000000 where host = 'late'")" \
	"created pgnetprof.statements_p20261120_000000 | 0 1"
rsql old -q -c "select * from pgnetprof.maintain('0 seconds', '0 seconds')" 2>"$WORK/err"
check "maintain refuses a partition width under a second" grep -q "whole number of seconds, at least 1, not 00:00:00" "$WORK/err"
rsql old -q -c "select * from pgnetprof.maintain(null, '1.5 seconds')" 2>"$WORK/err"
check "... or not a whole number of seconds" grep -q "whole number of seconds, at least 1, not 00:00:01.5" "$WORK/err"

# --- a writer across 1-second partitions, 4 seconds kept ---------------------------------
rsql postgres -q -c "create database live"
"$PGNETPROF" --init-store "$(store live)" >/dev/null 2>&1 || bail "--init-store live failed"
rsql live -q -c "grant usage on schema pgnetprof to w; grant insert on pgnetprof.statements, pgnetprof.sessions, pgnetprof.statement_rollups to w;
	grant select, insert on pgnetprof.fingerprints to w; grant select on pgnetprof.schema_version to w"
"$PGNETPROF" --store "$(store live w)" -d 1 "$PG_BIN" >/dev/null 2>"$WORK/err"
eq "a writer that may not run pgnetprof.maintain: exit 1" $? 1
check "... is told what to grant" grep -q "EXECUTE ON FUNCTION pgnetprof.maintain(interval, interval, integer, timestamptz)" "$WORK/err"
rsql live -q -c "grant execute on function pgnetprof.maintain(interval, interval, integer, timestamptz) to w"

prof_start -f json -p "$TRACED" --store "$(store live w)" --rollup-interval 1 --partition-width 1s --retention 4s "$PG_BIN"
start=$(date +%s)
: >"$WORK/ahead"
for i in $(seq 1 24); do
	psql_ -h 127.0.0.1 -p "$TRACED_PORT" -U postgres -c "select $i, repeat('x', $i * 10)" >/dev/null
	partitions statements | awk -v now="$(date +%s)" '$1 > now' | wc -l >>"$WORK/ahead"
	sleep 0.5
done
sleep 1
end=$(date +%s)
prof_stop
eq "pgnetprof exits 0" "$PROF_STATUS" 0
check "a partition existed ahead of the clock at each look" sh -c "! grep -qv '^[123]$' $WORK/ahead"
dropped=$(grep -c "retention: dropped pgnetprof.statements_p" "$WORK/err")
check "partitions older than 4 s were dropped as it ran, one log line each ($dropped)" test "$dropped" -ge 6
first=$(grep -m1 -o 'pgnetprof.statements_p[0-9_]*' "$WORK/err")
eq "... and are gone ($first)" "$(rsql live -c "select to_regclass('$first') is null")" t
oldest=$(partitions statements | head -1 | cut -d' ' -f1)
check "the oldest partition left is within the retention and a partition width or two of the end ($oldest vs $end)" \
	test "$oldest" -ge $((end - 4 - 3)) -a "$oldest" -gt "$start"
eq "every statement printed from the oldest partition on is stored, bytes and all" \
	"$(rsql live -c "select count(*) || ' ' || sum(rx_bytes + tx_bytes) from pgnetprof.statements")" "$(printed_since "$oldest")"
check "... while the older ones were printed and are no longer stored" \
	test "$(printed_since 0 | cut -d' ' -f1)" -gt "$(printed_since "$oldest" | cut -d' ' -f1)"
eq "none went to a default partition" \
	"$(rsql live -c "select (select count(*) from only pgnetprof.statements_default) + (select count(*) from only pgnetprof.sessions_default) + (select count(*) from only pgnetprof.statement_rollups_default)")" 0
check "the rollups too were partitioned by the second and kept for 4 s" \
	test "$(rsql live -c "select count(distinct tableoid) >= 2 and min(start) >= to_timestamp($oldest) from pgnetprof.statement_rollups")" = t
check "no upkeep failed" sh -c "! grep -q 'upkeep' $WORK/err"

# --- an upkeep that fails loses nothing, and recovers --------------------------------------
rsql postgres -q -c "create database gap"
"$PGNETPROF" --init-store "$(store gap)" >/dev/null 2>&1 || bail "--init-store gap failed"
rsql gap -q -c "grant usage on schema pgnetprof to w; grant insert on pgnetprof.statements, pgnetprof.sessions, pgnetprof.statement_rollups to w;
	grant select, insert on pgnetprof.fingerprints to w; grant select on pgnetprof.schema_version to w;
	grant execute on function pgnetprof.maintain(interval, interval, integer, timestamptz) to w"
prof_start -f json -p "$TRACED" --store "$(store gap w)" --partition-width 1s "$PG_BIN"
rsql gap -q -c "revoke execute on function pgnetprof.maintain(interval, interval, integer, timestamptz) from w"
for i in $(seq 1 8); do
	psql_ -h 127.0.0.1 -p "$TRACED_PORT" -U postgres -c "select $i" >/dev/null
	sleep 0.5
done
in_default=$(rsql gap -c "select count(*) from only pgnetprof.statements_default")
rsql gap -q -c "grant execute on function pgnetprof.maintain(interval, interval, integer, timestamptz) to w"
for _ in $(seq 1 30); do grep -q "works again" "$WORK/err" && break; sleep 0.2; done
psql_ -h 127.0.0.1 -p "$TRACED_PORT" -U postgres -c "select 'after'" >/dev/null
sleep 1
prof_stop
eq "a failing upkeep is said once" "$(grep -c "partition upkeep (pgnetprof.maintain) failed" "$WORK/err")" 1
check "... with the server's reason" grep -q "permission denied for function maintain" "$WORK/err"
check "... meanwhile the rows went to the default partition ($in_default)" test "$in_default" -gt 0
check "... and its recovery once" test "$(grep -c "partition upkeep works again" "$WORK/err")" = 1
eq "every statement printed is stored, none left in the default partition" \
	"$(rsql gap -c "select count(*) || ' ' || sum(rx_bytes + tx_bytes) || ' ' || (select count(*) from only pgnetprof.statements_default) from pgnetprof.statements")" \
	"$(printed_since 0) 0"

done_testing
