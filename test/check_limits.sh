#!/usr/bin/env bash
# test/check_limits.sh -- sim's input limits have one registry
# (include/sim/core/limits.h).  Checks that docs/errors.md lists exactly the
# registry's limits, values and meanings, in order.  Exits 1 on a mismatch.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."

header=include/sim/core/limits.h
# the registry as "name|value|meaning" lines, from the C preprocessor
registry=$(printf '#include "sim/core/limits.h"\n#define R(n,v,m) @n|v|m@\nSIM_LIMITS(R)\n' |
	${CC:-gcc} -E -P -Iinclude -x c - |
	tr -d '\n' | tr '@' '\n' | sed -n 's/^ *\([A-Z0-9_]*\)|(*\([0-9]*\))*|"\(.*\)" *$/\1|\2|\3/p' |
	awk -F'|' '{ printf "%s|%s|%s\n", tolower($1), $2, $3 }')
[ -n "$registry" ] || { echo "check_limits: could not read $header" >&2; exit 1; }

docs=$(sed -n 's/^| `\([a-z0-9_]*\)` | \([0-9]*\) | \(.*\) |$/\1|\2|\3/p' docs/errors.md)
if [ "$registry" != "$docs" ]; then
	echo "check_limits: docs/errors.md does not list the registry of $header:" >&2
	diff <(echo "$registry") <(echo "$docs") >&2 || true
	exit 1
fi
echo "check_limits: $(echo "$registry" | wc -l) limits, docs and registry agree"
