#!/bin/bash
# A root file system of another Debian suite with its PostgreSQL, for the
# PostgreSQL-majors matrix: built once with debootstrap (the host's apt
# sources untouched) and kept in $PGN_CHROOT_CACHE; prints its path.
#   tests/pg-chroot.sh SUITE MAJOR      e.g. trixie 17
# A build that fails leaves nothing behind; the next call starts over.
set -eu
suite=$1 major=$2
cache=${PGN_CHROOT_CACHE:-/var/cache/pgnetprof-test}
root=$cache/$suite-pg$major
mirror=${PGN_DEBIAN_MIRROR:-http://deb.debian.org/debian}

if [ ! -x "$root/usr/lib/postgresql/$major/bin/postgres" ]; then
	command -v debootstrap >/dev/null || {
		DEBIAN_FRONTEND=noninteractive apt-get install -y -qq debootstrap >/dev/null ||
			{ echo "pg-chroot: cannot install debootstrap (apt-get install debootstrap)" >&2; exit 1; }
	}
	mkdir -p "$cache"
	rm -rf "$root.tmp"
	# 3 tries: the mirror is on the network, where a fetch can fail once
	for try in 1 2 3; do
		timeout 900 debootstrap --variant=minbase --include="postgresql-$major" \
			"$suite" "$root.tmp" "$mirror" >"$cache/$suite-pg$major.log" 2>&1 && break
		rm -rf "$root.tmp"
		[ "$try" -eq 3 ] && {
			tail -5 "$cache/$suite-pg$major.log" >&2
			echo "pg-chroot: debootstrap of $suite failed 3 times (log: $cache/$suite-pg$major.log)" >&2
			exit 1
		}
		sleep 5
	done
	mv "$root.tmp" "$root"
fi
echo "$root"
