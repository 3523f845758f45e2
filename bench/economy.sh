#!/usr/bin/env bash
# bench/economy.sh -- the economy as users feel it, each beside its peer in
# the same run:
#   1. a full tick with NPC decisions, stations and markets (sim.step(1),
#      one transaction each, commit included) after a warm-up that spreads
#      the NPCs over their cycles, vs one SQL UPDATE moving every ship
#      (the peer of bench/engine.sh);
#   2. economic commands per second from several clients -- sim.sell and
#      sim.buy on docked player ships, sim.navigate on idle ships -- vs
#      pgbench's built-in simple-update script, same clients and duration.
#
# Usage: bench/economy.sh [SHIPS ...]    (default: 10000 100000; the goals name 1000000 too)
# Environment (defaults in brackets):
#   WARMUP [600]      ticks run before measuring (sim.step(100) at a time)
#   TICKS [100]       single ticks measured
#   SQL_TICKS [5]     runs of the SQL UPDATE peer
#   CMD_SHIPS [100000]  size of the universe for the command test (0: skip it)
#   CMD_SECONDS [15]  duration of each pgbench run of the command test
#   CLIENTS [4], THREADS [2]  pgbench clients and threads
#   BENCH_HOST, BENCH_PORT  use this running cluster (socket directory and
#                     port; sim preloaded, sim.max_ships >= the largest size)
#                     instead of starting a throwaway one
# Needs sim installed (make install) and PostgreSQL 15 with PostGIS.  Starts
# its own throwaway cluster unless told otherwise; as root it runs the
# cluster and the clients as postgres.
set -euo pipefail

SIZES=("$@")
[ ${#SIZES[@]} -gt 0 ] || SIZES=(10000 100000)
WARMUP=${WARMUP:-600}
TICKS=${TICKS:-100}
SQL_TICKS=${SQL_TICKS:-5}
CMD_SHIPS=${CMD_SHIPS:-100000}
CMD_SECONDS=${CMD_SECONDS:-15}
CLIENTS=${CLIENTS:-4}
THREADS=${THREADS:-2}
here=$(cd "$(dirname "$0")" && pwd)
# shellcheck source=bench/lib.sh
. "$here/lib.sh"
bench_cluster "synchronous_commit = off"

echo "sim economy benchmark: $(nproc) cores, sizes ${SIZES[*]}, warm-up $WARMUP ticks, $TICKS ticks measured"
echo
printf '%-10s %-30s %12s %12s %10s\n' ships measure sim peer ratio

p50_at_100k=""
p99_at_100k=""
p50_at_1m=""
for n in "${SIZES[@]}"; do
	db=eco_$n
	gen_ms=$(newdb "$db" "$n")

	# warm-up: NPCs wake, trade, fly and mine until their cycles are spread out
	t0=$(date +%s.%N)
	warm "$db" "$WARMUP"
	warm_s=$(echo "$(date +%s.%N) - $t0" | bc -l)
	psql -d "$db" -c "VACUUM ANALYZE" 2>/dev/null
	start_tick=$(psql -d "$db" -Atc "SELECT tick FROM sim.world")
	printf '%-10s %-30s %10.1fs %12s   (generation %s ms)\n' "$n" "warm-up, $WARMUP ticks" "$warm_s" "" "$gen_ms"

	# 1. single ticks, one transaction each, timed by the client (commit included)
	echo "SELECT sim.step(1);" >"$dir/step.sql"
	rm -f "$dir"/step_log*
	(cd "$dir" && pgbench -n -t "$TICKS" -f "$dir/step.sql" -l --log-prefix="$dir/step_log" "$db" >/dev/null)
	read -r tick_p50 tick_p99 < <(latency "$dir"/step_log*)
	inner=$(psql -d "$db" -Atc "SELECT round(percentile_cont(0.5) WITHIN GROUP (ORDER BY duration_ms)::numeric, 2) || ' ' ||
	                                   round(percentile_cont(0.99) WITHIN GROUP (ORDER BY duration_ms)::numeric, 2)
	                              FROM sim.tick_log WHERE tick > $start_tick")
	activity=$(psql -d "$db" -Atc "SELECT format('%s arrivals, %s state changes, %s trades, %s flying of %s',
	                                      (SELECT round(avg(arrivals)) FROM sim.tick_log WHERE tick > $start_tick),
	                                      round((SELECT count(*) FROM sim.ship_event WHERE tick > $start_tick)::numeric / $TICKS),
	                                      round((SELECT count(*) FROM sim.trade WHERE tick > $start_tick)::numeric / $TICKS),
	                                      (SELECT count(*) FROM sim.ship WHERE state = 'flying'), $n)")
	audit=$(psql -d "$db" -Atc "SELECT count(*) FROM sim.audit()")

	# the peer: one UPDATE moving every ship, as in bench/engine.sh
	sql_peer "$db"
	rm -f "$dir"/upd_log*
	(cd "$dir" && pgbench -n -t "$SQL_TICKS" -f "$dir/update.sql" -l --log-prefix="$dir/upd_log" "$db" >/dev/null)
	read -r upd_p50 upd_p99 < <(latency "$dir"/upd_log*)

	printf '%-10s %-30s %10sms %10sms %9.1fx\n' "$n" "tick p50 vs SQL UPDATE p50" "$tick_p50" "$upd_p50" \
		"$(ratio "$upd_p50" "$tick_p50")"
	printf '%-10s %-30s %10sms %10sms %9.1fx\n' "$n" "tick p99 vs SQL UPDATE p99" "$tick_p99" "$upd_p99" \
		"$(ratio "$upd_p99" "$tick_p99")"
	printf '%-10s %-30s %12s\n' "$n" "in-tick time p50/p99 (ms)" "$inner"
	printf '%-10s %-30s %s\n' "$n" "per tick" "$activity"
	printf '%-10s %-30s %s\n' "$n" "sim.audit() violations" "$audit"
	[ "$n" != 100000 ] || { p50_at_100k=$tick_p50; p99_at_100k=$tick_p99; }
	[ "$n" != 1000000 ] || p50_at_1m=$tick_p50

	psql -d postgres -c "DROP DATABASE $db WITH (FORCE)"
done
# goal: goal_line (what, figure, limit)
goal_line() {
	local verdict=missed
	[ "$(echo "$2 <= $3" | bc -l)" = 1 ] && verdict=met
	echo "goal: $1 <= $3 ms: $2 ms, $verdict"
}
[ -z "$p50_at_100k" ] || goal_line "tick p50 at 100000 ships" "$p50_at_100k" 10
[ -z "$p99_at_100k" ] || goal_line "tick p99 at 100000 ships" "$p99_at_100k" 25
[ -z "$p50_at_1m" ] || goal_line "tick p50 at 1000000 ships" "$p50_at_1m" 100

# 2. commands per second
#
# Measured as players use them: each pgbench client is one player, acting
# through its own login role (SET ROLE to it once per connection, so
# sim.current_player() finds it as for a player's own login) and calling
# the api functions (api.sell, api.buy, api.navigate) on its own ships, with
# its own wallet.  Beside it, the same commands called by an operator
# (the superuser) as sim.sell, sim.buy and sim.navigate on the same pools.
[ "$CMD_SHIPS" -gt 0 ] || exit 0
echo
echo "commands per second: $CMD_SHIPS ships, $CLIENTS clients, $THREADS threads, $CMD_SECONDS s per run (no ticker)"
db=eco_cmd
newdb "$db" "$CMD_SHIPS" >/dev/null
# 1000 docked ships become player ships (no NPC) with 50 units of the good
# their station holds most of, bought at the market; each idle ship is
# navigated once (a ship with a pending command refuses another), to a
# station of its sector more than 1000 km away, in a random order.
psql -d "$db" >/dev/null <<'SQL'
CREATE TABLE trade_pool AS
SELECT row_number() OVER (ORDER BY md5(s.id::text)) AS k, s.id AS ship, m.good_id AS good
  FROM sim.ship s JOIN sim.ship_class c ON c.id = s.class_id
 CROSS JOIN LATERAL (SELECT k.good_id FROM sim.station_stock k WHERE k.station_id = s.docked_at
                      ORDER BY k.qty DESC, k.good_id LIMIT 1) m
 WHERE s.state = 'docked' AND c.cargo_capacity >= 100
 ORDER BY md5(s.id::text) LIMIT 1000;
ALTER TABLE trade_pool ADD PRIMARY KEY (k);
DELETE FROM sim.npc_personality WHERE ship_id IN (SELECT ship FROM trade_pool);
SELECT count(*) FROM trade_pool p CROSS JOIN LATERAL sim.buy(p.ship, p.good, 50) b;
CREATE TABLE nav_pool AS
SELECT row_number() OVER (ORDER BY md5(s.id::text)) - 1 AS k, s.id AS ship, 'station:' || d.id AS dest
  FROM sim.ship s
 CROSS JOIN LATERAL (SELECT st.id FROM sim.station st
                      WHERE st.sector_id = s.sector_id
                        AND ST_3DDistance(st.pos, ST_MakePoint(s.x, s.y, s.z)) > 1000
                      ORDER BY st.id LIMIT 1) d
 WHERE s.state = 'idle';
ALTER TABLE nav_pool ADD PRIMARY KEY (k);
-- the last 1000 of the pool (a tenth of a small pool) are navigated now, so
-- that sim.command has the statistics autovacuum gives it in a running
-- system (without them the check for a pending command scans every pending
-- command)
SELECT count(*) FROM nav_pool p CROSS JOIN LATERAL sim.navigate(p.ship, p.dest) c
 WHERE p.k >= (SELECT count(*) - least(1000, count(*) / 10) FROM nav_pool);
SQL
pool=$(psql -d "$db" -Atc "SELECT count(*) FROM trade_pool")
navs=$(psql -d "$db" -Atc "SELECT count(*) - least(1000, count(*) / 10) FROM nav_pool")
half=$((navs / 2))

# The players: one per client, login bench_player_I for client I, owning the
# trade pool's ships k with (k - 1) % CLIENTS = I and the first half of the
# navigation pool's ships k with k % CLIENTS = I.  The second half of that
# pool is the operator's.
for ((i = 0; i < CLIENTS; i++)); do
	psql -d "$db" -c "DROP ROLE IF EXISTS bench_player_$i" -c "CREATE ROLE bench_player_$i LOGIN" 2>/dev/null
	psql -d "$db" >/dev/null <<SQL
SELECT sim.create_player('bench player $i', login => 'bench_player_$i', credits => 1000000000);
UPDATE sim.ship s SET faction_id = p.faction_id
  FROM sim.player p
 WHERE p.login = 'bench_player_$i'
   AND (s.id IN (SELECT t.ship FROM trade_pool t WHERE (t.k - 1) % $CLIENTS = $i)
        OR s.id IN (SELECT n.ship FROM nav_pool n WHERE n.k < $half AND n.k % $CLIENTS = $i));
GRANT SELECT ON trade_pool, nav_pool TO bench_player_$i;
SQL
done
psql -d "$db" >/dev/null <<'SQL'
DELETE FROM sim.npc_personality WHERE ship_id IN (SELECT ship FROM nav_pool);
VACUUM ANALYZE;
SQL
per=$((pool / CLIENTS))

# a player's client takes its login's role once per connection
as_player='\if :role_set = 0
SET ROLE bench_player_:client_id;
\set role_set 1
\endif'
for side in sell buy; do
	cat >"$dir/player_$side.sql" <<EOF
$as_player
\\set k 1 + :client_id + :nclients * random(0, $per - 1)
SELECT t.price FROM trade_pool p CROSS JOIN LATERAL api.$side(p.ship, p.good, 1) t WHERE p.k = :k;
EOF
	cat >"$dir/operator_$side.sql" <<EOF
\\set k random(1, $pool)
SELECT t.price FROM trade_pool p CROSS JOIN LATERAL sim.$side(p.ship, p.good, 1) t WHERE p.k = :k;
EOF
done
cat >"$dir/player_navigate.sql" <<EOF
$as_player
\\set n :n + 1
SELECT c.command_id FROM nav_pool p CROSS JOIN LATERAL api.navigate(p.ship, p.dest) c
 WHERE p.k = :client_id + :nclients * :n AND p.k < $half;
EOF
cat >"$dir/operator_navigate.sql" <<EOF
\\set n :n + 1
SELECT c.command_id FROM nav_pool p CROSS JOIN LATERAL sim.navigate(p.ship, p.dest) c
 WHERE p.k = $half + :client_id + :nclients * :n AND p.k < $navs;
EOF

# tps and failures of a pgbench run: run_pgbench (label, pgbench args...)
run_pgbench() {
	local label=$1 out
	shift
	out=$(cd "$dir" && pgbench -n -c "$CLIENTS" -j "$THREADS" -T "$CMD_SECONDS" -D role_set=0 -D nclients="$CLIENTS" "$@" 2>&1) || true
	if grep -q 'aborted' <<<"$out"; then
		echo "warning: $label: some clients aborted:" >&2
		grep -m 3 'aborted\|ERROR' <<<"$out" >&2 || true
	fi
	awk '/^tps/ {tps = $3} /^number of transactions actually processed/ {n = $6}
	     /^number of failed transactions/ {f = $5} END {printf "%s %s %s\n", tps, n, f}' <<<"$out"
}
pending() { psql -d "$db" -Atc "SELECT count(*) FROM sim.command WHERE status = 'pending'"; }

read -r ptrade_tps ptrade_n ptrade_failed < <(run_pgbench "player sell/buy" -f "$dir/player_sell.sql@1" -f "$dir/player_buy.sql@1" "$db")
read -r otrade_tps otrade_n otrade_failed < <(run_pgbench "operator sell/buy" -f "$dir/operator_sell.sql@1" -f "$dir/operator_buy.sql@1" "$db")
queued0=$(pending)
read -r pnav_tps pnav_n pnav_failed < <(run_pgbench "player navigate" -D n=-1 -f "$dir/player_navigate.sql" "$db")
queued1=$(pending)
read -r onav_tps onav_n onav_failed < <(run_pgbench "operator navigate" -D n=-1 -f "$dir/operator_navigate.sql" "$db")
queued2=$(pending)
pqueued=$((queued1 - queued0))
oqueued=$((queued2 - queued1))
audit=$(psql -d "$db" -Atc "SELECT count(*) FROM sim.audit()")
pnote=""
[ "$pqueued" = "$pnav_n" ] || pnote=" -- POOL USED UP: $pnav_n transactions for $pqueued commands, not a rate"
onote=""
[ "$oqueued" = "$onav_n" ] || onote=" -- POOL USED UP: $onav_n transactions for $oqueued commands, not a rate"

pdb=eco_pgbench
dbs+=("$pdb")
psql -d postgres -c "DROP DATABASE IF EXISTS $pdb" -c "CREATE DATABASE $pdb" 2>/dev/null
pgbench -i -q -s 1 "$pdb" >/dev/null 2>&1
read -r peer_tps _ _ < <(run_pgbench simple-update -b simple-update "$pdb")

printf '%-40s %12s %12s %9s\n' measure "sim (cmd/s)" "peer (tps)" ratio
printf '%-40s %12.0f %12.0f %8.2fx   (%s commands, %s failed; %s ships, %s audit violations)\n' \
	"player api.sell + api.buy vs simple-update" "$ptrade_tps" "$peer_tps" "$(ratio "$ptrade_tps" "$peer_tps")" \
	"$ptrade_n" "${ptrade_failed:-0}" "$pool" "$audit"
printf '%-40s %12.0f %12.0f %8.2fx   (%s commands queued, %s failed; pool %s idle ships)%s\n' \
	"player api.navigate vs simple-update" "$pnav_tps" "$peer_tps" "$(ratio "$pnav_tps" "$peer_tps")" \
	"$pqueued" "${pnav_failed:-0}" "$half" "$pnote"
printf '%-40s %12.0f %12.0f %8.2fx   (%s commands, %s failed)\n' \
	"operator sim.sell + sim.buy" "$otrade_tps" "$peer_tps" "$(ratio "$otrade_tps" "$peer_tps")" \
	"$otrade_n" "${otrade_failed:-0}"
printf '%-40s %12.0f %12.0f %8.2fx   (%s commands queued, %s failed; pool %s idle ships)%s\n' \
	"operator sim.navigate" "$onav_tps" "$peer_tps" "$(ratio "$onav_tps" "$peer_tps")" \
	"$oqueued" "${onav_failed:-0}" "$((navs - half))" "$onote"
for ((i = 0; i < CLIENTS; i++)); do
	psql -d postgres -c "DROP DATABASE IF EXISTS $db WITH (FORCE)" -c "DROP ROLE IF EXISTS bench_player_$i" >/dev/null 2>&1 || true
done
