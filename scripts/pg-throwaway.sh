# A throwaway PostgreSQL: initdb as an unprivileged user into $WORK, listen
# on 127.0.0.1 at a free port only. Sourced by the tests, the demo and the
# benchmarks; the caller sets WORK and calls pg_stop when done.
# PG_ROOT: another root file system (tests/pg-chroot.sh) the server runs
# in, chrooted in a mount namespace of its own where WORK is bound at the
# same path; PG_BINDIR is then that root's, PG_BIN the binary's host path.

PG_ROOT=${PG_ROOT:-}
PG_BINDIR=${PG_BINDIR:-$(cd "$PG_ROOT/" && ls -d usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -1 | sed 's|^|/|')}
PG_BIN=${PG_BIN:-$PG_ROOT$PG_BINDIR/postgres}
PG_OS_USER=${PG_OS_USER:-postgres}

# pg_as_user COMMAND...: as PG_OS_USER, in PG_ROOT when set
pg_as_user() {
	if [ -z "$PG_ROOT" ]; then
		runuser -u "$PG_OS_USER" -- "$@"
		return
	fi
	mkdir -p "$PG_ROOT$WORK"
	unshare -m -- sh -c 'mount --bind "$1" "$2$1" && mount --bind /dev "$2/dev" &&
		mount -t proc proc "$2/proc" && shift 2 && exec chroot "$0" runuser -u "$@"' \
		"$PG_ROOT" "$WORK" "$PG_ROOT" "$PG_OS_USER" -- "$@"
}

# pg_owner: the owner of the server's files, as the host's chown takes it
pg_owner() {
	if [ -n "$PG_ROOT" ]; then
		chroot "$PG_ROOT" id -u "$PG_OS_USER"
	else
		echo "$PG_OS_USER"
	fi
}

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
	mkdir -p "$PGDATA_DIR" && chown "$(pg_owner)" "$PGDATA_DIR" "$WORK" ||
		pg_fail "cannot prepare $PGDATA_DIR"
	if [ -n "${PG_TEMPLATE:-}" ]; then	# a tarball of a fresh data directory (slow guests)
		tar -C "$PGDATA_DIR" --same-owner -xzf "$PG_TEMPLATE" || pg_fail "cannot unpack $PG_TEMPLATE"
	else
		pg_as_user "$PG_BINDIR/initdb" -D "$PGDATA_DIR" -A trust -U postgres \
			--no-sync -E UTF8 --locale=C >"$WORK/initdb.log" 2>&1 ||
			{ cat "$WORK/initdb.log" >&2; pg_fail "initdb failed"; }
	fi
	PGPORT=$(free_port) || pg_fail "no free port"
	export PGHOST=127.0.0.1 PGPORT PGUSER=postgres PGDATABASE=postgres
}

# pg_start [EXTRA postgres OPTIONS]
pg_start() {
	pg_as_user "$PG_BINDIR/pg_ctl" -D "$PGDATA_DIR" -w -t 60 -l "$WORK/postgres.log" \
		-o "-c listen_addresses=127.0.0.1 -p $PGPORT -k $WORK -c fsync=off $*" start >/dev/null ||
		{ cat "$WORK/postgres.log" >&2; pg_fail "PostgreSQL did not start"; }
}

# pg_tls_cert: a throwaway self-signed certificate in the data directory,
# for ssl=on
pg_tls_cert() {
	openssl req -x509 -newkey rsa:2048 -nodes -days 1 -subj /CN=localhost \
		-keyout "$PGDATA_DIR/server.key" -out "$PGDATA_DIR/server.crt" >/dev/null 2>&1 &&
		chown "$(pg_owner)" "$PGDATA_DIR/server.key" "$PGDATA_DIR/server.crt" &&
		chmod 600 "$PGDATA_DIR/server.key" || pg_fail "cannot make a TLS certificate (openssl)"
}

pg_stop() {
	[ -n "${PGDATA_DIR:-}" ] && [ -f "$PGDATA_DIR/postmaster.pid" ] &&
		pg_as_user "$PG_BINDIR/pg_ctl" -D "$PGDATA_DIR" -m immediate stop >/dev/null 2>&1
	[ -n "$PG_ROOT" ] && rmdir "$PG_ROOT$WORK" 2>/dev/null
	return 0
}
