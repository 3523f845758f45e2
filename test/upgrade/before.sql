-- test/upgrade/before.sql -- the live universe the previous release makes
-- before it is upgraded: a generated universe (fixed seed) with three
-- players who buy, sell through crossing orders, leave an order open and fly
-- to another sector, stepped 150 ticks with sim.step under a short history
-- policy (so several partitions and rollups exist; nothing is old enough
-- to drop, so sim.audit() can balance the whole ledger).  Uses only
-- what a release's API offers to players and operators.
\set ON_ERROR_STOP on
UPDATE sim.history_policy SET partition_ticks = 20, period_ticks = 40;
SELECT sim.generate_universe(2026, 4, 400) IS NOT NULL AS generated;
CREATE TABLE public.upgrade_cast AS
SELECT sim.create_player('upgrade_a', NULL, 2000000) AS a, sim.create_player('upgrade_b', NULL, 2000000) AS b,
       sim.create_player('upgrade_c', NULL, 2000000) AS c;
CREATE TABLE public.upgrade_ship AS
SELECT (SELECT s.id FROM sim.ship s JOIN sim.player p ON p.faction_id = s.faction_id WHERE p.id = g.a) AS ship_a,
       (SELECT s.id FROM sim.ship s JOIN sim.player p ON p.faction_id = s.faction_id WHERE p.id = g.b) AS ship_b,
       (SELECT s.id FROM sim.ship s JOIN sim.player p ON p.faction_id = s.faction_id WHERE p.id = g.c) AS ship_c
  FROM public.upgrade_cast g;
CREATE TABLE public.upgrade_good AS
SELECT s.docked_at AS station,
       (SELECT k.good_id FROM sim.station_stock k WHERE k.station_id = s.docked_at
         ORDER BY k.qty DESC, k.good_id LIMIT 1) AS good
  FROM sim.ship s, public.upgrade_ship gs WHERE s.id = gs.ship_b;
SELECT count(*) AS bought FROM public.upgrade_ship gs, public.upgrade_good gg, sim.buy(gs.ship_b, gg.good, 60) b;
SELECT sim.place_order(gs.ship_b, gg.good, 'sell', 40, 1) IS NOT NULL AS sell_order
  FROM public.upgrade_ship gs, public.upgrade_good gg;
SELECT sim.place_order(gs.ship_a, gg.good, 'buy', 25, 5000) IS NOT NULL AS buy_order
  FROM public.upgrade_ship gs, public.upgrade_good gg;
SELECT sim.place_order(gs.ship_a, gg.good, 'buy', 30, 2) IS NOT NULL AS low_buy
  FROM public.upgrade_ship gs, public.upgrade_good gg;
SELECT sim.undock(gs.ship_c) IS NOT NULL AS undock FROM public.upgrade_ship gs;
SELECT sim.step(20);
SELECT (sim.navigate(gs.ship_c, 'station:' || st.id, 'drift')).legs > 1 AS multi_sector
  FROM public.upgrade_ship gs, sim.ship s, sim.station st
 WHERE s.id = gs.ship_c AND st.sector_id <> s.sector_id
 ORDER BY st.sector_id, st.id LIMIT 1;
SELECT sim.step(130);
SELECT count(*) AS audit_findings FROM sim.audit();
