#!/usr/bin/env bash
# web/test/browser/run.sh -- the browser tests (web/test/browser/*.test.mjs)
# in Debian's Chromium, with the pinned Node, one file at a time, after
# "npm ci" in web/ when its packages are missing or stale and after bundling
# the page (web/build.mjs).  Needs PGHOST, PGPORT (and PGUSER: a superuser)
# naming a running cluster with sim installed; scripts/test.sh runs it as
# suite "browser".
#
#   web/test/browser/run.sh [FILE...]   the given test files, else all
#   web/test/browser/run.sh --probe     exit 0 if Chromium starts, else print
#                                       why not and exit 3
#
# When Chromium cannot start, it prints "browser: skipped: Chromium cannot
# start: <reason>", runs the tests as skipped (node:test's skip) and exits 0.
# Screenshots: $SIM_TEST_OUT, else web/test/browser/out/.
set -euo pipefail
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
web=$(cd "$here/../.." && pwd)
# shellcheck source=scripts/lib.sh
. "$web/../scripts/lib.sh"
web_deps "$web" >&2 || die "could not install the web side's packages (npm ci in $web)"
node=$(web_node "$web")

if [ "${1:-}" = --probe ]; then
	exec "$node" "$here/harness.mjs" probe
fi
if [ -z "${PGHOST:-}" ] || [ -z "${PGPORT:-}" ]; then
	die "PGHOST and PGPORT must name the cluster to test against"
fi
"$node" "$web/build.mjs" || die "the page does not bundle (web/build.mjs)"
if ! reason=$("$node" "$here/harness.mjs" probe); then
	echo "browser: skipped: Chromium cannot start: $reason"
	export SIM_BROWSER_SKIP="$reason"
fi
if [ $# -eq 0 ]; then
	set -- "$here"/*.test.mjs
fi
exec "$node" --test --test-concurrency=1 "$@"
