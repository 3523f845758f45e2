#!/usr/bin/env bash
# test/check_errcodes.sh -- sim's own SQLSTATEs have one registry
# (include/sim/core/errcodes.h).  Checks that docs/errors.md lists exactly the
# registry's codes, names and meanings, in order, and that every SMnnn code
# written in src/, sql/, include/, test/ or docs/ is registered.  Exits 1 on a
# mismatch.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."

header=include/sim/core/errcodes.h
# the registry as "SMnnn|name|meaning" lines, from the C preprocessor
registry=$(printf '#include "sim/core/errcodes.h"\n#define R(a,b,c,d,e,n,m) @a b c d e|n|m@\nSIM_ERRCODES(R)\n' |
	${CC:-gcc} -E -P -Iinclude -x c - |
	tr -d '\n' | tr '@' '\n' | sed -n "s/^'\(.\)' '\(.\)' '\(.\)' '\(.\)' '\(.\)'|\([A-Z0-9_]*\)|\"\(.*\)\"$/\1\2\3\4\5|\6|\7/p" |
	awk -F'|' '{ printf "%s|%s|%s\n", $1, tolower($2), $3 }')
[ -n "$registry" ] || { echo "check_errcodes: could not read $header" >&2; exit 1; }

docs=$(sed -n 's/^| `\(SM[0-9][0-9][0-9]\)` | \([a-z0-9_]*\) | \(.*\) |$/\1|\2|\3/p' docs/errors.md)
fail=0
if [ "$registry" != "$docs" ]; then
	echo "check_errcodes: docs/errors.md does not list the registry of $header:" >&2
	diff <(echo "$registry") <(echo "$docs") >&2 || true
	fail=1
fi

known=$(echo "$registry" | cut -d'|' -f1 | sort -u)
used=$(grep -rhoIE "SM[0-9]{3}" src sql include test/sql test/pgtap test/t docs README.md | sort -u)
# codes written as MAKE_SQLSTATE('S', 'M', ...) are registry-only: none elsewhere
if grep -rnE "MAKE_SQLSTATE\('S'" src include | grep -v "^$header:" >&2; then
	echo "check_errcodes: raise sim's codes as ERRCODE_SIM_<NAME>, not MAKE_SQLSTATE" >&2
	fail=1
fi
unknown=$(comm -23 <(echo "$used") <(echo "$known"))
if [ -n "$unknown" ]; then
	echo "check_errcodes: used but not in $header: $unknown" >&2
	fail=1
fi
[ "$fail" -eq 0 ] && echo "check_errcodes: $(echo "$known" | wc -l) codes, docs and uses agree"
exit "$fail"
