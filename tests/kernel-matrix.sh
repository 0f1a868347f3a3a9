#!/bin/bash
# The kernel matrix: the attribution integration tests inside a VM running
# Debian's own kernels: 12's (6.1: kprobes and fexit, no sock_*_length
# tracepoints) once per backend, with auto's choice checked; 13's (6.12)
# with each of the three backends; sid's (the newest, 7.x) with auto, the
# test of what a next distribution release ships; Debian 11's (5.10) must be
# refused with the version needed. TAP on stdout. The guest runs 10-20x
# slower than the host (TCG), hence the long timeout.
#   tests/kernel-matrix.sh            on the host: prepare, boot the VMs, report
#   tests/kernel-matrix.sh --guest    inside a VM (GUEST_BACKENDS, GUEST_TESTS)
set -u
TESTS_DIR=${TESTS_DIR:-$(cd "$(dirname "$0")" && pwd)}
TOP=$(cd "$TESTS_DIR/.." && pwd)
VMTEST=${VMTEST:-$TOP/../shared/vmtest/run-in-vm.sh}
# kernel (a Debian suite, or "" for the runner's default: Debian 12's), backends, tests
KERNELS=(
	"|kprobe fexit|simple-bytes.sh session-conservation.sh transports.sh extended.sh drivers.sh service.sh"
	"trixie|kprobe fexit tracepoint|simple-bytes.sh"
	"sid|auto|simple-bytes.sh"
	"bullseye|refused|"
)

# Debian 12's 6.1: auto must pick a backend this kernel has, and say which;
# the tracepoints it lacks are refused clearly
check_auto_on_6_1() {
	"$PGNETPROF" --load-only "$PG_BIN" 2>&1 | sed 's/^/# /'
	if "$PGNETPROF" --load-only "$PG_BIN" 2>&1 | grep -qE '^pgnetprof: (fexit|kprobe) backend'; then
		echo "ok - [auto] picks fexit or kprobe on $(uname -r)"
	else
		echo "not ok - [auto] picks fexit or kprobe on $(uname -r)"
	fi
	if "$PGNETPROF" --backend tracepoint -d 1 "$PG_BIN" 2>&1 |
		grep -q 'is too old for the tracepoint backend: it needs Linux 6.3 or later; try --backend auto'; then
		echo "ok - [tracepoint] refused with a clear message on $(uname -r)"
	else
		echo "not ok - [tracepoint] refused with a clear message on $(uname -r)"
	fi
}

# a kernel too old for every backend: refused, saying which version works
check_refused() {
	local out rc
	out=$("$PGNETPROF" -d 1 "$PG_BIN" 2>&1)
	rc=$?
	echo "$out" | sed 's/^/# /'
	if [ $rc -eq 1 ] && echo "$out" | grep -q "^pgnetprof: Linux .* is too old for pgnetprof: it needs Linux 5.13 or later"; then
		echo "ok - [auto] refused on $(uname -r), naming the version needed"
	else
		echo "not ok - [auto] refused on $(uname -r), naming the version needed (exit $rc)"
	fi
}

guest() {
	local backend t label
	export PGNETPROF_BACKEND PROF_START_TIMEOUT=1200
	[ "$GUEST_BACKENDS" = "kprobe fexit" ] && check_auto_on_6_1
	[ "$GUEST_BACKENDS" = refused ] && { check_refused; return; }
	for backend in $GUEST_BACKENDS; do
		PGNETPROF_BACKEND=$([ "$backend" = auto ] || echo "$backend")
		label="$backend $(uname -r | cut -d. -f1-2)"
		for t in $GUEST_TESTS; do
			# a suite that bails out fails here (its own lines would be comments)
			bash "$TESTS_DIR/integration/$t" 2>&1 | sed -E -e "s/^(ok|not ok) [0-9]+ - /\\1 - [$label] ${t%.sh}: /" \
				-e "s/^Bail out! (.*)/not ok - [$label] ${t%.sh}: bailed out: \\1/"
		done
	done
}

# run_stage SUITE BACKENDS TESTS: one VM; its TAP lines go to $out/tap. A
# guest that never reported an exit status (125, 126: the runner's own
# setup, or a guest that died) is run again once, from scratch; a second
# failure is a failed check, with the runner's messages and the guest
# kernel's last lines.
run_stage() {
	local try rc where=${1:-the default kernel}

	for try in 1 2; do
		: >"$out/stage"
		"$VMTEST" ${1:+-k "$1"} -m 3G -t 3000 -w "$out" -e PG_TEMPLATE="$out/pgdata.tgz" \
			-e PGNETPROF="$PGNETPROF" -e TESTS_DIR="$TESTS_DIR" -e GUEST_BACKENDS="$2" \
			-e GUEST_TESTS="$3" "bash $TESTS_DIR/kernel-matrix.sh --guest >> $out/stage 2>&1" \
			2>"$out/runner"
		rc=$?
		[ "$rc" -eq 125 ] || [ "$rc" -eq 126 ] || break
		echo "# the VM on $where ended without an exit status ($rc); its runner said:" >>"$out/tap"
		sed 's/^/#   /' "$out/runner" >>"$out/tap"
		[ "$try" -eq 1 ] && echo "# running it again" >>"$out/tap"
	done
	cat "$out/stage" >>"$out/tap"
	[ "$rc" -eq 0 ] && return 0
	echo "not ok - the VM on $where ended with status $rc" >>"$out/tap"
	[ "$rc" -eq 125 ] || [ "$rc" -eq 126 ] || sed 's/^/#   /' "$out/runner" >>"$out/tap"
	return 1
}

host() {
	local out k suite backends tests
	if [ ! -x "$VMTEST" ]; then
		echo "1..0 # SKIP no VM runner at $VMTEST (shared/vmtest beside the repository)"
		return 0
	fi
	out=$(mktemp -d /tmp/pgnetprof-kvm.XXXXXX)
	chmod 755 "$out"
	# initdb is ~8 s in the guest: make the data directory here
	(
		WORK=$out/template
		mkdir -p "$WORK"
		source "$TOP/scripts/pg-throwaway.sh"
		pg_init >/dev/null
		tar -C "$PGDATA_DIR" -czf "$out/pgdata.tgz" .
	) || { echo "Bail out! cannot prepare the data directory"; return 1; }
	: >"$out/tap"
	for k in "${KERNELS[@]}"; do
		IFS='|' read -r suite backends tests <<<"$k"
		run_stage "$suite" "$backends" "$tests"	# a failure is a "not ok" line
	done
	awk '/^(ok|not ok)/ { n++; sub(/^ok/, "ok " n); sub(/^not ok/, "not ok " n); print; next }
	     /^1\.\./ { next }
	     { print "# " $0 }
	     END { if (n == 0) print "not ok 1 - the VM ran no test"; print "1.." (n ? n : 1) }' "$out/tap"
	rm -rf "$out"
}

PGNETPROF=${PGNETPROF:-$TOP/src/pgnetprof}
export PGNETPROF TESTS_DIR
if [ "${1:-}" = --guest ]; then
	source "$TOP/scripts/pg-throwaway.sh"
	guest
else
	host
fi
