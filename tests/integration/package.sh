#!/bin/bash
# The Debian package: dpkg-buildpackage -b -us -uc builds it from a clean
# copy of the tree; it holds the binary, the manual, the service and its
# options, the SQL and the reports; installed in a throwaway root, its
# pgnetprof runs and traces exactly.
source "$TESTS_DIR/lib.sh"

TOP=$(cd "$TESTS_DIR/.." && pwd)
git -C "$TOP" rev-parse --git-dir >/dev/null 2>&1 || { skip "the package" "not a git checkout"; done_testing; exit; }

# what git tracks and what it would (new files), not what the build made
mkdir -p "$WORK/src/pgnetprof"
git -C "$TOP" ls-files -co --exclude-standard | (cd "$TOP" && tar -cf - -T -) | tar -xf - -C "$WORK/src/pgnetprof"
# a clean environment: no make's variables (its list of tests) nor the
# test harness's leak into the package's build
(cd "$WORK/src/pgnetprof" && timeout 900 env -i PATH="$PATH" HOME="$HOME" LANG=C.UTF-8 \
	dpkg-buildpackage -b -us -uc) >"$WORK/build.log" 2>&1
rc=$?
eq "dpkg-buildpackage -b -us -uc builds it" "$rc" 0
[ $rc -eq 0 ] || { tail -30 "$WORK/build.log" | diag /dev/stdin; done_testing; exit; }
grep -q "^# FAIL:  0" "$WORK/build.log"
ok $? "the build ran the unit tests, none failed"

DEB=$(ls "$WORK"/src/pgnetprof_*_*.deb | grep -v dbgsym)
dpkg-deb -c "$DEB" | awk '{print $6}' | sed 's|^\./|/|' >"$WORK/contents"
for f in /usr/bin/pgnetprof /usr/share/man/man8/pgnetprof.8.gz /lib/systemd/system/pgnetprof.service \
	/etc/default/pgnetprof /usr/share/pgnetprof/migrations/001-initial.sql \
	/usr/share/pgnetprof/reports/top-statements-by-bytes.sql; do
	grep -qx "$f" "$WORK/contents"
	ok $? "the package has $f"
done
eq "every migration and report is in it" \
	"$(grep -c '^/usr/share/pgnetprof/.*\.sql$' "$WORK/contents")" \
	"$(ls "$TOP"/sql/migrations/*.sql "$TOP"/sql/reports/*.sql | wc -l)"
dpkg-deb -f "$DEB" Depends | grep -q "libmicrohttpd" && dpkg-deb -f "$DEB" Depends | grep -q "libbpf"
ok $? "it depends on the libraries it links"
dpkg-deb -e "$DEB" "$WORK/control"
grep -qx "/etc/default/pgnetprof" "$WORK/control/conffiles"
ok $? "/etc/default/pgnetprof is a conffile: an operator's edits survive upgrades"

ROOT=$WORK/root
dpkg -x "$DEB" "$ROOT"
eq "the installed pgnetprof --version" "$("$ROOT/usr/bin/pgnetprof" --version)" \
	"pgnetprof $(sed -n '1s/^pgnetprof (\([^)]*\)).*/\1/p' "$TOP/debian/changelog")"
zcat "$ROOT/usr/share/man/man8/pgnetprof.8.gz" | groff -man -ww -z 2>"$WORK/groff"
eq "the installed manual renders without a warning" "$(cat "$WORK/groff")" ""
grep -q "^ExecStart=/usr/bin/pgnetprof " "$ROOT/lib/systemd/system/pgnetprof.service" &&
	grep -q "^EnvironmentFile=-/etc/default/pgnetprof$" "$ROOT/lib/systemd/system/pgnetprof.service"
ok $? "the installed unit runs /usr/bin/pgnetprof with /etc/default/pgnetprof"
sed "s|^ExecStart=/usr/bin/pgnetprof|ExecStart=$ROOT/usr/bin/pgnetprof|" "$ROOT/lib/systemd/system/pgnetprof.service" \
	>"$WORK/pgnetprof.service"
systemd-analyze verify --man=no "$WORK/pgnetprof.service" >"$WORK/verify" 2>&1
eq "systemd-analyze verify of the installed unit: no error, no warning" "$? $(cat "$WORK/verify")" "0 "

pg_init
pg_start -c autovacuum=off
q="select 'from the package'"
PGNETPROF=$ROOT/usr/bin/pgnetprof prof_start -f json "$PG_BIN"
psql_ -c "$q" >/dev/null
prof_stop
eq "the installed pgnetprof traces: exits 0" "$PROF_STATUS" 0
eq "the installed pgnetprof traces: the statement, 1+4+len+1 bytes" \
	"$(records statement | jq -r --arg q "$q" 'select(.query == $q) | .rx_bytes')" $((1 + 4 + ${#q} + 1))

done_testing
