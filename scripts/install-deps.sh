#!/bin/sh
# Installs everything pgnetprof needs to build, test, benchmark and demo,
# from Debian packages (Debian 12 / Ubuntu 22.04+). Run as root.
set -e
if [ "$(id -u)" -ne 0 ]; then
	echo "install-deps.sh: run as root (it uses apt-get)" >&2
	exit 1
fi
PACKAGES="
	autoconf automake libtool make pkg-config gcc
	clang llvm libbpf-dev bpftool libelf-dev zlib1g-dev
	libpq-dev libpg-query-dev libcmocka-dev systemtap-sdt-dev libmicrohttpd-dev
	postgresql postgresql-contrib postgresql-client
	iproute2 jq python3 python3-psycopg python3-asyncpg procps util-linux libcap2-bin
	tcpdump percona-toolkit openssl debootstrap groff-base prometheus
	dpkg-dev debhelper fakeroot git
"
missing=""
for p in $PACKAGES; do
	dpkg-query -W -f='${Status}\n' "$p" 2>/dev/null | grep -q '^install ok installed$' || missing="$missing $p"
done
if [ -n "$missing" ]; then
	echo "install-deps.sh: installing$missing"
	export DEBIAN_FRONTEND=noninteractive
	apt-get update -qq
	# shellcheck disable=SC2086
	apt-get install -y -qq --no-install-recommends $missing >/dev/null
fi
