#!/bin/bash
# The probes take the statement text straight from the register a probe
# site names (as in PostgreSQL's pgstat_report_activity), or through
# libbpf's argument spec when it is anywhere else (here a stack slot):
# either way every statement comes out with its text and exact bytes.
# tests/fixtures/usdt-target fires the postgresql provider's probes like a
# backend.
source "$TESTS_DIR/lib.sh"

FIXTURES=$(cd "$(dirname "$PGNETPROF")/../tests/fixtures" && pwd)
QUERY="select abalance from pgbench_accounts where aid = 42"

for target in usdt-target usdt-target-mem; do
	bin=$FIXTURES/$target
	[ -x "$bin" ] || bail "$bin not built (make check builds it)"
	case $target in
	usdt-target) how="read from the register at pt_regs offset [0-9]*" ;;
	*) how="read through libbpf's USDT argument spec" ;;
	esac
	prof_start -v -f json --probes status "$bin"
	grep -q "statement__status's text argument: $how" "$WORK/err"
	ok $? "[$target] text argument $how"
	served=$("$bin" -w 2 -s 1 | awk '{print $1}')
	prof_stop
	eq "[$target] pgnetprof exits 0" "$PROF_STATUS" 0
	eq "[$target] one record per statement served" "$(records statement | wc -l)" "$served"
	eq "[$target] every record has the text" "$(records statement | jq -r .query | sort -u)" "$QUERY"
	eq "[$target] every request is 1+4+len+1 bytes" "$(records statement | jq .rx_bytes | sort -u)" \
		$((1 + 4 + ${#QUERY} + 1))
done

done_testing
