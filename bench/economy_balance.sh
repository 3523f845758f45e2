#!/usr/bin/env bash
# bench/economy_balance.sh -- the economy's tuning harness: generates a
# universe, steps it period by period and prints, per period, the health
# indicators of docs/gameplay.md ("The economy in balance") beside their
# target bands; a period after the warm-up outside a band is marked '!'.
# Indicators are computed from the raw tables (sim.ledger, sim.wallet,
# escrow, sim.ship, sim.market, sim.stranded_ship), snapshotted at each
# period's end; the peer of each value is its band.
#
# Usage: bench/economy_balance.sh [SEED [SECTORS [SHIPS [TICKS [PERIOD [WARMUP]]]]]]
#        (defaults: 2026 12 10000 20000 1000 2000)
# Environment: SIM_PG_BINDIR, BENCH_HOST, BENCH_PORT as bench/lib.sh;
# KEEP_DB=1 keeps the database (bal_SEED_SHIPS) of a running cluster.
set -euo pipefail

SEED=${1:-2026}
SECTORS=${2:-12}
SHIPS=${3:-10000}
TICKS=${4:-20000}
PERIOD=${5:-1000}
WARMUP=${6:-2000}
here=$(cd "$(dirname "$0")" && pwd)
# shellcheck source=bench/lib.sh
. "$here/lib.sh"
bench_cluster "synchronous_commit = off" "fsync = off"

db=bal_${SEED}_${SHIPS}
[ -n "${KEEP_DB:-}" ] || dbs+=("$db")
psql -d postgres -c "DROP DATABASE IF EXISTS $db WITH (FORCE)" -c "CREATE DATABASE $db" 2>/dev/null
psql -d "$db" -c "SET client_min_messages = warning" -c "CREATE EXTENSION sim CASCADE"
t0=$(date +%s.%N)
psql -d "$db" -Atc "SELECT sim.generate_universe($SEED, $SECTORS, $SHIPS)" >/dev/null

# snapshots at each period's end, and the indicators of each period
psql -d "$db" <<'SQL'
CREATE TABLE bal_money (tick bigint PRIMARY KEY, money numeric);
CREATE TABLE bal_quote (tick bigint, station_id integer, good_id integer, bid bigint, ask bigint,
                        stock bigint, target bigint, PRIMARY KEY (tick, station_id, good_id));
CREATE TABLE bal_period (tick bigint PRIMARY KEY, money_pct numeric, faucet numeric, sink numeric,
    fs numeric, tiers text, tiers_ok boolean, recipe_share numeric, parts_used numeric,
    stranded bigint, docked numeric, flying numeric, mining numeric, bids_moved numeric,
    mid_lo numeric, mid_hi numeric);
CREATE FUNCTION bal_snap(t bigint) RETURNS void LANGUAGE sql AS $$
    INSERT INTO bal_money
    SELECT t, (SELECT coalesce(sum(credits), 0) FROM sim.wallet)
            + (SELECT coalesce(sum(escrow), 0) FROM sim.market_order WHERE status = 'open')
            + (SELECT coalesce(sum(escrow), 0) FROM sim.contract WHERE status IN ('open', 'accepted'));
    INSERT INTO bal_quote SELECT t, station_id, good_id, bid, ask, stock, target FROM sim.market;
$$;
CREATE FUNCTION bal_measure(t0 bigint, t1 bigint) RETURNS void LANGUAGE sql AS $$
    WITH l AS (
        SELECT * FROM sim.ledger WHERE tick > t0 AND tick <= t1 AND reason <> 'seed'
    ), cr AS (
        SELECT coalesce(sum(amount) FILTER (WHERE flow = 'faucet'), 0) AS f,
               coalesce(sum(amount) FILTER (WHERE flow = 'sink'), 0) AS s
          FROM l WHERE good_id IS NULL
    ), cat AS (
        SELECT g.category,
               coalesce(sum(l.amount) FILTER (WHERE l.flow = 'faucet'), 0) AS made,
               coalesce(sum(l.amount) FILTER (WHERE l.flow = 'sink'), 0) AS used
          FROM sim.good g LEFT JOIN l ON l.good_id = g.id
         GROUP BY g.category
    ), up AS (
        SELECT coalesce(sum(l.amount) FILTER (WHERE l.reason = 'production'), 0) AS made,
               coalesce(sum(l.amount) FILTER (WHERE l.flow = 'sink'), 0) AS used
          FROM l JOIN sim.good g ON g.id = l.good_id WHERE g.tier >= 1
    ), ships AS (
        SELECT count(*) AS n, count(*) FILTER (WHERE state = 'docked') AS docked,
               count(*) FILTER (WHERE state = 'flying') AS flying,
               count(*) FILTER (WHERE state = 'mining') AS mining
          FROM sim.ship
    ), consumed AS (
        SELECT DISTINCT station_id, good_id FROM l WHERE flow = 'sink' AND station_id IS NOT NULL
           AND reason IN ('consumption', 'recipe_input')
    ), moved AS (
        SELECT count(*) FILTER (WHERE a.bid <> b.bid)::numeric / greatest(count(*), 1) AS share
          FROM consumed c
          JOIN bal_quote a ON a.tick = t1 AND (a.station_id, a.good_id) = (c.station_id, c.good_id)
          JOIN bal_quote b ON b.tick = t0 AND (b.station_id, b.good_id) = (c.station_id, c.good_id)
    ), mid AS (
        SELECT min(r) AS lo, max(r) AS hi FROM (
            SELECT avg((q.bid + q.ask) / 2.0) / g.base_price AS r
              FROM bal_quote q JOIN sim.good g ON g.id = q.good_id WHERE q.tick = t1 GROUP BY g.id, g.base_price) x
    )
    INSERT INTO bal_period
    SELECT t1,
           round(100 * (m1.money - m0.money) / m0.money, 2),
           cr.f, cr.s, round(cr.f / nullif(cr.s, 0), 3),
           (SELECT string_agg(category || ' ' || made || '/' || used, ', ' ORDER BY category) FROM cat),
           (SELECT bool_and(made > 0 AND used > 0) FROM cat),
           round(up.made / nullif(up.used, 0), 3),
           (SELECT coalesce(sum(amount), 0) FROM l WHERE flow = 'sink' AND good_id = 13),
           (SELECT count(*) FROM sim.stranded_ship),
           round(100.0 * ships.docked / ships.n, 1), round(100.0 * ships.flying / ships.n, 1),
           round(100.0 * ships.mining / ships.n, 1),
           round(100 * moved.share, 1), round(mid.lo, 2), round(mid.hi, 2)
      FROM cr, up, ships, moved, mid,
           bal_money m0, bal_money m1
     WHERE m0.tick = t0 AND m1.tick = t1;
$$;
SELECT bal_snap(0);
SQL

echo "sim economy balance: seed $SEED, $SECTORS sectors, $SHIPS ships, $TICKS ticks, periods of $PERIOD, warm-up $WARMUP ($(nproc) cores)"
printf '%-7s %7s %6s %4s %6s %6s %4s %6s %6s %6s %6s %5s %5s %s\n' \
	tick 'dM%' 'F/S' tier recipe parts strd docked flying mining 'bid mv' 'mid' 'mid' 'units made/used by category'
printf '%-7s %7s %6s %4s %6s %6s %4s %6s %6s %6s %6s %5s %5s\n' \
	band '+-3' '.8-1.25' all '>=.5' '>0' 0 '15-50' '25-65' '5-30' '>0' '>.33' '<3'
prev=0
bad=0
while [ "$prev" -lt "$TICKS" ]; do
	next=$((prev + PERIOD))
	psql -d "$db" -Atc "SELECT sim.step($PERIOD)" >/dev/null
	psql -d "$db" -Atc "SELECT bal_snap($next); SELECT bal_measure($prev, $next)" >/dev/null
	line=$(psql -d "$db" -AtF' ' -c "
	    SELECT tick, money_pct, coalesce(fs, 0), CASE WHEN tiers_ok THEN 'yes' ELSE 'no' END,
	           coalesce(recipe_share, 0), parts_used, stranded, docked, flying, mining, bids_moved,
	           mid_lo, mid_hi, tiers,
	           (abs(money_pct) <= 3 AND fs BETWEEN 0.8 AND 1.25 AND tiers_ok AND recipe_share >= 0.5
	            AND parts_used > 0 AND stranded = 0 AND docked BETWEEN 15 AND 50
	            AND flying BETWEEN 25 AND 65 AND mining BETWEEN 5 AND 30 AND bids_moved > 0
	            AND mid_lo >= 0.33 AND mid_hi <= 3) IS TRUE
	      FROM bal_period WHERE tick = $next")
	read -r t dm fs tier rs parts strd dk fl mn bm lo hi rest <<<"$line"
	ok=${rest##* }
	tiers=${rest% *}
	mark=' '
	if [ "$next" -gt "$WARMUP" ] && [ "$ok" != t ]; then mark='!'; bad=$((bad + 1)); fi
	printf '%-6s%s %7s %6s %4s %6s %6s %4s %6s %6s %6s %6s %5s %5s %s\n' \
		"$t" "$mark" "$dm" "$fs" "$tier" "$rs" "$parts" "$strd" "$dk" "$fl" "$mn" "$bm" "$lo" "$hi" "$tiers"
	prev=$next
done
# over the run after the warm-up: markets of consumed goods whose bid never moved
psql -d "$db" -AtF' ' -c "
    WITH c AS (SELECT DISTINCT station_id, good_id FROM sim.ledger
                WHERE tick > $WARMUP AND flow = 'sink' AND reason IN ('consumption', 'recipe_input'))
    SELECT count(*), count(*) FILTER (WHERE n = 1) FROM (
        SELECT c.station_id, c.good_id, count(DISTINCT q.bid) AS n
          FROM c JOIN bal_quote q USING (station_id, good_id) WHERE q.tick >= $WARMUP
         GROUP BY 1, 2) x" | {
	read -r n flat
	echo "consumed markets after the warm-up: $n, with a constant bid: $flat (band: 0)"
}
psql -d "$db" -AtF' ' -c "SELECT 'audit rows: ' || count(*) FROM sim.audit()"
printf 'periods after the warm-up outside a band: %d; %.0f s\n' "$bad" "$(echo "$(date +%s.%N) - $t0" | bc -l)"
