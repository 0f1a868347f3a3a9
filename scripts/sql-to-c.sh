#!/bin/sh
# Embeds the schema migrations (sql/migrations/NNN-description.sql, applied in
# order of NNN) in the binary, so --init-store needs no installed data files.
set -e
echo '/* Generated from sql/migrations by scripts/sql-to-c.sh: do not edit. */'
echo '#include <stddef.h>'
echo '#include "store-migrations.h"'
echo 'const struct pgn_migration pgn_migrations[] = {'
for f in "$@"; do
	base=$(basename "$f" .sql)
	version=$(echo "$base" | sed -n 's/^0*\([0-9][0-9]*\)-.*/\1/p')
	[ -n "$version" ] || { echo "sql-to-c: $f: name must be NNN-description.sql" >&2; exit 1; }
	printf '\t{ %s, "%s",\n' "$version" "${base#*-}"
	sed -e 's/\\/\\\\/g' -e 's/"/\\"/g' -e 's/^/\t  "/' -e 's/$/\\n"/' "$f"
	printf '\t},\n'
done
echo '	{ 0, NULL, NULL },'
echo '};'
