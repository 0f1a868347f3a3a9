#!/bin/bash
# Every bad input exits non-zero with a message naming the problem.
source "$TESTS_DIR/lib.sh"

PG_BIN=${PG_BIN:-/usr/lib/postgresql/15/bin/postgres}

fails_with() {	# fails_with DESCRIPTION PATTERN COMMAND...
	local d=$1 pat=$2 rc
	shift 2
	"$@" >"$WORK/o" 2>"$WORK/e"
	rc=$?
	if [ $rc -ne 0 ] && grep -qiE -- "$pat" "$WORK/e"; then
		ok 0 "$d"
	else
		ok 1 "$d (exit $rc)"
		diag "$WORK/e"
	fi
}

fails_with "nonexistent binary" "/nonexistent/postgres: No such file.*PostgreSQL server binary" \
	"$PGNETPROF" /nonexistent/postgres
fails_with "an ELF binary that is not PostgreSQL" "/bin/true is not a PostgreSQL server binary.*give the path of postgres" \
	"$PGNETPROF" /bin/true
fails_with "not an ELF file" "not an ELF executable" "$PGNETPROF" /etc/passwd
fails_with "a directory" "not a regular file" "$PGNETPROF" /tmp
mkfifo "$WORK/fifo"
fails_with "a FIFO: refused, not waited on" "not a regular file" timeout 20 "$PGNETPROF" "$WORK/fifo"

# the binary copied where the unprivileged user can run it
cp "$PGNETPROF" "$WORK/pgnetprof"
chmod 755 "$WORK/pgnetprof"
fails_with "not root" "must run as root" runuser -u nobody -- "$WORK/pgnetprof" "$PG_BIN"
fails_with "root without its capabilities" "without the capabilities .*CAP_BPF and CAP_PERFMON, or CAP_SYS_ADMIN" \
	capsh --drop=cap_sys_admin,cap_bpf,cap_perfmon -- -c "exec '$PGNETPROF' '$PG_BIN'"

fails_with "unknown backend" "invalid backend 'foo'" "$PGNETPROF" --backend foo "$PG_BIN"
fails_with "unknown probe set" "invalid probe set 'all'" "$PGNETPROF" --probes all "$PG_BIN"
fails_with "unknown format" "invalid format 'yaml'" "$PGNETPROF" -f yaml "$PG_BIN"
fails_with "non-numeric duration" "invalid duration 'abc'" "$PGNETPROF" -d abc "$PG_BIN"
fails_with "zero duration" "invalid duration '0'" "$PGNETPROF" -d 0 "$PG_BIN"
fails_with "query-max 0" "invalid --query-max '0'" "$PGNETPROF" --query-max 0 "$PG_BIN"
fails_with "query-max too big" "invalid --query-max '99999'.*8191" "$PGNETPROF" --query-max 99999 "$PG_BIN"
fails_with "--buffer-size not a power of two" "invalid --buffer-size '3M': give a power of two" "$PGNETPROF" --buffer-size 3M "$PG_BIN"
fails_with "--buffer-size too small" "invalid --buffer-size '16K'.*from 64K to 1G" "$PGNETPROF" --buffer-size 16K "$PG_BIN"
fails_with "--buffer-size bad unit" "invalid --buffer-size '2T'" "$PGNETPROF" --buffer-size 2T "$PG_BIN"
fails_with "negative pid" "invalid pid '-5'" "$PGNETPROF" -p -5 "$PG_BIN"
fails_with "pid of no process" "no process with pid 2147483" "$PGNETPROF" -p 2147483 "$PG_BIN"
fails_with "bad address" "invalid address '300.1.1.1'" "$PGNETPROF" -A 300.1.1.1 "$PG_BIN"
fails_with "bad port" "invalid port '70000'" "$PGNETPROF" -P 70000 "$PG_BIN"
fails_with "bad min-duration unit" "invalid duration '5parsecs'" "$PGNETPROF" --min-duration 5parsecs "$PG_BIN"
fails_with "bad min-bytes" "invalid --min-bytes 'lots'" "$PGNETPROF" --min-bytes lots "$PG_BIN"
fails_with "min-bytes ' -1' (not 2^64 - 1)" "invalid --min-bytes ' -1'" "$PGNETPROF" --min-bytes ' -1' "$PG_BIN"
fails_with "min-duration beyond a day" "invalid duration '1e30s'.*at most a day" "$PGNETPROF" --min-duration 1e30s "$PG_BIN"
fails_with "buffer-size with a leading space" "invalid --buffer-size ' 8M'" "$PGNETPROF" --buffer-size ' 8M' "$PG_BIN"
fails_with "-p of a process that is not PostgreSQL" "process 1 does not run .*postgres; give a backend or postmaster" \
	"$PGNETPROF" -p 1 "$PG_BIN"
fails_with "-4 with -6" "-4 and -6 exclude each other" "$PGNETPROF" -4 -6 "$PG_BIN"
fails_with "IPv6 address with -4" "contradict" "$PGNETPROF" -4 -A ::1 "$PG_BIN"
fails_with "two binaries" "unexpected argument '/bin/true'" "$PGNETPROF" "$PG_BIN" /bin/true
fails_with "unknown --hist metric" "invalid --hist metric 'latency'" "$PGNETPROF" --hist latency "$PG_BIN"
fails_with "-i without an analysis" "-i sets the interval of --hist or --top" "$PGNETPROF" -i 5 "$PG_BIN"
fails_with "-b without --hist" "shape --hist histograms" "$PGNETPROF" -b "$PG_BIN"
fails_with "-b with -B" "-b and -B exclude each other" "$PGNETPROF" --hist rtt -b -B "$PG_BIN"
fails_with "two analyses" "exclude each other" "$PGNETPROF" --hist rtt --top 5 "$PG_BIN"
fails_with "an analysis with -f" "print their own output: drop -f" "$PGNETPROF" --top 5 -f json "$PG_BIN"
fails_with "--model 0" "invalid --model '0'" "$PGNETPROF" --model 0 "$PG_BIN"
fails_with "--quantile out of range" "invalid --quantile '1.5'" "$PGNETPROF" --model 1 --quantile 1.5 "$PG_BIN"
fails_with "--quantile without --model" "--quantile is for --model" "$PGNETPROF" --quantile .9 "$PG_BIN"
fails_with "unknown --sort key" "invalid --sort 'size'" "$PGNETPROF" --top 3 --sort size "$PG_BIN"
fails_with "--format none without --store" "--format none prints no records: give --store" "$PGNETPROF" -f none "$PG_BIN"
fails_with "empty --store" "empty CONNINFO" "$PGNETPROF" --store "" "$PG_BIN"
fails_with "unknown option" "unrecognized option '--frobnicate'" "$PGNETPROF" --frobnicate

if [ ! -e /sys/bus/event_source/devices/kprobe ]; then
	fails_with "forcing a backend this kernel lacks" "the kprobe backend does not work on this kernel" \
		"$PGNETPROF" --backend kprobe -d 1 "$PG_BIN"
else
	skip "forcing a backend this kernel lacks" "this kernel has kprobes"
fi

done_testing
