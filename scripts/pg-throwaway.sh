# A throwaway PostgreSQL: initdb as an unprivileged user into $WORK, listen
# on 127.0.0.1 at a free port only. Sourced by the tests, the demo and the
# benchmarks; the caller sets WORK and calls pg_stop when done.

PG_BINDIR=${PG_BINDIR:-$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -1)}
PG_BIN=$PG_BINDIR/postgres
PG_OS_USER=${PG_OS_USER:-postgres}

free_port() {
	local p
	for p in $(shuf -i 20000-60000 -n 100); do
		ss -Htan "( sport = :$p or dport = :$p )" | grep -q . || { echo "$p"; return 0; }
	done
	return 1
}

pg_fail() {
	echo "Bail out! $*"
	exit 1
}

# pg_init: a data directory owned by PG_OS_USER; exports PGHOST/PGPORT/...
pg_init() {
	PGDATA_DIR=$WORK/data
	mkdir -p "$PGDATA_DIR" && chown "$PG_OS_USER" "$PGDATA_DIR" "$WORK" ||
		pg_fail "cannot prepare $PGDATA_DIR"
	if [ -n "${PG_TEMPLATE:-}" ]; then	# a tarball of a fresh data directory (slow guests)
		tar -C "$PGDATA_DIR" --same-owner -xzf "$PG_TEMPLATE" || pg_fail "cannot unpack $PG_TEMPLATE"
	else
		runuser -u "$PG_OS_USER" -- "$PG_BINDIR/initdb" -D "$PGDATA_DIR" -A trust -U postgres \
			--no-sync -E UTF8 --locale=C >"$WORK/initdb.log" 2>&1 ||
			{ cat "$WORK/initdb.log" >&2; pg_fail "initdb failed"; }
	fi
	PGPORT=$(free_port) || pg_fail "no free port"
	export PGHOST=127.0.0.1 PGPORT PGUSER=postgres PGDATABASE=postgres
}

# pg_start [EXTRA postgres OPTIONS]
pg_start() {
	runuser -u "$PG_OS_USER" -- "$PG_BINDIR/pg_ctl" -D "$PGDATA_DIR" -w -t 60 -l "$WORK/postgres.log" \
		-o "-c listen_addresses=127.0.0.1 -p $PGPORT -k $WORK -c fsync=off $*" start >/dev/null ||
		{ cat "$WORK/postgres.log" >&2; pg_fail "PostgreSQL did not start"; }
}

pg_stop() {
	[ -n "${PGDATA_DIR:-}" ] && [ -f "$PGDATA_DIR/postmaster.pid" ] &&
		runuser -u "$PG_OS_USER" -- "$PG_BINDIR/pg_ctl" -D "$PGDATA_DIR" -m immediate stop >/dev/null 2>&1
	return 0
}
