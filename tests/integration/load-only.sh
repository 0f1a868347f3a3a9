#!/bin/bash
# Every backend's programs load (the kernel's verifier accepts them) on
# this kernel, attached or not; the probe sets too.
source "$TESTS_DIR/lib.sh"

PG_BIN=${PG_BIN:-/usr/lib/postgresql/15/bin/postgres}

for probes in status query full wire; do
	for backend in tracepoint kprobe fexit; do
		"$PGNETPROF" --load-only --backend "$backend" --probes "$probes" "$PG_BIN" 2>"$WORK/e"
		rc=$?
		if [ $rc -eq 0 ]; then
			grep -q "$backend backend and $probes probes loaded and verified" "$WORK/e"
			ok $? "$backend programs ($probes probes) pass the verifier"
		elif [ "$backend" = fexit ] && grep -q "Operation not permitted" "$WORK/e" &&
			! "$PGNETPROF" -v --load-only --backend fexit "$PG_BIN" 2>&1 | grep -q "processed [0-9]* insns"; then
			# refused before the verifier ran: the kernel-matrix test proves them
			skip "$backend programs ($probes probes) pass the verifier" \
				"this kernel refuses fentry/fexit loads (EPERM) before verification"
		else
			ok 1 "$backend programs ($probes probes) pass the verifier"
			diag "$WORK/e"
		fi
	done
done

"$PGNETPROF" --load-only "$PG_BIN" 2>"$WORK/e"
ok $? "auto picks a backend"
grep -qE "(fexit|tracepoint|kprobe) backend and wire probes loaded" "$WORK/e"
ok $? "auto names the backend it picked"

# Where trampolines do not attach, auto learns it from an empty program
# before the whole fexit backend is verified (most of the start's CPU).
"$PGNETPROF" -v -d 1 -f json "$PG_BIN" 2>"$WORK/e" >/dev/null
if grep -q "(backend fexit," "$WORK/e"; then
	skip "auto tries fexit with an empty program first" "fexit attaches on this kernel"
else
	grep -q "an empty fexit program does not attach here" "$WORK/e" &&
		[ "$(grep -c "libbpf: loading object" "$WORK/e")" = 1 ]
	ok $? "auto tries fexit with an empty program first" || diag "$WORK/e"
fi

done_testing
