--
-- economy_cache: the economy's world that a backend keeps between ticks
-- (src/eco_load.c) sees every change made between ticks.  On a small
-- hand-made universe, one session changes one cached table at a time, as an
-- operator would, and checks that the next tick acts on the new value --
-- each check shows an effect that only the new value explains, and would
-- show the old value's effect if the kept world were not reloaded.
-- Static part: sim.economy's rules, good, ship_class, sector, jump_gate,
-- station, ship_transition, bt_tree, bt_node, recipe, recipe_input,
-- recipe_output, station_recipe, station_demand.  Dynamic part:
-- station_stock, wallet, body, deposit.  Only one table changes between
-- two ticks, so a table whose writes did not mark the world would fail its
-- own check.
--
SET client_min_messages = warning;
CREATE EXTENSION IF NOT EXISTS sim CASCADE;
RESET client_min_messages;
SELECT sim.reset_universe();

CREATE FUNCTION pg_temp.try(stmt text) RETURNS text
LANGUAGE plpgsql AS $$
DECLARE
    code    text;
    msg     text;
BEGIN
    EXECUTE stmt;
    RETURN 'ok';
EXCEPTION WHEN others THEN
    GET STACKED DIAGNOSTICS code = RETURNED_SQLSTATE, msg = MESSAGE_TEXT;
    RETURN code || ': ' || msg;
END
$$;

-- The ledger of the last tick, without ids
CREATE FUNCTION pg_temp.last_tick_ledger()
RETURNS TABLE (tick bigint, flow text, reason text, good_id integer, amount bigint, station_id integer, ship_id bigint)
LANGUAGE sql AS $$
    SELECT l.tick, l.flow, l.reason, l.good_id, l.amount, l.station_id, l.ship_id
      FROM sim.ledger l WHERE l.tick = (SELECT w.tick FROM sim.world w) ORDER BY l.id
$$;

-- Step until ship s wakes (it must be asleep)
CREATE FUNCTION pg_temp.step_to_wake(s bigint) RETURNS bigint
LANGUAGE sql AS $$
    SELECT sim.step((sh.wake_tick - w.tick)::integer) FROM sim.ship sh, sim.world w WHERE sh.id = s
$$;

-- A ship's state and how long it sleeps from now
CREATE FUNCTION pg_temp.ship(s bigint)
RETURNS TABLE (id bigint, state text, docked_at integer, body_id integer, sleeps bigint, dest_kind text, dest_id bigint)
LANGUAGE sql AS $$
    SELECT sh.id, sh.state, sh.docked_at, sh.body_id, sh.wake_tick - w.tick, sh.dest_kind, sh.dest_id
      FROM sim.ship sh, sim.world w WHERE sh.id = s
$$;

-- A universe by hand.  Faction 1 owns the stations, faction 2 the ships.
-- Sectors 1 (Alpha, security 0.9), 2 (Beta, 0.95), 3 (Gamma, 0.9), no
-- gates.  Station 1 (Hub, sector 1) feeds its population 2 food every tick
-- and has recipe 1 (2 ore -> 1 metal, every tick) but does not run it
-- yet; station 2 (Dock, sector 1) has one docking slot, taken by ship 5;
-- station 3 (Haven) is in sector 2.  Bodies 1 and 2 (sector 1) and 3
-- (sector 2) hold ore at richness 0.5.  Mining cycles last 10 ticks.
-- Ships 1-6 obey commands only: 1 and 2 mine bodies 1 and 2 (hulls of
-- their own, mining rate 1: 5 ore a cycle), 3 idles 2000 km from the Hub,
-- 4 waits for a slot at the Dock, 6 is docked at the Hub.  Ships 7 and 8
-- have NPC pilots with fear 1: the trader 7 in sector 1 flees to a safer
-- sector when its own is risky (security below 0.5), else waits 7 ticks
-- (3 when it cannot flee); the prospector 8 in sector 3 flies to a
-- deposit of its sector, else waits 5 ticks.
INSERT INTO sim.world (seed, params, tick) VALUES (0, '{}', 0);
INSERT INTO sim.economy (dock_ticks, undock_ticks, mine_cycle_ticks, npc_cooldown_ticks,
                         price_period_ticks, contract_period_ticks)
VALUES (5, 5, 10, 20, 86400, 86400);
INSERT INTO sim.faction (id, name, kind, color) VALUES
    (1, 'Owners', 'state', '#111111'), (2, 'Pilots', 'guild', '#222222');
INSERT INTO sim.wallet (faction_id, credits) VALUES (1, 100000), (2, 1000);
INSERT INTO sim.sector (id, name, center, half_size, security) VALUES
    (1, 'Alpha', ST_MakePoint(0, 0, 0), 100000, 0.9),
    (2, 'Beta', ST_MakePoint(300000, 0, 0), 100000, 0.95),
    (3, 'Gamma', ST_MakePoint(600000, 0, 0), 100000, 0.9);
INSERT INTO sim.good (id, name, category, tier, base_price, volume) VALUES
    (1, 'ore', 'raw', 0, 10, 1), (2, 'metal', 'refined', 1, 40, 0.5), (3, 'fuel', 'consumable', 1, 50, 1),
    (4, 'food', 'consumable', 2, 60, 0.8);
INSERT INTO sim.body (id, sector_id, parent_id, kind, name, pos, radius) VALUES
    (1, 1, NULL, 'asteroid_field', 'Rock A', ST_MakePoint(20000, 0, 0), 10),
    (2, 1, NULL, 'asteroid_field', 'Rock B', ST_MakePoint(30000, 0, 0), 10),
    (3, 2, NULL, 'asteroid_field', 'Rock C', ST_MakePoint(340000, 0, 0), 10);
INSERT INTO sim.deposit (body_id, good_id, richness, remaining) VALUES (1, 1, 0.5, 1000), (2, 1, 0.5, 1000), (3, 1, 0.5, 1000);
INSERT INTO sim.recipe (id, name, cycle_ticks) VALUES (1, 'smelt ore', 1);
INSERT INTO sim.recipe_input (recipe_id, good_id, qty) VALUES (1, 1, 2);
INSERT INTO sim.recipe_output (recipe_id, good_id, qty) VALUES (1, 2, 1);
INSERT INTO sim.station (id, name, faction_id, sector_id, body_id, kind, pos, docking_slots, storage_capacity) VALUES
    (1, 'Hub', 1, 1, NULL, 'trade_hub', ST_MakePoint(1000, 0, 0), 10, 10000),
    (2, 'Dock', 1, 1, NULL, 'outpost', ST_MakePoint(5000, 0, 0), 1, 1000),
    (3, 'Haven', 1, 2, NULL, 'outpost', ST_MakePoint(300000, 0, 0), 10, 1000);
INSERT INTO sim.station_stock (station_id, good_id, qty, target) VALUES
    (1, 1, 100, 100), (1, 2, 10, 100), (1, 3, 100, 100), (1, 4, 50, 100), (3, 3, 100, 100);
INSERT INTO sim.station_demand (station_id, good_id, qty, cycle_ticks) VALUES (1, 4, 2, 1);
INSERT INTO sim.ship_class (id, name, role, max_speed, max_accel, cargo_capacity, fuel_capacity, fuel_per_dv, mining_rate) VALUES
    (1, 'Digger', 'miner', 10, 0.1, 100, 100, 0.5, 1),
    (2, 'Scoop', 'miner', 10, 0.1, 100, 100, 0.5, 1),
    (3, 'Hauler', 'hauler', 100, 10, 100, 100, 0.1, 0),
    (4, 'Courier', 'trader', 10, 0.1, 100, 1000, 0.01, 0),
    (5, 'Prospector', 'miner', 10, 0.1, 100, 1000, 0.01, 1);
INSERT INTO sim.ship (id, name, faction_id, class_id, role, sector_id, state, docked_at, body_id, wake_tick, fuel, x, y, z) VALUES
    (1, 'Digger', 2, 1, 'miner', 1, 'mining', NULL, 1, 1, 100, 20000, 0, 0),
    (2, 'Scoop', 2, 2, 'miner', 1, 'mining', NULL, 2, 1, 100, 30000, 0, 0),
    (3, 'Caller', 2, 3, 'hauler', 1, 'idle', NULL, NULL, NULL, 100, 1500, 0, 0),
    (4, 'Waiter', 2, 3, 'hauler', 1, 'docking', 2, NULL, 1, 100, 5000, 0, 0),
    (5, 'Holder', 2, 3, 'hauler', 1, 'docked', 2, NULL, NULL, 100, 5000, 0, 0),
    (6, 'Leaver', 2, 3, 'hauler', 1, 'docked', 1, NULL, NULL, 100, 1000, 0, 0),
    (7, 'Trader', 2, 4, 'trader', 1, 'idle', NULL, NULL, 1, 1000, 10000, 0, 0),
    (8, 'Prospector', 2, 5, 'miner', 3, 'idle', NULL, NULL, 1, 1000, 600000, 0, 0);
INSERT INTO sim.npc_personality (ship_id, greed, fear, loyalty) VALUES (7, 0.5, 1, 0.5), (8, 0.5, 1, 0.5);
INSERT INTO sim.bt_tree (id, name, role) VALUES (1, 'prospect', 'miner'), (2, 'flee', 'trader');
INSERT INTO sim.bt_node (tree_id, node_id, parent_id, seq, kind, leaf, param) VALUES
    (1, 1, NULL, 0, 'selector', NULL, 0),
    (1, 2, 1, 1, 'action', 'goto_deposit', 0),
    (1, 3, 1, 2, 'action', 'wait', 5),
    (2, 1, NULL, 0, 'selector', NULL, 0),
    (2, 2, 1, 1, 'sequence', NULL, 0),
    (2, 3, 2, 1, 'condition', 'risky_sector', 1),
    (2, 4, 2, 2, 'selector', NULL, 0),
    (2, 5, 4, 1, 'action', 'goto_safe_sector', 0),
    (2, 6, 4, 2, 'action', 'wait', 3),
    (2, 7, 1, 2, 'action', 'wait', 7);

-- The first tick loads the world
SELECT sim.step(1);
SELECT * FROM pg_temp.last_tick_ledger();
SELECT s.* FROM sim.ship sh, pg_temp.ship(sh.id) s ORDER BY sh.id;

---
--- Stations: demand, prices, stock, wallets, recipes
---
-- station_demand: the Hub's population now eats 3 food a tick
UPDATE sim.station_demand SET qty = 3 WHERE station_id = 1 AND good_id = 4;
SELECT sim.step(1);
SELECT reason, good_id, amount FROM pg_temp.last_tick_ledger() WHERE reason = 'consumption';

-- good: food's base price rises tenfold; the population pays the bid the
-- new price makes of the stock before the tick
CREATE TEMP TABLE food_before AS SELECT qty, target FROM sim.station_stock WHERE station_id = 1 AND good_id = 4;
UPDATE sim.good SET base_price = 600 WHERE id = 4;
SELECT sim.step(1);
SELECT l.amount AS paid,
       l.amount = 3 * (sim.market_quote(600, f.qty, f.target, e.spread)).bid AS at_the_new_price,
       l.amount = 3 * (sim.market_quote(60, f.qty, f.target, e.spread)).bid AS at_the_old_price
  FROM pg_temp.last_tick_ledger() l, food_before f, sim.economy e WHERE l.reason = 'population';

-- station_stock: the operator restocks food to 80; the tick eats 3 of
-- those 80 (the kept stock would have written its own count back)
UPDATE sim.station_stock SET qty = 80 WHERE station_id = 1 AND good_id = 4;
SELECT sim.step(1);
SELECT qty AS food FROM sim.station_stock WHERE station_id = 1 AND good_id = 4;

-- wallet: the owners' credits are set to 5000; after the tick they hold
-- 5000 and the tick's population payment
UPDATE sim.wallet SET credits = 5000 WHERE faction_id = 1;
SELECT sim.step(1);
SELECT w.credits, w.credits - 5000 = l.amount AS set_value_plus_income
  FROM sim.wallet w, pg_temp.last_tick_ledger() l WHERE w.faction_id = 1 AND l.reason = 'population';

-- station_recipe: the Hub starts smelting (2 ore -> 1 metal)
INSERT INTO sim.station_recipe (station_id, recipe_id) VALUES (1, 1);
SELECT sim.step(1);
SELECT reason, good_id, amount, station_id FROM pg_temp.last_tick_ledger()
 WHERE reason IN ('recipe_input', 'production');

-- recipe: a cycle of 1000 ticks is not due at this tick
UPDATE sim.recipe SET cycle_ticks = 1000 WHERE id = 1;
SELECT sim.step(1);
SELECT (w.tick + 1) % 1000 <> 0 AS not_due,
       (SELECT count(*) FROM pg_temp.last_tick_ledger() WHERE reason IN ('recipe_input', 'production')) AS recipe_rows
  FROM sim.world w;
-- and back to every tick
UPDATE sim.recipe SET cycle_ticks = 1 WHERE id = 1;
SELECT sim.step(1);
SELECT count(*) AS recipe_rows FROM pg_temp.last_tick_ledger() WHERE reason IN ('recipe_input', 'production');

-- recipe_input: a cycle takes 5 ore
UPDATE sim.recipe_input SET qty = 5 WHERE recipe_id = 1 AND good_id = 1;
SELECT sim.step(1);
SELECT reason, good_id, amount FROM pg_temp.last_tick_ledger() WHERE reason IN ('recipe_input', 'production');

-- recipe_output: a cycle makes 3 metal
UPDATE sim.recipe_output SET qty = 3 WHERE recipe_id = 1 AND good_id = 2;
SELECT sim.step(1);
SELECT reason, good_id, amount FROM pg_temp.last_tick_ledger() WHERE reason IN ('recipe_input', 'production');

-- station_recipe: the Hub stops smelting
DELETE FROM sim.station_recipe WHERE station_id = 1 AND recipe_id = 1;
SELECT sim.step(1);
SELECT count(*) AS recipe_rows FROM pg_temp.last_tick_ledger() WHERE reason IN ('recipe_input', 'production');

---
--- Ships: rules, slots, transitions, hulls, deposits
---
-- economy: ship 3 flies to the Hub; the tick before it arrives, docking
-- becomes 7 ticks instead of 5
SELECT n.legs, n.arrival_tick > n.start_tick AS arrives_later FROM sim.navigate(3, 'station:1') n;
SELECT sim.step(1);
SELECT sim.step((SELECT (sh.arrival_tick - w.tick)::integer - 1 FROM sim.ship sh, sim.world w WHERE sh.id = 3));
SELECT * FROM pg_temp.ship(3);
UPDATE sim.economy SET dock_ticks = 7;
SELECT sim.step(1);
SELECT * FROM pg_temp.ship(3);

-- station: ship 4 waits at the Dock, whose only slot ship 5 holds; a
-- second slot lets it dock at the next tick
SELECT * FROM pg_temp.ship(4);
UPDATE sim.station SET docking_slots = 2 WHERE id = 2;
SELECT sim.step(1);
SELECT * FROM pg_temp.ship(4);

-- ship_transition: ship 6 undocks; while it is undocking the operator
-- forbids undocking -> idle, and the tick that would finish it fails with
-- SM009, changing nothing; allowed again, the tick finishes it
SELECT sim.undock(6) > 0 AS queued;
SELECT sim.step(1);
SELECT * FROM pg_temp.ship(6);
SELECT sim.step((SELECT (sh.wake_tick - w.tick)::integer - 1 FROM sim.ship sh, sim.world w WHERE sh.id = 6));
CREATE TEMP TABLE transition_before AS SELECT tick FROM sim.world;
DELETE FROM sim.ship_transition WHERE from_state = 'undocking' AND to_state = 'idle';
SELECT pg_temp.try('SELECT sim.step(1)') AS finish_undocking;
SELECT w.tick = b.tick AS no_tick_committed, s.state FROM sim.world w, transition_before b, sim.ship s WHERE s.id = 6;
INSERT INTO sim.ship_transition (from_state, to_state, cause) VALUES ('undocking', 'idle', 'undocking finished');
SELECT sim.step(1);
SELECT * FROM pg_temp.ship(6);

-- deposit: body 1 has 2 ore left, less than a cycle's 5: ship 1 takes the
-- 2 and stops mining
SELECT * FROM pg_temp.ship(1);
UPDATE sim.deposit SET remaining = 2 WHERE body_id = 1;
SELECT pg_temp.step_to_wake(1) > 0 AS stepped;
SELECT reason, good_id, amount, ship_id FROM pg_temp.last_tick_ledger() WHERE reason = 'mining' AND ship_id = 1;
SELECT (SELECT remaining FROM sim.deposit WHERE body_id = 1) AS remaining, p.state, p.sleeps
  FROM pg_temp.ship(1) p;

-- ship_class: ship 2's hull mines 3 units a tick: 15 a cycle
SELECT * FROM pg_temp.ship(2);
UPDATE sim.ship_class SET mining_rate = 3 WHERE id = 2;
SELECT pg_temp.step_to_wake(2) > 0 AS stepped;
SELECT reason, good_id, amount, ship_id FROM pg_temp.last_tick_ledger() WHERE reason = 'mining' AND ship_id = 2;
-- and holds only 4 units more than it carries: it takes 4 and stops
UPDATE sim.ship_class k SET cargo_capacity = s.cargo_held + 4 FROM sim.ship s WHERE k.id = 2 AND s.id = 2;
SELECT pg_temp.step_to_wake(2) > 0 AS stepped;
SELECT reason, good_id, amount, ship_id FROM pg_temp.last_tick_ledger() WHERE reason = 'mining' AND ship_id = 2;
SELECT s.cargo_held = k.cargo_capacity AS hold_full, p.state
  FROM sim.ship s JOIN sim.ship_class k ON k.id = s.class_id, pg_temp.ship(2) p WHERE s.id = 2;

---
--- NPC pilots: bodies, behaviour trees, sectors, gates
---
-- body: sector 3 has no deposit, and the prospector waits; body 3 is moved
-- into sector 3, and the prospector's next decision flies to it
SELECT * FROM pg_temp.ship(8);
UPDATE sim.body SET sector_id = 3, pos = ST_MakePoint(610000, 0, 0) WHERE id = 3;
SELECT pg_temp.step_to_wake(8) > 0 AS stepped;
SELECT p.id, p.state, p.dest_kind, p.dest_id FROM pg_temp.ship(8) p;

-- bt_node: the trader's wait becomes 13 ticks
SELECT * FROM pg_temp.ship(7);
UPDATE sim.bt_node SET param = 13 WHERE tree_id = 2 AND node_id = 7;
SELECT pg_temp.step_to_wake(7) > 0 AS stepped;
SELECT * FROM pg_temp.ship(7);

-- bt_tree: the tree now drives patrols; the trader has none and rests for
-- sim.economy.npc_cooldown_ticks (20); given back, it waits 13 again
UPDATE sim.bt_tree SET role = 'patrol' WHERE id = 2;
SELECT pg_temp.step_to_wake(7) > 0 AS stepped;
SELECT * FROM pg_temp.ship(7);
UPDATE sim.bt_tree SET role = 'trader' WHERE id = 2;
SELECT pg_temp.step_to_wake(7) > 0 AS stepped;
SELECT * FROM pg_temp.ship(7);

-- sector: Alpha turns risky (security 0.1); with no gate out, the trader
-- waits 3 ticks
UPDATE sim.sector SET security = 0.1 WHERE id = 1;
SELECT pg_temp.step_to_wake(7) > 0 AS stepped;
SELECT * FROM pg_temp.ship(7);

-- jump_gate: a gate from Alpha to Beta; the trader flees to Beta's Haven
INSERT INTO sim.jump_gate (id, sector_a, pos_a, sector_b, pos_b, jump_ticks)
VALUES (1, 1, ST_MakePoint(50000, 0, 0), 2, ST_MakePoint(250000, 0, 0), 10);
SELECT pg_temp.step_to_wake(7) > 0 AS stepped;
SELECT p.id, p.state, p.dest_kind, p.dest_id FROM pg_temp.ship(7) p;

SELECT sim.reset_universe();
