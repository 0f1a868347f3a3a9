#!/bin/bash
# A server binary without USDT probes (a copy of Debian's postgres with its
# .note.stapsdt section removed, in a tree of its own that finds Debian's
# share and lib directories), as the official Alpine image, Homebrew and
# many source builds have: traced with default options (--probes wire,
# said at start), with the exactness tests of the byte counts, sessions'
# conservation and real drivers run against it in that set.
source "$TESTS_DIR/lib.sh"

MIRROR=$WORK/usr
ver=$(basename "$(dirname "$PG_BINDIR")")
mkdir -p "$MIRROR/lib/postgresql/$ver/bin" "$MIRROR/share/postgresql"
ln -s "/usr/share/postgresql/$ver" "$MIRROR/share/postgresql/$ver"
ln -s "/usr/lib/postgresql/$ver/lib" "$MIRROR/lib/postgresql/$ver/lib"
for tool in initdb pg_ctl; do
	cp "$PG_BINDIR/$tool" "$MIRROR/lib/postgresql/$ver/bin/"
done
objcopy --remove-section .note.stapsdt "$PG_BIN" "$MIRROR/lib/postgresql/$ver/bin/postgres" ||
	bail "objcopy failed"
chmod -R a+rX "$WORK"
BIN=$MIRROR/lib/postgresql/$ver/bin/postgres
check "the copy has no USDT probes" sh -c "! readelf -n '$BIN' | grep -q stapsdt"

PG_BINDIR=$MIRROR/lib/postgresql/$ver/bin PG_BIN=$BIN pg_init
PG_BINDIR=$MIRROR/lib/postgresql/$ver/bin pg_start
prof_start -f json "$BIN"
psql_ -c "select 'no probes'" >/dev/null
prof_stop
check "default options: says statements are found on the wire" grep -q "has no USDT probes (built without --enable-dtrace): statements are found in the protocol's messages (--probes wire)" "$WORK/err"
check "... and says it uses the wire set" grep -q "probes wire" "$WORK/err"
eq "... the statement, its request bytes exact" \
	"$(records statement | jq -r 'select(.query == "select '"'"'no probes'"'"'") | .rx_bytes')" $((1 + 4 + 18 + 1))
eq "... no uprobe hit" "$(jq -r 'select(.type == "summary") | .probe_hits' "$WORK/out")" 0
"$PGNETPROF" --probes status "$BIN" -d 1 >/dev/null 2>"$WORK/err2"
eq "--probes status on it: exit 1" $? 1
check "... saying to use --probes wire" grep -q "lacks the probe statement__status needed by --probes status; try --probes wire" "$WORK/err2"
pg_stop

# the exactness suites, in the wire set, against this binary
for t in simple-bytes session-conservation drivers; do
	run_suite "[no USDT]" "$t" PROBE_SETS=wire PG_BINDIR="$MIRROR/lib/postgresql/$ver/bin" PG_BIN="$BIN"
done
done_testing
