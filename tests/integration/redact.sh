#!/bin/bash
# --redact: a corpus of statements hiding secrets in every place SQL has
# for one (tests/data/secrets.sql: utility statements' strings, comments,
# dollar-quoted bodies, numbers, a text cut at --query-max), sent as sent
# and through the extended protocol, leaves no secret in JSON, in the text
# report, in --top or in the stored rows; fingerprints do not change when
# only the secrets do.
source "$TESTS_DIR/lib.sh"
CORPUS=$TESTS_DIR/data/secrets.sql
PY=/usr/bin/python3	# Debian's, with python3-psycopg

pg_init
pg_start
TRACED=$(head -1 "$PGDATA_DIR/postmaster.pid")
results_server
RESULTS="host=127.0.0.1 port=$RPORT user=postgres dbname=postgres"
rsql() { psql -X -At -v ON_ERROR_STOP=1 -h 127.0.0.1 -p "$RPORT" -U postgres postgres "$@"; }
"$PGNETPROF" --init-store "$RESULTS" >/dev/null 2>&1 || bail "--init-store failed"

# run_corpus SED: the corpus with SED applied, each line one Query, then
# one statement through the extended protocol (psycopg 3 binds its parameter)
run_corpus() {
	local -a lines
	mapfile -t lines < <(sed -e "$1" "$CORPUS")
	python3 "$TESTS_DIR/pgwire.py" 127.0.0.1 127.0.0.1 "$PGPORT" postgres postgres "${lines[@]}" ||
		bail "pgwire failed"
	"$PY" -c "import psycopg, sys
with psycopg.connect(sys.argv[1], autocommit=True) as c:
    c.execute(sys.argv[2], ('p',))" "host=127.0.0.1 port=$PGPORT user=postgres dbname=postgres" \
		"$(echo "select 'SECRET_EXT', %s, 987654321" | sed -e "$1")" || bail "psycopg failed"
}
# the corpus's objects, dropped untraced so that a second run does the same
drop_corpus() {
	psql_ -h 127.0.0.1 -p "$PGPORT" -U postgres postgres -c "drop table if exists redact_t, redact_t2;
		drop procedure if exists redact_setpw; drop function if exists redact_f; drop role if exists redact_role;
		drop foreign data wrapper if exists redact_fdw cascade; "; psql_ -h 127.0.0.1 -p "$PGPORT" -U postgres postgres -c "alter system reset primary_conninfo"
}
leaks() { grep -Eo 'SECRET_[A-Z]+|987654321|98765432|87654321' "$@" | sort -u | tr '\n' ' '; }
n_corpus=$(($(wc -l <"$CORPUS") + 1))

prof_start -f json --redact --query-max 200 -p "$TRACED" --store "$RESULTS" --store-host redact
run_corpus ''
prof_stop
drop_corpus
eq "JSON: a record for every statement of the corpus" "$(records statement | jq -s length)" "$n_corpus"
eq "JSON: no secret in any field" "$(leaks "$WORK/out")" ""
eq "stored rows: one per statement" "$(rsql -c "select count(*) from pgnetprof.statements where host = 'redact'")" "$n_corpus"
rsql -c "select * from pgnetprof.statements where host = 'redact'" >"$WORK/rows"
eq "stored rows: no secret in any column" "$(leaks "$WORK/rows")" ""
records statement | jq -r .fingerprint >"$WORK/fp1"
check "the password's statement shows its shape" grep -q '"query":"create role redact_role login password \$1"' "$WORK/out"
check "comments are gone, the statement stays" grep -q '"query":"  select \$1"' "$WORK/out"
check "a text libpg_query cannot parse is marked with ?" grep -q '"query":"select ? || ?"' "$WORK/out"

prof_start -f json --redact -p "$TRACED"
run_corpus 's/SECRET_/OTHERV_/g; s/987654321/12/g'
prof_stop
drop_corpus
records statement | jq -r .fingerprint >"$WORK/fp2"
eq "fingerprints are the same when only the secrets differ" "$(diff "$WORK/fp1" "$WORK/fp2" | grep -c '^<')" 0
eq "... and there are as many" "$(wc -l <"$WORK/fp2")" "$n_corpus"

prof_start --redact --query-max 40 -p "$TRACED"
run_corpus ''
prof_stop
drop_corpus
check "text report: the statements are there" grep -q 'create role redact_role login' "$WORK/out"
eq "text report (texts cut at 40 bytes): no secret" "$(leaks "$WORK/out")" ""

prof_start --redact --top 50 -p "$TRACED"
run_corpus ''
prof_stop
drop_corpus
check "--top: the statements are there" grep -q 'alter role postgres set application_name' "$WORK/out"
eq "--top: no secret" "$(leaks "$WORK/out")" ""

# without --redact the secrets are there, so the checks above can fail
prof_start -f json -p "$TRACED"
run_corpus ''
prof_stop
drop_corpus
eq "without --redact: every secret is in the output" "$(leaks "$WORK/out")" \
	"$( (cat "$CORPUS"; echo SECRET_EXT) | leaks)"
done_testing
