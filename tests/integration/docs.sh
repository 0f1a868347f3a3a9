#!/bin/bash
# The user's documents name only options pgnetprof has, and the manual (its
# OPTIONS made from the same table as --help) describes every one.
source "$TESTS_DIR/lib.sh"

TOP=$TESTS_DIR/..
MAN=$(dirname "$PGNETPROF")/../man/pgnetprof.8
[ -f "$MAN" ] || bail "$MAN not built (make builds it)"

help_opts=$("$PGNETPROF" --help | grep -oE -- '--[a-z][a-z0-9-]+' | sort -u)
# what the documents quote of other programs (unshare, pt-tcp-model,
# systemctl,
# configure), and --min-*
others="--min- --mount-proc --start-end --type --with-systemdsystemunitdir --now"
for f in README.md docs/output.md docs/analyses.md docs/storage.md docs/probes.md docs/service.md; do
	unknown=$(grep -oE -- '(^|[^a-z-])--[a-z][a-z0-9-]+' "$TOP/$f" | sed 's/^[^-]*//' | sort -u |
		grep -vxF -f <(printf '%s\n' $help_opts $others))
	eq "$f names only options pgnetprof has" "$unknown" ""
done
man_opts=$(sed 's/\\-/-/g' "$MAN" | grep -oE -- '--[a-z][a-z0-9-]+' | sort -u)
eq "the manual describes every option of --help" "$(comm -23 <(echo "$help_opts") <(echo "$man_opts"))" ""
eq "the manual names no option pgnetprof lacks" "$(comm -13 <(echo "$help_opts") <(echo "$man_opts"))" ""
groff -man -ww -z "$MAN" 2>"$WORK/groff"
eq "the manual renders without a warning" "$(cat "$WORK/groff")" ""

done_testing
