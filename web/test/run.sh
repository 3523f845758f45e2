#!/usr/bin/env bash
# web/test/run.sh -- the HTTP test (web/test/*.test.mjs) with the pinned Node,
# after "npm ci" in web/ when its packages are missing or stale.  Needs PGHOST,
# PGPORT (and PGUSER: a superuser) naming a running cluster with sim
# installed; scripts/test.sh runs it as suite "api".
set -euo pipefail
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
web=$(cd "$here/.." && pwd)
# shellcheck source=scripts/lib.sh
. "$web/../scripts/lib.sh"
if [ -z "${PGHOST:-}" ] || [ -z "${PGPORT:-}" ]; then
	die "PGHOST and PGPORT must name the cluster to test against"
fi
web_deps "$web" || die "could not install the web side's packages (npm ci in $web)"
exec "$(web_node "$web")" --test "$here"/*.test.mjs
