#!/bin/bash
# The PostgreSQL-majors matrix: the exactness tests (and the results
# store's partitions, retention.sh) against PostgreSQL 13,
# 17 and 18, each server run from a root file system of the Debian suite
# that ships it (tests/pg-chroot.sh, built once and cached) in a mount
# namespace of its own, and traced from the host through its binary's host
# path. TAP on stdout; `make check-majors` runs it alone.
source "$TESTS_DIR/lib.sh"

MAJORS=("bullseye 13" "trixie 17" "sid 18")
SUITES="simple-bytes session-conservation extended protocol-cases versions drivers retention"

for m in "${MAJORS[@]}"; do
	read -r suite major <<<"$m"
	if ! root=$("$TESTS_DIR/pg-chroot.sh" "$suite" "$major" 2>"$WORK/chroot.err"); then
		diag "$WORK/chroot.err"
		ok 1 "[PostgreSQL $major] a root file system of Debian $suite with postgresql-$major"
		continue
	fi
	for t in $SUITES; do
		run_suite "[PostgreSQL $major]" "$t" PG_ROOT="$root"
	done
done
done_testing
