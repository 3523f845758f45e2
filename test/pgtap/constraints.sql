-- pgTAP: the schema rejects rows that break the world's invariants, each
-- with its SQLSTATE, and accepts rows at the boundary.
--
-- Run: pg_prove -d DB test/pgtap/*.sql (DB needs postgis and pgtap available;
-- everything happens in one transaction that is rolled back).
BEGIN;
SET client_min_messages = warning;
CREATE EXTENSION IF NOT EXISTS pgtap;
CREATE EXTENSION IF NOT EXISTS sim CASCADE;
RESET client_min_messages;
SELECT sim.reset_universe();   -- start empty (undone by the final ROLLBACK)

SELECT plan(96);

-- A hand-made world: two factions, two sectors 10000 km apart (half-size
-- 1000 km), a planet, a station of capacity 100 units, hulls with a 50-unit
-- and a 10-unit hold, and one ship docked at the station.
INSERT INTO sim.faction (id, name, kind, color) VALUES
    (1, 'Testers', 'corporation', '#112233'), (2, 'Others', 'guild', '#445566');
INSERT INTO sim.wallet (faction_id, credits) VALUES (1, 1000), (2, 0);
INSERT INTO sim.sector (id, name, center, half_size, security) VALUES
    (1, 'Alpha', ST_MakePoint(0, 0, 0), 1000, 0.5),
    (2, 'Beta', ST_MakePoint(10000, 0, 0), 1000, 1);
INSERT INTO sim.good (id, name, category, tier, base_price, volume) VALUES
    (1, 'ore', 'raw', 0, 10, 1.0), (2, 'metal', 'refined', 1, 40, 0.5);
INSERT INTO sim.body (id, sector_id, parent_id, kind, name, pos, radius) VALUES
    (1, 1, NULL, 'planet', 'Alpha I', ST_MakePoint(500, 0, 0), 50);
INSERT INTO sim.deposit (body_id, good_id, richness, remaining) VALUES (1, 1, 0.5, 100);
INSERT INTO sim.station (id, name, faction_id, sector_id, body_id, kind, pos, docking_slots, storage_capacity)
VALUES (1, 'Dock', 1, 1, 1, 'trade_hub', ST_MakePoint(600, 0, 0), 4, 100),
       (2, 'Depot', 2, 2, NULL, 'outpost', ST_MakePoint(10000, 500, 0), 2, 10);
INSERT INTO sim.ship_class (id, name, role, max_speed, max_accel, cargo_capacity, fuel_capacity, fuel_per_dv, mining_rate)
VALUES (1, 'Hull', 'trader', 10, 0.1, 50, 100, 0.5, 0),
       (2, 'Skiff', 'trader', 20, 0.2, 10, 100, 0.2, 0),
       (3, 'Dinghy', 'trader', 20, 0.2, 50, 40, 0.2, 0);
INSERT INTO sim.ship (id, name, faction_id, class_id, role, sector_id, state, docked_at, fuel, x, y, z)
VALUES (1, 'Testship', 1, 1, 'trader', 1, 'docked', 1, 50, 600, 0, 0);
INSERT INTO sim.npc_personality (ship_id, greed, fear, loyalty) VALUES (1, 0, 1, 0.5);

-- Quantities never go negative ------------------------------------------
SELECT lives_ok($$INSERT INTO sim.station_stock VALUES (1, 1, 60)$$, 'stock of 60 units is accepted');
SELECT throws_ok($$UPDATE sim.station_stock SET qty = -1$$, '23514', NULL, 'negative station stock is rejected');
SELECT lives_ok($$UPDATE sim.station_stock SET qty = 0$$, 'zero station stock is accepted');
SELECT lives_ok($$UPDATE sim.station_stock SET qty = 60$$, 'stock back to 60');
SELECT throws_ok($$UPDATE sim.deposit SET remaining = -1$$, '23514', NULL, 'negative deposit remaining is rejected');
SELECT lives_ok($$UPDATE sim.deposit SET remaining = 0$$, 'an exhausted deposit is accepted');
SELECT throws_ok($$UPDATE sim.deposit SET richness = 0$$, '23514', NULL, 'zero richness is rejected');
SELECT throws_ok($$UPDATE sim.deposit SET richness = 1.01$$, '23514', NULL, 'richness over 1 is rejected');
SELECT throws_ok($$UPDATE sim.wallet SET credits = credits - 1001 WHERE faction_id = 1$$,
                 '23514', NULL, 'a wallet cannot go below zero credits');
SELECT lives_ok($$UPDATE sim.wallet SET credits = credits - 1000 WHERE faction_id = 1$$,
                'a wallet can be spent down to zero');
SELECT throws_ok($$UPDATE sim.ship SET fuel = -0.5$$, '23514', NULL, 'negative fuel is rejected');
SELECT throws_ok($$INSERT INTO sim.ship_cargo VALUES (1, 2, 0)$$, '23514', NULL, 'a cargo row of zero units is rejected');
SELECT throws_ok($$INSERT INTO sim.ship_cargo VALUES (1, 2, -5)$$, '23514', NULL, 'negative cargo is rejected');

-- Station storage capacity: checked per statement over all goods ----------
SELECT throws_ok($$INSERT INTO sim.station_stock VALUES (1, 2, 41)$$, '23514',
                 'station 1 would hold 101 units, over its storage capacity of 100',
                 'inserting stock over the storage capacity is rejected');
SELECT throws_ok($$UPDATE sim.station_stock SET qty = 101$$, '23514', NULL,
                 'updating stock over the storage capacity is rejected');
SELECT lives_ok($$INSERT INTO sim.station_stock VALUES (1, 2, 40)$$, 'stock up to exactly the capacity is accepted');
SELECT throws_ok($$UPDATE sim.station_stock SET qty = qty + 1 WHERE good_id = 2$$, '23514', NULL,
                 'one unit over a full station is rejected');
SELECT lives_ok($$UPDATE sim.station_stock SET qty = 50$$,
                'one statement may rebalance goods of a full station');
SELECT throws_ok($$INSERT INTO sim.station_stock VALUES (2, 1, 6), (2, 2, 5)$$, '23514', NULL,
                 'a multi-row insert is checked on its sum');
SELECT throws_ok($$UPDATE sim.station SET storage_capacity = 99 WHERE id = 1$$, '23514',
                 'station 1 holds 100 units, over the new storage capacity of 99',
                 'lowering capacity below the stock held is rejected');
SELECT throws_ok($$UPDATE sim.station SET storage_capacity = 0 WHERE id = 2$$, '23514', NULL,
                 'zero storage capacity is rejected');
SELECT lives_ok($$UPDATE sim.station SET storage_capacity = 100 WHERE id = 1$$, 'capacity equal to the stock is accepted');
SELECT is((SELECT sum(qty) FROM sim.station_stock WHERE station_id = 1), 100::numeric,
          'the station holds exactly its capacity');

-- Ship hold and tank ---------------------------------------------------------
SELECT lives_ok($$INSERT INTO sim.ship_cargo VALUES (1, 1, 30)$$, '30 units of cargo are accepted');
SELECT throws_ok($$INSERT INTO sim.ship_cargo VALUES (1, 2, 21)$$, '23514',
                 'ship 1 would carry 51 units, over its cargo capacity of 50',
                 'cargo over the hold capacity is rejected');
SELECT lives_ok($$INSERT INTO sim.ship_cargo VALUES (1, 2, 20)$$, 'cargo filling the hold exactly is accepted');
SELECT throws_ok($$UPDATE sim.ship_cargo SET qty = qty + 1 WHERE good_id = 1$$, '23514', NULL,
                 'one more unit in a full hold is rejected');
SELECT throws_ok($$UPDATE sim.ship SET fuel = 100.5$$, '23514',
                 'ship 1 would hold 100.5 fuel, over its tank of 100', 'fuel over the tank is rejected');
SELECT lives_ok($$UPDATE sim.ship SET fuel = 100$$, 'a full tank is accepted');
SELECT throws_ok($$UPDATE sim.ship SET class_id = 3$$, '23514', NULL,
                 'a refit to a smaller tank than the fuel aboard is rejected');
SELECT throws_ok($$UPDATE sim.ship SET class_id = 2$$, '23514', NULL,
                 'a refit to a smaller hold than the cargo aboard is rejected');
SELECT throws_ok($$UPDATE sim.ship_class SET cargo_capacity = 10 WHERE id = 1$$, '23514', NULL,
                 'shrinking a hold below the cargo of its ships is rejected');
UPDATE sim.ship_class SET cargo_capacity = 50 WHERE id = 1;
UPDATE sim.ship SET class_id = 1;
SELECT throws_ok($$UPDATE sim.ship_class SET fuel_capacity = 0 WHERE id = 1$$, '23514', NULL,
                 'a zero tank is rejected');

-- The tallies the capacity checks read follow every write ------------------
SELECT is((SELECT stock_held FROM sim.station WHERE id = 1), 100::bigint,
          'a station''s stock_held is the sum of its stock');
SELECT is((SELECT cargo_held FROM sim.ship WHERE id = 1), 50::bigint,
          'a ship''s cargo_held is the sum of its cargo');
DELETE FROM sim.ship_cargo WHERE ship_id = 1 AND good_id = 2;
UPDATE sim.station_stock SET qty = qty - 10 WHERE station_id = 1 AND good_id = 2;
SELECT is((SELECT stock_held FROM sim.station WHERE id = 1), 90::bigint, 'taking stock lowers the tally');
UPDATE sim.station_stock SET qty = qty + 10 WHERE station_id = 1 AND good_id = 2;
SELECT is((SELECT cargo_held FROM sim.ship WHERE id = 1), 30::bigint, 'deleting cargo lowers the tally');
SELECT throws_ok($$UPDATE sim.station SET stock_held = -1 WHERE id = 1$$, '23514', NULL,
                 'a negative storage tally is rejected');
SELECT throws_ok($$UPDATE sim.ship SET cargo_held = 51 WHERE id = 1$$, '23514',
                 'ship 1 would carry 51 units, over its cargo capacity of 50',
                 'a hold tally over the hull''s capacity is rejected');
TRUNCATE sim.ship_cargo;
SELECT is((SELECT cargo_held FROM sim.ship WHERE id = 1), 0::bigint, 'emptying all holds zeroes the tallies');
INSERT INTO sim.ship_cargo VALUES (1, 1, 30);

-- Sectors are disjoint cubes -------------------------------------------------
SELECT throws_ok($$INSERT INTO sim.sector (id, name, center, half_size, security)
                   VALUES (3, 'Gamma', ST_MakePoint(1500, 0, 0), 1000, 0)$$, '23P01', NULL,
                 'an overlapping sector is rejected');
SELECT throws_ok($$INSERT INTO sim.sector (id, name, center, half_size, security)
                   VALUES (3, 'Gamma', ST_MakePoint(0, 0, 0), 10, 0)$$, '23P01', NULL,
                 'a sector inside another is rejected');
SELECT throws_ok($$INSERT INTO sim.sector (id, name, center, half_size, security)
                   VALUES (3, 'Gamma', ST_MakePoint(2000, 2000, 2000), 1000, 0)$$, '23P01', NULL,
                 'a sector touching another at a corner is rejected');
SELECT throws_ok($$UPDATE sim.sector SET center = ST_MakePoint(1999, 0, 0) WHERE id = 2$$, '23P01', NULL,
                 'moving a sector onto another is rejected');
SELECT throws_ok($$INSERT INTO sim.sector (id, name, center, half_size, security)
                   VALUES (3, 'Gamma', ST_MakePoint(0, 0, 5000), 1000, -0.1)$$, '23514', NULL,
                 'negative security is rejected');
SELECT throws_ok($$INSERT INTO sim.sector (id, name, center, half_size, security)
                   VALUES (3, 'Gamma', ST_MakePoint(0, 0, 5000), -1, 0)$$, '23514', NULL,
                 'negative half-size is rejected');
SELECT lives_ok($$INSERT INTO sim.sector (id, name, center, half_size, security)
                  VALUES (3, 'Gamma', ST_MakePoint(0, 0, 2001), 1000, 0)$$,
                'a sector 1 km clear of another is accepted');
SELECT is((SELECT ST_3DLength(bounds) FROM sim.sector WHERE id = 3), 2000 * sqrt(3),
          'bounds is the cube''s diagonal');

-- Jump gates -------------------------------------------------------------------
SELECT throws_ok($$INSERT INTO sim.jump_gate VALUES
                   (1, 1, ST_MakePoint(900, 0, 0), 1, ST_MakePoint(-900, 0, 0), 10)$$, '23514', NULL,
                 'a gate linking a sector to itself is rejected');
SELECT throws_ok($$INSERT INTO sim.jump_gate VALUES
                   (1, 2, ST_MakePoint(9100, 0, 0), 1, ST_MakePoint(900, 0, 0), 10)$$, '23514', NULL,
                 'a gate stored with sector_a > sector_b is rejected');
SELECT throws_ok($$INSERT INTO sim.jump_gate VALUES
                   (1, 1, ST_MakePoint(900, 0, 0), 2, ST_MakePoint(9100, 0, 0), 0)$$, '23514', NULL,
                 'a zero-tick jump is rejected');
SELECT throws_ok($$INSERT INTO sim.jump_gate VALUES
                   (1, 1, ST_MakePoint(900, 0, 0), 99, ST_MakePoint(9100, 0, 0), 10)$$, '23503', NULL,
                 'a gate to a missing sector is rejected');
SELECT lives_ok($$INSERT INTO sim.jump_gate VALUES
                  (1, 1, ST_MakePoint(900, 0, 0), 2, ST_MakePoint(9100, 0, 0), 10)$$, 'a proper gate is accepted');
SELECT throws_ok($$INSERT INTO sim.jump_gate VALUES
                   (2, 1, ST_MakePoint(900, 0, 0), 2, ST_MakePoint(9100, 0, 0), 12)$$, '23505', NULL,
                 'a second gate between the same sectors is rejected');
SELECT throws_ok($$DELETE FROM sim.sector WHERE id = 2$$, '23503', NULL,
                 'a sector with a gate cannot be deleted');

-- Ship state ---------------------------------------------------------------------
SELECT throws_ok($$UPDATE sim.ship SET docked_at = NULL$$, '23514', NULL, 'docked without a station is rejected');
SELECT throws_ok($$UPDATE sim.ship SET state = 'idle'$$, '23514', NULL, 'idle with a berth is rejected');
SELECT throws_ok($$UPDATE sim.ship SET state = 'docking', docked_at = NULL$$, '23514', NULL,
                 'docking without a station is rejected');
SELECT throws_ok($$UPDATE sim.ship SET state = 'mining', docked_at = NULL$$, '23514', NULL,
                 'mining without a body is rejected');
SELECT throws_ok($$UPDATE sim.ship SET body_id = 1$$, '23514', NULL, 'a docked ship at a body is rejected');
SELECT throws_ok($$UPDATE sim.ship SET state = 'flying', docked_at = NULL$$, '23514', NULL,
                 'flying without an arrival tick is rejected');
SELECT throws_ok($$UPDATE sim.ship SET state = 'idle', docked_at = NULL, arrival_tick = 5$$, '23514', NULL,
                 'an arrival tick on a ship at rest is rejected');
SELECT throws_ok($$UPDATE sim.ship SET t_burn = 5$$, '23514', NULL, 'a ship at rest with a burn is rejected');
SELECT throws_ok($$UPDATE sim.ship SET state = 'flying', docked_at = NULL,
                          leg_start_tick = 10, arrival_tick = 9$$, '23514', NULL,
                 'arrival before the leg starts is rejected');
SELECT throws_ok($$UPDATE sim.ship SET state = 'launched'$$, '23514', NULL, 'an unknown state is rejected');
SELECT throws_ok($$UPDATE sim.ship SET state = 'jumping', docked_at = NULL, arrival_tick = 5$$, '23514', NULL,
                 'the old state jumping is gone');
SELECT throws_ok($$UPDATE sim.ship SET wake_tick = -1$$, '23514', NULL, 'a negative wake-up tick is rejected');
SELECT throws_ok($$UPDATE sim.ship SET docked_at = 99$$, '23503', NULL, 'a berth at a missing station is rejected');
-- the state machine: only the changes sim.ship_transition lists
SELECT throws_ok($$UPDATE sim.ship SET state = 'flying', docked_at = NULL, dir_x = 1, accel = 0.1,
                          t_burn = 10, t_coast = 5, t_brake = 10, leg_start_tick = 0, arrival_tick = 25$$,
                 'SM009', 'ship 1 cannot go from docked to flying',
                 'a docked ship cannot take off without undocking');
SELECT is((SELECT count(*) FROM sim.ship_event), 0::bigint, '... and nothing is recorded');
SELECT lives_ok($$UPDATE sim.ship SET state = 'undocking', wake_tick = 5$$, 'a docked ship may start undocking');
SELECT lives_ok($$UPDATE sim.ship SET state = 'idle', docked_at = NULL, wake_tick = NULL$$,
                'an undocking ship may come to rest in space');
SELECT results_eq($$SELECT ship_id, from_state, to_state, station_id FROM sim.ship_event ORDER BY id$$,
                  $$VALUES (1::bigint, 'docked', 'undocking', 1), (1::bigint, 'undocking', 'idle', 1)$$,
                  'each transition is recorded in sim.ship_event, with the station');
SELECT throws_ok($$UPDATE sim.ship SET state = 'docked', docked_at = 1$$, 'SM009',
                 'ship 1 cannot go from idle to docked', 'an idle ship docks only through docking');
SELECT throws_ok($$UPDATE sim.ship SET state = 'flying', dir_x = 1, accel = 0.1,
                          t_burn = 10, t_coast = 5, t_brake = 10, leg_start_tick = 0, arrival_tick = 25,
                          wake_tick = 3$$, '23514', NULL, 'a flying ship with a wake-up tick is rejected');
SELECT lives_ok($$UPDATE sim.ship SET state = 'flying', dir_x = 1, accel = 0.1,
                         t_burn = 10, t_coast = 5, t_brake = 10, leg_start_tick = 0, arrival_tick = 25$$,
                'a ship with a proper flight plan is accepted');
SELECT throws_ok($$UPDATE sim.ship SET accel = -0.1$$, '23514', NULL, 'negative acceleration is rejected');
SELECT throws_ok($$UPDATE sim.ship SET t_brake = -1$$, '23514', NULL, 'a negative brake time is rejected');
SELECT throws_ok($$UPDATE sim.ship SET state = 'mining', body_id = 1, dir_x = 0, accel = 0, t_burn = 0,
                          t_coast = 0, t_brake = 0, arrival_tick = NULL$$, 'SM009',
                 'ship 1 cannot go from flying to mining', 'a flying ship does not start mining on the way');
SELECT lives_ok($$UPDATE sim.ship SET state = 'orbiting', body_id = 1, dir_x = 0, accel = 0, t_burn = 0,
                         t_coast = 0, t_brake = 0, arrival_tick = NULL$$, 'a flying ship may arrive in orbit');
SELECT throws_ok($$UPDATE sim.ship SET state = 'idle'$$, '23514', NULL, 'an idle ship at a body is rejected');
SELECT lives_ok($$UPDATE sim.ship SET state = 'mining', wake_tick = 30$$, 'an orbiting ship may mine');
SELECT is((SELECT count(*) FROM sim.ship_event), 5::bigint, 'five transitions are recorded');

-- Bodies -------------------------------------------------------------------------
SELECT throws_ok($$INSERT INTO sim.body VALUES (2, 1, NULL, 'moon', 'Alpha Ia', ST_MakePoint(560, 0, 0), 5)$$,
                 '23514', NULL, 'a moon without a parent is rejected');
SELECT throws_ok($$INSERT INTO sim.body VALUES (2, 1, NULL, 'asteroid', 'Rock', ST_MakePoint(560, 0, 0), 5)$$,
                 '23514', NULL, 'an asteroid without a parent is rejected');
SELECT throws_ok($$INSERT INTO sim.body VALUES (2, 1, 1, 'star', 'Alpha', ST_MakePoint(0, 0, 0), 5)$$,
                 '23514', NULL, 'a star with a parent is rejected');
SELECT throws_ok($$INSERT INTO sim.body VALUES (2, 1, 7, 'moon', 'Alpha Ia', ST_MakePoint(560, 0, 0), 5)$$,
                 '23503', NULL, 'a moon of a missing body is rejected');
SELECT lives_ok($$INSERT INTO sim.body VALUES (2, 1, 1, 'moon', 'Alpha Ia', ST_MakePoint(560, 0, 0), 5)$$,
                'a moon of a planet is accepted');
SELECT throws_ok($$DELETE FROM sim.body WHERE id = 1$$, '23503', NULL, 'a body with a moon or a station cannot be deleted');

-- NPC personality ---------------------------------------------------------------
SELECT throws_ok($$UPDATE sim.npc_personality SET greed = 1.5$$, '23514', NULL, 'greed over 1 is rejected');
SELECT throws_ok($$UPDATE sim.npc_personality SET fear = -0.1$$, '23514', NULL, 'negative fear is rejected');
SELECT throws_ok($$UPDATE sim.npc_personality SET loyalty = 'NaN'$$, '23514', NULL, 'NaN loyalty is rejected');
SELECT throws_ok($$INSERT INTO sim.npc_personality VALUES (99, 0.5, 0.5, 0.5)$$, '23503', NULL,
                 'a personality of a missing ship is rejected');

-- Foreign keys, uniqueness, the single world row --------------------------------
SELECT throws_ok($$UPDATE sim.ship SET faction_id = 99$$, '23503', NULL, 'a ship of a missing faction is rejected');
SELECT throws_ok($$DELETE FROM sim.good WHERE id = 1$$, '23503', NULL, 'a good in use cannot be deleted');
SELECT throws_ok($$INSERT INTO sim.world (seed, params) VALUES (1, '{}'), (2, '{}')$$, '23505', NULL,
                 'there is at most one world row');
SELECT * FROM finish();
ROLLBACK;
