--
-- constraints: the schema rejects rows that break the world's invariants,
-- each with its own SQLSTATE, and accepts the rows at the boundary.
--
-- Everything happens in one transaction that is rolled back; pg_temp.try
-- runs one statement in a subtransaction and reports "ok" or the SQLSTATE
-- and message of its error.
--
SET client_min_messages = warning;
CREATE EXTENSION IF NOT EXISTS sim CASCADE;
RESET client_min_messages;
-- start from an empty universe, whatever ran before
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

BEGIN;
-- A hand-made world: two factions, two sectors 10000 km apart (half-size
-- 1000 km), a planet, a station of capacity 100 units, a ship class with a
-- 50-unit hold and a 100-unit tank, and one ship docked at the station.
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
VALUES (1, 'Dock', 1, 1, 1, 'trade_hub', ST_MakePoint(600, 0, 0), 4, 100);
INSERT INTO sim.ship_class (id, name, role, max_speed, max_accel, cargo_capacity, fuel_capacity, fuel_per_dv, mining_rate)
VALUES (1, 'Hull', 'trader', 10, 0.1, 50, 100, 0.5, 0),
       (2, 'Skiff', 'trader', 20, 0.2, 10, 40, 0.2, 0);
INSERT INTO sim.ship (id, name, faction_id, class_id, role, sector_id, state, docked_at, fuel, x, y, z)
VALUES (1, 'Testship', 1, 1, 'trader', 1, 'docked', 1, 50, 600, 0, 0);
INSERT INTO sim.npc_personality (ship_id, greed, fear, loyalty) VALUES (1, 0, 1, 0.5);
INSERT INTO sim.station_stock (station_id, good_id, qty) VALUES (1, 1, 60);
INSERT INTO sim.ship_cargo (ship_id, good_id, qty) VALUES (1, 1, 30);

-- Quantities never go negative
SELECT pg_temp.try($$UPDATE sim.station_stock SET qty = -1$$) AS negative_stock;
SELECT pg_temp.try($$UPDATE sim.deposit SET remaining = -1$$) AS negative_deposit;
SELECT pg_temp.try($$UPDATE sim.deposit SET richness = 0$$) AS zero_richness;
SELECT pg_temp.try($$UPDATE sim.wallet SET credits = credits - 1001 WHERE faction_id = 1$$) AS overdrawn_wallet;
SELECT pg_temp.try($$UPDATE sim.ship SET fuel = -0.5$$) AS negative_fuel;
SELECT pg_temp.try($$INSERT INTO sim.ship_cargo VALUES (1, 2, 0)$$) AS empty_cargo_row;

-- Station storage: the sum over goods is checked once per statement
SELECT pg_temp.try($$INSERT INTO sim.station_stock VALUES (1, 2, 41)$$) AS stock_over_capacity;
SELECT pg_temp.try($$UPDATE sim.station_stock SET qty = 101$$) AS stock_update_over_capacity;
SELECT pg_temp.try($$INSERT INTO sim.station_stock VALUES (1, 2, 40)$$) AS stock_fills_capacity;
SELECT pg_temp.try($$UPDATE sim.station_stock SET qty = qty + 1 WHERE good_id = 2$$) AS one_unit_too_many;
SELECT pg_temp.try($$UPDATE sim.station SET storage_capacity = 99$$) AS capacity_below_stock;
-- one statement may move stock between goods while the station is full
SELECT pg_temp.try($$UPDATE sim.station_stock SET qty = CASE good_id WHEN 1 THEN 50 ELSE 50 END$$) AS rebalance_when_full;

-- Ship hold and tank
SELECT pg_temp.try($$INSERT INTO sim.ship_cargo VALUES (1, 2, 21)$$) AS cargo_over_capacity;
SELECT pg_temp.try($$INSERT INTO sim.ship_cargo VALUES (1, 2, 20)$$) AS cargo_fills_hold;
SELECT pg_temp.try($$UPDATE sim.ship_cargo SET qty = qty + 1 WHERE good_id = 2$$) AS cargo_one_too_many;
SELECT pg_temp.try($$UPDATE sim.ship SET fuel = 100.5$$) AS fuel_over_tank;
SELECT pg_temp.try($$UPDATE sim.ship SET fuel = 100$$) AS fuel_fills_tank;
SELECT pg_temp.try($$UPDATE sim.ship SET class_id = 2$$) AS refit_to_smaller_tank;

-- Sectors are disjoint cubes
SELECT pg_temp.try($$INSERT INTO sim.sector (id, name, center, half_size, security)
                     VALUES (3, 'Gamma', ST_MakePoint(1500, 0, 0), 1000, 0)$$) AS overlapping_sector;
SELECT pg_temp.try($$INSERT INTO sim.sector (id, name, center, half_size, security)
                     VALUES (3, 'Gamma', ST_MakePoint(0, 0, 2000), 1000, 0)$$) AS sector_sharing_a_face;
SELECT pg_temp.try($$INSERT INTO sim.sector (id, name, center, half_size, security)
                     VALUES (3, 'Gamma', ST_MakePoint(0, 0, 0), 10, 0)$$) AS sector_inside_another;
SELECT pg_temp.try($$INSERT INTO sim.sector (id, name, center, half_size, security)
                     VALUES (3, 'Gamma', ST_MakePoint(0, 0, 5000), 0, 0)$$) AS zero_half_size;
SELECT pg_temp.try($$INSERT INTO sim.sector (id, name, center, half_size, security)
                     VALUES (3, 'Gamma', ST_MakePoint(0, 0, 5000), 1000, 1.5)$$) AS security_over_one;
SELECT pg_temp.try($$INSERT INTO sim.sector (id, name, center, half_size, security)
                     VALUES (3, 'Gamma', ST_MakePoint(0, 0, 5000), 1000, 0)$$) AS disjoint_sector;

-- Jump gates link two different sectors, stored in order
SELECT pg_temp.try($$INSERT INTO sim.jump_gate VALUES
                     (1, 1, ST_MakePoint(900, 0, 0), 1, ST_MakePoint(-900, 0, 0), 10)$$) AS gate_to_itself;
SELECT pg_temp.try($$INSERT INTO sim.jump_gate VALUES
                     (1, 2, ST_MakePoint(9100, 0, 0), 1, ST_MakePoint(900, 0, 0), 10)$$) AS gate_wrong_order;
SELECT pg_temp.try($$INSERT INTO sim.jump_gate VALUES
                     (1, 1, ST_MakePoint(900, 0, 0), 2, ST_MakePoint(9100, 0, 0), 0)$$) AS gate_zero_jump;
SELECT pg_temp.try($$INSERT INTO sim.jump_gate VALUES
                     (1, 1, ST_MakePoint(900, 0, 0), 9, ST_MakePoint(9100, 0, 0), 10)$$) AS gate_to_missing_sector;
SELECT pg_temp.try($$INSERT INTO sim.jump_gate VALUES
                     (1, 1, ST_MakePoint(900, 0, 0), 2, ST_MakePoint(9100, 0, 0), 10)$$) AS gate_ok;
SELECT pg_temp.try($$INSERT INTO sim.jump_gate VALUES
                     (2, 1, ST_MakePoint(900, 0, 0), 2, ST_MakePoint(9100, 0, 0), 12)$$) AS second_gate_same_pair;

-- A ship's discrete state agrees with its berth, the body it orbits, its
-- wake-up tick and its flight plan (the ship is docked at station 1)
SELECT pg_temp.try($$UPDATE sim.ship SET docked_at = NULL$$) AS docked_without_station;
SELECT pg_temp.try($$UPDATE sim.ship SET state = 'idle'$$) AS idle_but_berthed;
SELECT pg_temp.try($$UPDATE sim.ship SET state = 'undocking', docked_at = NULL$$) AS undocking_without_station;
SELECT pg_temp.try($$UPDATE sim.ship SET state = 'orbiting', docked_at = NULL$$) AS orbiting_without_body;
SELECT pg_temp.try($$UPDATE sim.ship SET body_id = 1$$) AS docked_at_a_body;
SELECT pg_temp.try($$UPDATE sim.ship SET state = 'jumping', docked_at = NULL$$) AS unknown_state;
SELECT pg_temp.try($$UPDATE sim.ship SET wake_tick = -1$$) AS negative_wake_tick;
SELECT pg_temp.try($$UPDATE sim.ship SET state = 'flying', docked_at = NULL$$) AS flying_without_arrival;
SELECT pg_temp.try($$UPDATE sim.ship SET t_burn = 5$$) AS resting_ship_burning;
SELECT pg_temp.try($$UPDATE sim.ship SET state = 'flying', docked_at = NULL,
                            leg_start_tick = 10, arrival_tick = 9$$) AS arrival_before_departure;

-- State changes follow sim.ship_transition: a row that satisfies every
-- constraint still may not jump from docked straight into flight (SM009)
SELECT pg_temp.try($$UPDATE sim.ship SET state = 'flying', docked_at = NULL, dir_x = 1, accel = 0.1,
                            t_burn = 10, t_coast = 0, t_brake = 10, leg_start_tick = 0, arrival_tick = 20$$) AS docked_to_flying;
SELECT pg_temp.try($$UPDATE sim.ship SET state = 'idle', docked_at = NULL$$) AS docked_to_idle;
-- the allowed way out: undocking, then idle; each change is recorded
SELECT pg_temp.try($$UPDATE sim.ship SET state = 'undocking', wake_tick = 5$$) AS undock;
SELECT pg_temp.try($$UPDATE sim.ship SET state = 'idle', docked_at = NULL, wake_tick = NULL$$) AS undocked;
SELECT pg_temp.try($$UPDATE sim.ship SET state = 'orbiting', body_id = 1$$) AS into_orbit;
SELECT pg_temp.try($$UPDATE sim.ship SET state = 'idle'$$) AS idle_at_a_body;
SELECT pg_temp.try($$UPDATE sim.ship SET state = 'flying', body_id = NULL, dir_x = 1, accel = 0.1,
                            t_burn = 10, t_coast = 0, t_brake = 10, leg_start_tick = 0, arrival_tick = 20,
                            wake_tick = 7$$) AS flying_with_wake_tick;
SELECT pg_temp.try($$UPDATE sim.ship SET state = 'flying', body_id = NULL, dir_x = 1, accel = 0.1,
                            t_burn = 10, t_coast = 0, t_brake = 10, leg_start_tick = 0, arrival_tick = 20$$) AS valid_flight;
SELECT tick, ship_id, from_state, to_state, station_id, body_id FROM sim.ship_event ORDER BY id;
-- an update that leaves the state alone is no transition
SELECT pg_temp.try($$UPDATE sim.ship SET fuel = 49$$) AS same_state;
SELECT count(*) AS events FROM sim.ship_event;
-- a flying ship docks only through docking
SELECT pg_temp.try($$UPDATE sim.ship SET state = 'docked', docked_at = 1, arrival_tick = NULL,
                            accel = 0, t_burn = 0, t_brake = 0$$) AS flying_to_docked;
SELECT pg_temp.try($$UPDATE sim.ship SET accel = -0.1$$) AS negative_accel;
SELECT pg_temp.try($$UPDATE sim.ship SET t_coast = -1$$) AS negative_coast;
SELECT pg_temp.try($$UPDATE sim.ship SET docked_at = 99, state = 'docking', arrival_tick = NULL,
                            accel = 0, t_burn = 0, t_brake = 0$$) AS docking_at_missing_station;
SELECT pg_temp.try($$UPDATE sim.ship SET role = 'smuggler'$$) AS unknown_role;

-- Bodies: moons and asteroids orbit a parent, others do not
SELECT pg_temp.try($$INSERT INTO sim.body VALUES (2, 1, NULL, 'moon', 'Alpha Ia', ST_MakePoint(560, 0, 0), 5)$$) AS moon_without_parent;
SELECT pg_temp.try($$INSERT INTO sim.body VALUES (2, 1, 1, 'planet', 'Alpha II', ST_MakePoint(700, 0, 0), 5)$$) AS planet_with_parent;
SELECT pg_temp.try($$INSERT INTO sim.body VALUES (2, 1, 7, 'moon', 'Alpha Ia', ST_MakePoint(560, 0, 0), 5)$$) AS moon_of_missing_body;
SELECT pg_temp.try($$INSERT INTO sim.body VALUES (2, 1, 1, 'moon', 'Alpha Ia', ST_MakePoint(560, 0, 0), 0)$$) AS zero_radius;
SELECT pg_temp.try($$INSERT INTO sim.body VALUES (2, 1, 1, 'moon', 'Alpha Ia', ST_MakePoint(560, 0, 0), 5)$$) AS moon_ok;

-- NPC traits lie in [0, 1]
SELECT pg_temp.try($$UPDATE sim.npc_personality SET greed = 1.5$$) AS greed_over_one;
SELECT pg_temp.try($$UPDATE sim.npc_personality SET fear = -0.1$$) AS negative_fear;
SELECT pg_temp.try($$UPDATE sim.npc_personality SET loyalty = 'NaN'$$) AS nan_loyalty;

-- Foreign keys, uniqueness, the single world row, enumerations
SELECT pg_temp.try($$UPDATE sim.ship SET faction_id = 99$$) AS ship_of_missing_faction;
SELECT pg_temp.try($$INSERT INTO sim.station_stock VALUES (1, 99, 1)$$) AS stock_of_missing_good;
SELECT pg_temp.try($$DELETE FROM sim.good WHERE id = 1$$) AS delete_good_in_use;
SELECT pg_temp.try($$INSERT INTO sim.faction VALUES (3, 'Testers', 'guild', '#000000')$$) AS duplicate_faction_name;
SELECT pg_temp.try($$INSERT INTO sim.faction VALUES (3, 'Third', 'guild', 'red')$$) AS bad_color;
SELECT pg_temp.try($$INSERT INTO sim.faction VALUES (3, 'Third', 'empire', '#000000')$$) AS bad_faction_kind;
SELECT pg_temp.try($$INSERT INTO sim.faction VALUES (3, NULL, 'guild', '#000000')$$) AS null_name;
SELECT pg_temp.try($$INSERT INTO sim.world (seed, params) VALUES (1, '{}')$$) AS world_row;
SELECT pg_temp.try($$INSERT INTO sim.world (seed, params) VALUES (2, '{}')$$) AS second_world_row;
SELECT pg_temp.try($$INSERT INTO sim.world (id, seed, params) VALUES (false, 2, '{}')$$) AS world_row_false;
SELECT pg_temp.try($$UPDATE sim.world SET tick = -1$$) AS negative_tick;
SELECT pg_temp.try($$UPDATE sim.world SET tick = 9007199254740992$$) AS tick_past_2_53;

-- Positions, plans and hulls are finite numbers (NaN passes x >= 0 in PostgreSQL)
SELECT pg_temp.try($$UPDATE sim.ship SET x = 'NaN'$$) AS nan_ship_x;
SELECT pg_temp.try($$UPDATE sim.ship SET y = 'Infinity'$$) AS infinite_ship_y;
SELECT pg_temp.try($$UPDATE sim.body SET pos = ST_MakePoint('NaN', 0, 0) WHERE id = 1$$) AS nan_body;
SELECT pg_temp.try($$UPDATE sim.sector SET center = ST_MakePoint(0, 'Infinity', 0) WHERE id = 1$$) AS infinite_sector;
SELECT pg_temp.try($$UPDATE sim.sector SET half_size = 'Infinity' WHERE id = 1$$) AS infinite_half_size;
SELECT pg_temp.try($$UPDATE sim.ship_class SET max_speed = 'Infinity'$$) AS infinite_speed;
SELECT pg_temp.try($$UPDATE sim.ship_class SET max_accel = 'NaN'$$) AS nan_accel;
ROLLBACK;

-- Nothing of the above survived
SELECT bool_and(row_count = 0) AS all_empty FROM sim.universe_digest();
