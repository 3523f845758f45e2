#!/usr/bin/env bash
# bench/first_paint.sh -- time to first paint of the sector view at 100k
# ships in one sector, beside the time of the query behind it
# (sim.delta_state of that sector) in the same run, with the ratio; and the
# frame rate of that view while the universe ticks.  bench/first_paint.mjs
# does the measuring (Chromium through playwright-core, the API server
# through scripts/api.sh, as the browser tests do).
#
# Usage: bench/first_paint.sh
# Environment (defaults in brackets):
#   SHIPS [100000]   ships, all in one sector
#   RUNS [3]         page loads (and queries) timed; medians printed
#   TICKS [10], TICK_MS [1000]  ticks stepped while the page is open, and the
#                    time between them
#   BENCH_HOST, BENCH_PORT  use this running cluster (see bench/lib.sh)
# Needs sim installed (make install), npm (web/ packages) and Chromium.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
repo=$(cd "$here/.." && pwd)
# shellcheck source=bench/lib.sh
. "$here/lib.sh"
# shellcheck source=scripts/lib.sh
. "$repo/scripts/lib.sh"

web_deps "$repo/web" || die "could not install the web side's packages (npm ci in web/)"
bench_cluster "synchronous_commit = off"
echo "first paint benchmark: $(nproc) cores, ${SHIPS:-100000} ships in one sector"
PGHOST=$host PGPORT=$port PGUSER=$(run_user) "$(web_node "$repo/web")" "$here/first_paint.mjs"
