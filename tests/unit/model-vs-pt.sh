#!/bin/bash
# The interval model against Percona's own TCPRequestAggregator on the same
# random requests: overlapping, spanning intervals, idle gaps of several
# intervals, whole and fractional interval lengths, several quantiles.
set -u
dir=$(dirname "$0")/..
replay=${MODEL_REPLAY:-$dir/model-replay}
n=0 failed=0
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
awk -v seed=7 'BEGIN {
	srand(seed); t = 1795000000.123456
	for (i = 0; i < 3000; i++) {
		t += (rand() < 0.01) ? 3 + rand() * 5 : rand() * 0.02	# now and then an idle gap
		d = (rand() < 0.05) ? rand() * 2.5 : rand() * 0.01	# some requests span intervals
		printf "%6d %.6f %.6f %9.6f 127.0.0.1:%d\n", i, t, t + d, d, 40000 + i % 7
	}
}' >"$tmp/requests"
for case in "1 .99" "0.5 .99" "2 .5" "1 .1"; do
	set -- $case
	perl "$dir/pt-tcp-model.pl" requests "$1" "$2" <"$tmp/requests" >"$tmp/pt"
	"$replay" "$1" "$2" <"$tmp/requests" >"$tmp/ours"
	n=$((n + 1))
	# byte for byte the lines pt-tcp-model prints
	if [ "$(wc -l <"$tmp/pt")" -ge 10 ] && cmp -s "$tmp/ours" "$tmp/pt"; then
		echo "ok $n - run-time $1, quantile $2: $(wc -l <"$tmp/pt") intervals as pt-tcp-model computes them"
	else
		echo "not ok $n - run-time $1, quantile $2: differs from pt-tcp-model"
		diff "$tmp/ours" "$tmp/pt" | head -10 | sed 's/^/# /'
		failed=$((failed + 1))
	fi
done
echo "1..$n"
[ "$failed" -eq 0 ]
