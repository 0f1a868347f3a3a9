#!/bin/bash
# Clients over IPv6 (::1) and a Unix-domain socket: exact bytes, the
# transport and client fields, the family filters, conservation.
source "$TESTS_DIR/lib.sh"

pg_init
pg_start -c "listen_addresses='127.0.0.1,::1'"

prof_start -f json
psql_ -h ::1 -o /dev/null -c "select 'over ipv6'"
psql_ -h "$WORK" -o /dev/null -c "select 'over a unix socket'"
prof_stop
v6=$(records statement | jq -c 'select(.query == "select '"'"'over ipv6'"'"'")')
eq "IPv6: rx_bytes = 1+4+len+1" "$(echo "$v6" | jq .rx_bytes)" $((1 + 4 + 18 + 1))
echo "$v6" | jq -r .client | grep -qE '^\[::1\]:[0-9]+$'
ok $? "IPv6: client is [::1]:port"
eq "IPv6: session transport" "$(records session | jq -r 'select(.client | startswith("[::1]")) | .transport')" tcp6
ux=$(records statement | jq -c 'select(.query == "select '"'"'over a unix socket'"'"'")')
eq "Unix socket: rx_bytes = 1+4+len+1" "$(echo "$ux" | jq .rx_bytes)" $((1 + 4 + 27 + 1))
eq "Unix socket: client is [local]" "$(echo "$ux" | jq -r .client)" "[local]"
eq "Unix socket: no TCP segments" "$(echo "$ux" | jq '.rx_segs + .tx_segs')" 0
eq "Unix socket: session transport" "$(records session | jq -r 'select(.client == "[local]") | .transport')" unix
eq "Unix socket: no TCP handshake" "$(records session | jq -r 'select(.client == "[local]") | .handshake_us')" null
check "IPv6: the TCP handshake was seen" \
	test "$(records session | jq 'select(.client | startswith("[::1]")) | .handshake_us > 0')" = true
check "Unix socket: response bytes counted" test "$(echo "$ux" | jq .tx_bytes)" -gt 20
eq "rx conserved over both sessions" "$(conserved rx)" true
eq "tx conserved over both sessions" "$(conserved tx)" true

for f in 4 6; do
	prof_start -f json -$f
	psql_ -h ::1 -o /dev/null -c "select 6"
	psql_ -h 127.0.0.1 -o /dev/null -c "select 4"
	psql_ -h "$WORK" -o /dev/null -c "select 0"
	prof_stop
	eq "-$f sees only IPv$f clients" "$(records statement | jq -r .query)" "select $f"
done

prof_start -f json -A ::1
psql_ -h ::1 -o /dev/null -c "select 6"
psql_ -h 127.0.0.1 -o /dev/null -c "select 4"
prof_stop
eq "-A ::1 sees only that client" "$(records statement | jq -r .query)" "select 6"

done_testing
