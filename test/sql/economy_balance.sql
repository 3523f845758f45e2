--
-- economy_balance: the rules that keep the economy in balance (docs/gameplay.md,
-- "The economy in balance"): the monetary rule moves the population's pay
-- rate, the identity faucets - sinks = change of the money supply holds,
-- docking fees are charged, ledger rows say where they happened, stranded
-- ships are listed and rescued, shipyards consume ship parts, and the knobs
-- refuse values out of range.
--
SET client_min_messages = warning;
CREATE EXTENSION IF NOT EXISTS sim CASCADE;
RESET client_min_messages;
SELECT sim.reset_universe();
SELECT sim.generate_universe(7, 3, 300) - 'seed' AS universe;

-- the anchor is the seeded credits; the pay rate starts at its default
SELECT e.money_anchor = (SELECT sum(amount) FROM sim.ledger WHERE reason = 'seed' AND good_id IS NULL) AS anchored,
       e.population_pay_ppm
  FROM sim.economy e;
-- shipyards refit the fleet: a ship_parts demand at each, none elsewhere
SELECT st.kind = 'shipyard' AS shipyard, count(*) > 0 AS has_parts_demand
  FROM sim.station_demand d JOIN sim.station st ON st.id = d.station_id
 WHERE d.good_id = 13 GROUP BY 1;
SELECT count(*) = (SELECT count(*) FROM sim.station WHERE kind = 'shipyard') AS every_shipyard
  FROM sim.station_demand WHERE good_id = 13;

CREATE TEMP TABLE money0 AS
SELECT (SELECT sum(credits) FROM sim.wallet)
     + (SELECT coalesce(sum(escrow), 0) FROM sim.market_order WHERE status = 'open')
     + (SELECT coalesce(sum(escrow), 0) FROM sim.contract WHERE status IN ('open', 'accepted')) AS m;
SELECT sim.step(1200);

-- the rule ran: the rate moved off its default, within its bounds
SELECT population_pay_ppm <> 250000 AS rate_moved, population_pay_ppm BETWEEN 1000 AND 1000000 AS in_bounds
  FROM sim.economy;
-- faucets - sinks of credits since tick 0 = the change of the money supply
SELECT (SELECT sum(CASE flow WHEN 'faucet' THEN amount ELSE -amount END)
          FROM sim.ledger WHERE good_id IS NULL AND reason <> 'seed')
     = (SELECT sum(credits) FROM sim.wallet)
     + (SELECT coalesce(sum(escrow), 0) FROM sim.market_order WHERE status = 'open')
     + (SELECT coalesce(sum(escrow), 0) FROM sim.contract WHERE status IN ('open', 'accepted'))
     - (SELECT m FROM money0) AS identity_holds;
-- docking fees were paid; the population paid; production ran in batches
SELECT reason, count(*) > 0 AS rows
  FROM sim.ledger WHERE reason IN ('docking_fee', 'population', 'production', 'consumption') AND tick > 0
 GROUP BY 1 ORDER BY 1;
SELECT max(amount) > 2 AS batches FROM sim.ledger WHERE reason = 'production';
-- where: mining rows carry their body and its sector; station rows their station's sector
SELECT count(*) FILTER (WHERE l.body_id IS NULL OR l.sector_id IS DISTINCT FROM b.sector_id) AS mining_misplaced,
       count(*) > 0 AS mined
  FROM sim.ledger l LEFT JOIN sim.body b ON b.id = l.body_id WHERE l.reason = 'mining';
SELECT count(*) AS station_rows_misplaced
  FROM sim.ledger l JOIN sim.station st ON st.id = l.station_id
 WHERE l.tick > 0 AND l.sector_id IS DISTINCT FROM st.sector_id;
-- every unit of fuel bought into a tank is a refuel trade, and no cargo trade is one
SELECT (SELECT coalesce(sum(amount), 0) FROM sim.ledger WHERE reason = 'refuel')
     = (SELECT coalesce(sum(qty), 0) FROM sim.trade WHERE kind = 'refuel') AS refuels_are_trades,
       (SELECT count(*) FROM sim.trade WHERE kind = 'refuel' AND good_id <> 8) AS refuels_not_fuel;
SELECT count(*) AS audit_rows FROM sim.audit();

-- stranded: an NPC at rest far from any station with an empty tank is listed ...
CREATE TEMP TABLE victim AS
SELECT s.id, s.sector_id FROM sim.ship s
 WHERE s.state = 'flying' AND s.role = 'trader' ORDER BY s.id LIMIT 1;
SELECT sim.tick_guard();
UPDATE sim.ship s SET state = 'idle', fuel = 0, arrival_tick = NULL, dest_kind = NULL, dest_id = NULL,
       x = ST_X(c.center) + 200000, y = ST_Y(c.center), z = ST_Z(c.center),
       dir_x = 0, dir_y = 0, dir_z = 0, accel = 0, t_burn = 0, t_coast = 0, t_brake = 0,
       leg_start_tick = (SELECT tick FROM sim.world), wake_tick = (SELECT tick FROM sim.world) + 1
  FROM sim.sector c, victim v
 WHERE s.id = v.id AND c.id = s.sector_id;
SELECT v.id = x.ship_id AS listed, x.state, x.fuel, x.reason
  FROM sim.stranded_ship x JOIN victim v ON v.id = x.ship_id;
-- ... and towed to a station when it next decides, paying the fee; its tank untouched
SELECT sim.step(2);
SELECT s.state, s.dest_kind, s.fuel, (SELECT count(*) FROM sim.stranded_ship x WHERE x.ship_id = s.id) AS still_listed
  FROM sim.ship s JOIN victim v ON v.id = s.id;
SELECT l.amount > 0 AS fee_paid, l.station_id IS NOT NULL AS to_station
  FROM sim.ledger l JOIN victim v ON v.id = l.ship_id WHERE l.reason = 'towing';
SELECT count(*) AS audit_rows FROM sim.audit();

-- the knobs refuse values out of range (23514)
\set VERBOSITY terse
UPDATE sim.economy SET docking_fee = -1;
UPDATE sim.economy SET population_pay_ppm = 0;
UPDATE sim.economy SET handling_rate = 0;
UPDATE sim.economy SET recipe_batches = 0;
UPDATE sim.economy SET mining_speed = 'NaN';
UPDATE sim.economy SET anchor_pull_ppm = 1000001;
-- the ledger refuses a fee in goods
INSERT INTO sim.ledger (tick, flow, reason, good_id, amount) VALUES (1, 'sink', 'docking_fee', 1, 5);
\set VERBOSITY default

-- capacity grows with the fleet: recipe batches (40 per 2,000 ships, at
-- least 40) and berths (each station at least a quarter of the fleet's
-- share of a station, half the fleet in all on average); a small fleet keeps
-- the base values of 20-120 berths a station
SELECT sim.generate_universe(7, 1, 5000, stations_per_sector => 2, reset => true) ->> 'ships' AS ships;
SELECT e.recipe_batches = 5000 / 50 AS batches_scale,
       (SELECT min(docking_slots) FROM sim.station) >= 5000 / 2 / 4 AS berths_each_station,
       (SELECT sum(docking_slots) FROM sim.station) >= 5000 / 4 AS berths_hold_a_quarter,
       (SELECT sum(docking_slots) FROM sim.station) <= 5000 * 2 AS berths_not_runaway
  FROM sim.economy e;
SELECT sim.generate_universe(7, 3, 300, reset => true) ->> 'ships' AS ships;
SELECT e.recipe_batches AS batches_small_fleet,
       bool_and(st.docking_slots BETWEEN 20 AND 120 AND st.docking_slots % 10 = 0) AS base_berths
  FROM sim.economy e, sim.station st GROUP BY e.recipe_batches;
SELECT sim.reset_universe();
