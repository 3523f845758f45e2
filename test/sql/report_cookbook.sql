--
-- report_cookbook: the twenty queries of docs/analysts.md, the analyst
-- cookbook, on a small universe (seed 2026, 4 sectors, 800 ships, a player
-- with a few orders in the book) run 1,500 ticks with 25-tick periods (so a
-- day of 24 periods is 600 ticks) and procurement contracts of 300 ticks.
-- The doc shows these queries and this file's expected output: each query
-- below, from its "\echo Qn" to its ";", is the doc's entry n character for
-- character, and its output is the doc's (tools/analysts_doc.sh writes the
-- doc from this file and expected/report_cookbook.out; the last step here
-- runs its --check).
--
-- The queries run as sim_operator, the analysts' role.  Then they run twice
-- more with their output discarded, as sim_anon and as the player (role
-- sim_player and its JWT claims), so the expected output lists which
-- queries each role may not run: the doc's "Runs as" line says the same.
-- This file includes itself for those passes (psql reads it from the
-- source directory, where make runs pg_regress); cookbook_pass is set then.
-- It runs in a database of its own, dropped at the end.
--
\if :{?cookbook_pass}
\else
-- A database of its own, so the output is a fresh install's: earlier tests
-- change what a universe reset keeps (the health bands, for one).
SELECT current_database() AS regress_db \gset
SET client_min_messages = warning;
DROP DATABASE IF EXISTS sim_cookbook;
RESET client_min_messages;
CREATE DATABASE sim_cookbook;
\c sim_cookbook
-- JIT would compile some of the queries for seconds (their estimates are
-- high, their work small); it changes no output
SET jit = off;
SET client_min_messages = warning;
CREATE EXTENSION sim CASCADE;
RESET client_min_messages;
SELECT sim.generate_universe(2026, 4, 800) IS NOT NULL AS generated;
UPDATE sim.history_policy SET period_ticks = 25, partition_ticks = 25;
UPDATE sim.economy SET contract_ticks = 300;
-- a player buys ore at station 3, offers it dearer and bids for more below
-- the market (the NPCs place no orders), then the universe runs
SELECT sim.create_player('Analyst Traders', credits => 200000, station => 3) AS player \gset
SELECT s.id AS player_ship FROM sim.ship s JOIN sim.player p ON p.faction_id = s.faction_id
 WHERE p.id = :player \gset
SELECT sim.buy(:player_ship, 1, 40) IS NOT NULL AS bought;
SELECT sim.place_order(:player_ship, 1, 'sell', 40, 60) IS NOT NULL AS offered;
SELECT sim.place_order(:player_ship, 1, 'buy', 100, p) IS NOT NULL AS bid FROM (VALUES (3), (3), (2), (1)) v(p);
SELECT sim.step(1500);
SET ROLE sim_operator;
\endif

\echo Q1
SELECT period_start, open, high, low, close, volume, trades, vwap, bid, ask, stock, target
  FROM report.market_ohlcv
 WHERE good = 'fuel' AND station_id = 10
 ORDER BY period_start DESC LIMIT 8;
\echo Q2
SELECT day_start, sector_id, open, high, low, close, volume, trades, vwap, bid_best, ask_best, periods
  FROM report.sector_ohlcv_day
 WHERE good = 'fuel'
 ORDER BY sector_id, day_start LIMIT 12;
\echo Q3
SELECT period_start,
       round(max(index) FILTER (WHERE category = 'raw')::numeric, 1) AS raw,
       round(max(index) FILTER (WHERE category = 'refined')::numeric, 1) AS refined,
       round(max(index) FILTER (WHERE category = 'consumable')::numeric, 1) AS consumable,
       round(max(index) FILTER (WHERE category = 'component')::numeric, 1) AS component,
       round(max(index) FILTER (WHERE category = 'product')::numeric, 1) AS product
  FROM report.price_index
 WHERE period_start % 150 = 0 OR period_start = (SELECT max(period_start) FROM report.price_index)
 GROUP BY period_start
 ORDER BY period_start;
\echo Q4
SELECT period_start, money, money_change, faucets, sinks, net_flow, value_traded, velocity
  FROM report.money_supply
 ORDER BY period_start DESC LIMIT 6;
\echo Q5
SELECT flow, reason, sum(credits) AS credits, sum(entries) AS entries,
       round(sum(credits) / sum(sum(credits)) FILTER (WHERE flow = 'sink') OVER (), 3) AS per_credit_sunk
  FROM report.faucets_sinks
 WHERE period_start > 0
 GROUP BY flow, reason
 ORDER BY flow, credits DESC, reason;
\echo Q6
SELECT sector, good, tier, sum(mined) AS mined, sum(produced) AS produced,
       sum(recipe_input) AS recipe_input, sum(consumed) AS consumed
  FROM report.sector_production
 WHERE sector_id = 1 AND period_start > 0
 GROUP BY sector, good, good_id, tier
 ORDER BY good_id;
\echo Q7
SELECT l.sector_id, l.body_id, g.name AS good, sum(l.amount) AS mined, count(DISTINCT l.ship_id) AS miners,
       d.remaining
  FROM sim.ledger l
  JOIN sim.good g ON g.id = l.good_id
  LEFT JOIN sim.deposit d ON d.body_id = l.body_id AND d.good_id = l.good_id
 WHERE l.flow = 'faucet' AND l.reason = 'mining'
 GROUP BY l.sector_id, l.body_id, g.name, d.remaining
 ORDER BY mined DESC, l.body_id LIMIT 6;
\echo Q8
SELECT from_sector, to_sector, good, sum(trips) AS trips, sum(qty) AS qty,
       sum(bought_value) AS bought, sum(sold_value) AS sold, sum(margin) AS margin
  FROM report.trade_flows
 GROUP BY from_sector, to_sector, good
 ORDER BY qty DESC, from_sector, to_sector, good LIMIT 8;
\echo Q9
SELECT good, buy_station, buy_sector, ask, stock, sell_station, sell_sector, bid, margin, margin_ratio, jumps
  FROM report.arbitrage
 ORDER BY margin DESC, buy_station, good LIMIT 6;
\echo Q10
SELECT period_start, station_id, good, bid, ask, spread, margin, margin_ratio
  FROM report.station_margin_period
 WHERE good = 'fuel' AND station_id = 3
 ORDER BY period_start DESC LIMIT 6;
\echo Q11
SELECT recipe, count(*) AS stations, min(margin) AS worst, max(margin) AS best,
       round(avg(margin_per_tick), 2) AS per_tick
  FROM report.manufacturing_margin
 WHERE quoted
 GROUP BY recipe
 ORDER BY per_tick DESC, recipe;
\echo Q12
SELECT period_start, factions, wealth, gini, top1_share, top5_share, median
  FROM report.wealth_distribution
 WHERE period_start % 200 = 0
 ORDER BY period_start;
\echo Q13
SELECT faction_id, ship_id, sum(trades) AS trades, sum(bought) AS bought, sum(sold) AS sold,
       sum(tax) AS tax, sum(profit) AS profit
  FROM report.trader_profit
 WHERE ship_id IS NOT NULL
 GROUP BY faction_id, ship_id
 ORDER BY profit DESC, ship_id LIMIT 6;
\echo Q14
SELECT station_id, good, side, price, orders, qty, depth
  FROM report.order_book
 ORDER BY station_id, good, side, CASE side WHEN 'buy' THEN -price ELSE price END LIMIT 10;
\echo Q15
SELECT kind, count(*) AS trades, sum(qty) AS qty, sum(qty * price) AS value, sum(tax) AS tax,
       round(avg(price), 2) AS avg_price
  FROM sim.trade
 GROUP BY kind
 ORDER BY value DESC, kind;
\echo Q16
WITH busiest AS (
    SELECT s.ship_id
      FROM (SELECT buyer_ship AS ship_id FROM sim.trade
            UNION ALL
            SELECT seller_ship FROM sim.trade) s
     WHERE s.ship_id IS NOT NULL
     GROUP BY s.ship_id
     ORDER BY count(*) DESC, s.ship_id LIMIT 1
)
SELECT b.ship_id, e.tick, e.to_state AS event,
       coalesce('station ' || e.station_id, 'body ' || e.body_id) AS at,
       coalesce(st.sector_id, bd.sector_id) AS sector_id, NULL AS trade
  FROM busiest b
  JOIN sim.ship_event e ON e.ship_id = b.ship_id
  LEFT JOIN sim.station st ON st.id = e.station_id
  LEFT JOIN sim.body bd ON bd.id = e.body_id
 WHERE e.to_state IN ('docked', 'mining', 'flying')
UNION ALL
SELECT b.ship_id, t.tick, t.kind, 'station ' || t.station_id, st.sector_id,
       format('%s %s %s at %s', CASE WHEN t.buyer_ship = b.ship_id THEN 'bought' ELSE 'sold' END,
              t.qty, g.name, t.price)
  FROM busiest b
  JOIN sim.trade t ON b.ship_id IN (t.buyer_ship, t.seller_ship)
  JOIN sim.station st ON st.id = t.station_id
  JOIN sim.good g ON g.id = t.good_id
 ORDER BY tick, trade NULLS FIRST, event LIMIT 14;
\echo Q17
SELECT period_start, sum(ships) AS ships,
       coalesce(sum(ships) FILTER (WHERE state = 'docked'), 0) AS docked,
       coalesce(sum(ships) FILTER (WHERE state = 'flying'), 0) AS flying,
       coalesce(sum(ships) FILTER (WHERE state = 'mining'), 0) AS mining,
       coalesce(sum(ships) FILTER (WHERE state NOT IN ('docked', 'flying', 'mining')), 0) AS other,
       sum(stranded) AS stranded
  FROM sim.ship_period
 WHERE period_start % 200 = 0
 GROUP BY period_start
 ORDER BY period_start;
\echo Q18
SELECT s.sector_id, s.sector, sum(s.tax) AS tax, sum(s.value) AS value,
       round(sum(s.tax)::numeric / nullif(sum(s.value), 0), 4) AS tax_share
  FROM report.sector_ohlcv s
 GROUP BY s.sector_id, s.sector
 ORDER BY s.sector_id;
\echo Q19
SELECT kind, status, count(*) AS contracts, sum(qty) AS qty, sum(reward) AS reward,
       round(avg(coalesce(closed_tick, sim.current_tick()) - created_tick), 1) AS avg_ticks
  FROM sim.contract
 GROUP BY kind, status
 ORDER BY kind, status;
\echo Q20
SELECT indicator, round(value::numeric, 4) AS value, lo, hi, ok
  FROM report.economy_health
 WHERE period_start = (SELECT max(period_start) FROM report.economy_health)
 ORDER BY indicator;

\if :{?cookbook_pass}
\else
RESET ROLE;

-- Who may run them: every query again, output discarded, as sim_anon and
-- as the player; a query a role may not run shows its error below its name.
\set cookbook_pass 1
\set ECHO none
\set VERBOSITY terse
\o /dev/null
\echo == as sim_anon
SET ROLE sim_anon;
\i test/sql/report_cookbook.sql
RESET ROLE;
\echo == as sim_player (the player Analyst Traders)
SELECT set_config('request.jwt.claims', json_build_object('role', 'sim_player', 'sub', :player)::text, false);
SET ROLE sim_player;
\i test/sql/report_cookbook.sql
RESET ROLE;
SELECT set_config('request.jwt.claims', '', false);
\o
\set ECHO all
\set VERBOSITY default
\unset cookbook_pass

-- docs/analysts.md shows these queries and the expected output of this file
\set doc_check `tools/analysts_doc.sh --check 2>&1`
\echo :doc_check
\c :regress_db
DROP DATABASE sim_cookbook;
\endif
