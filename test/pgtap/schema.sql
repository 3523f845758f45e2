-- pgTAP: the schema is what docs/schema.md describes -- the foundation's
-- and the economy's tables, keys, column types of the flight plan, the
-- invariants' constraints and triggers (the ship state machine's among
-- them), and the generator's functions.
--
-- Run: pg_prove -d DB test/pgtap/*.sql (DB needs postgis and pgtap available;
-- everything happens in one transaction that is rolled back).
BEGIN;
SET client_min_messages = warning;
CREATE EXTENSION IF NOT EXISTS pgtap;
CREATE EXTENSION IF NOT EXISTS sim CASCADE;
RESET client_min_messages;

SELECT plan(102);

SELECT has_schema('sim');
SELECT has_table('sim', t, 'table sim.' || t || ' exists')
  FROM unnest(ARRAY['world', 'faction', 'wallet', 'sector', 'jump_gate', 'good', 'recipe',
                    'recipe_input', 'recipe_output', 'body', 'deposit', 'station',
                    'station_recipe', 'station_stock', 'ship_class', 'ship', 'ship_cargo',
                    'npc_personality', 'economy', 'station_demand', 'ship_transition', 'ship_event',
                    'trade', 'price_history', 'market_order', 'contract', 'ledger', 'bt_leaf', 'bt_tree',
                    'bt_node']) t;

-- Keys
SELECT col_is_pk('sim', 'world', 'id', 'world is keyed by a boolean that can only be true');
SELECT col_is_pk('sim', 'wallet', 'faction_id', 'one wallet per faction');
SELECT col_is_pk('sim', 'station_stock', ARRAY['station_id', 'good_id'], 'one stock row per station and good');
SELECT col_is_pk('sim', 'ship_cargo', ARRAY['ship_id', 'good_id'], 'one cargo row per ship and good');
SELECT col_is_pk('sim', 'deposit', ARRAY['body_id', 'good_id'], 'one deposit per body and good');
SELECT col_is_pk('sim', 'npc_personality', 'ship_id', 'one personality per ship');
SELECT col_type_is('sim', 'ship', 'id', 'bigint', 'ship ids are bigint');
SELECT col_is_unique('sim', 'jump_gate', ARRAY['sector_a', 'sector_b'], 'one gate per pair of sectors');
SELECT fk_ok('sim', 'ship', 'docked_at', 'sim', 'station', 'id');
SELECT fk_ok('sim', 'ship', 'class_id', 'sim', 'ship_class', 'id');
SELECT fk_ok('sim', 'ship', 'body_id', 'sim', 'body', 'id');
SELECT col_is_pk('sim', 'ship_transition', ARRAY['from_state', 'to_state'], 'one row per allowed state change');
SELECT fk_ok('sim', 'station_demand', ARRAY['station_id', 'good_id'], 'sim', 'station_stock', ARRAY['station_id', 'good_id']);
SELECT fk_ok('sim', 'body', 'parent_id', 'sim', 'body', 'id');
SELECT fk_ok('sim', 'station', 'body_id', 'sim', 'body', 'id');
SELECT fk_ok('sim', 'jump_gate', 'sector_a', 'sim', 'sector', 'id');
SELECT fk_ok('sim', 'jump_gate', 'sector_b', 'sim', 'sector', 'id');

-- Geometry columns: 3-D points in one Cartesian frame (SRID 0), km
SELECT col_type_is('sim', 'sector', 'center', 'geometry(PointZ)', 'sector centres are 3-D points');
SELECT col_type_is('sim', 'sector', 'bounds', 'geometry(LineStringZ)', 'sector bounds are the cube''s diagonal');
SELECT col_type_is('sim', 'body', 'pos', 'geometry(PointZ)', 'body positions are 3-D points');
SELECT col_type_is('sim', 'station', 'pos', 'geometry(PointZ)', 'station positions are 3-D points');
SELECT col_type_is('sim', 'jump_gate', 'pos_a', 'geometry(PointZ)', 'gate ends are 3-D points');

-- The flight plan of sim.ship: plain double precision columns, never NULL
SELECT col_type_is('sim', 'ship', c, 'double precision', 'ship.' || c || ' is double precision')
  FROM unnest(ARRAY['x', 'y', 'z', 'dir_x', 'dir_y', 'dir_z', 'accel', 't_burn', 't_coast', 't_brake', 'fuel']) c;
SELECT col_not_null('sim', 'ship', c, 'ship.' || c || ' is NOT NULL')
  FROM unnest(ARRAY['x', 'y', 'z', 'dir_x', 'dir_y', 'dir_z', 'accel', 't_burn', 't_coast', 't_brake',
                    'leg_start_tick']) c;
SELECT col_type_is('sim', 'ship', 'leg_start_tick', 'bigint', 'leg_start_tick is a bigint tick');
SELECT col_is_null('sim', 'ship', 'arrival_tick', 'arrival_tick is NULL for ships at rest');
SELECT col_type_is('sim', 'ship', 'wake_tick', 'bigint', 'wake_tick is a bigint tick');
SELECT col_is_null('sim', 'ship', 'wake_tick', 'wake_tick is NULL for ships that wait for nothing');
SELECT col_type_is('sim', 'station_stock', 'target', 'bigint', 'every market has a bigint target stock');
SELECT col_not_null('sim', 'station_stock', 'target', 'station_stock.target is NOT NULL');

-- Invariants kept by exclusion constraints and statement triggers
SELECT ok(EXISTS (SELECT 1 FROM pg_constraint WHERE conrelid = 'sim.sector'::regclass AND contype = 'x'),
          'sectors carry an exclusion constraint');
SELECT has_trigger('sim', 'station_stock', 'station_stock_tally_ins', 'stock inserts update the station''s tally');
SELECT has_trigger('sim', 'station_stock', 'station_stock_tally_upd', 'stock updates update the station''s tally');
SELECT ok(EXISTS (SELECT 1 FROM pg_constraint WHERE conrelid = 'sim.station'::regclass
                     AND conname = 'station_storage' AND contype = 'c'),
          'a CHECK bounds a station''s tally by its storage capacity');
SELECT has_trigger('sim', 'ship_cargo', 'ship_cargo_tally_ins', 'cargo inserts update the ship''s tally');
SELECT has_trigger('sim', 'ship_cargo', 'ship_cargo_tally_upd', 'cargo updates update the ship''s tally');
SELECT has_trigger('sim', 'ship', 'ship_fuel_ins', 'ship inserts check the tank');
SELECT has_trigger('sim', 'ship', 'ship_updated', 'ship updates are recorded and check the tank, the hold and state changes');
SELECT is((SELECT count(*)::int FROM pg_trigger WHERE tgrelid = 'sim.ship'::regclass AND NOT tgisinternal
             AND tgtype & 16 <> 0 AND tgtype & 2 = 0),
          1, 'one trigger runs after an UPDATE of sim.ship');
SELECT ok(EXISTS (SELECT 1 FROM pg_trigger WHERE tgrelid = 'sim.ship'::regclass AND tgname = 'ship_updated'
                     AND tgtype & 1 = 0 AND tgtype & 2 = 0 AND tgtype & 16 <> 0),
          'it runs once per statement, after it, on UPDATE');
SELECT set_eq($$SELECT conname::text FROM pg_constraint WHERE conrelid = 'sim.ship'::regclass AND contype = 'c'
                 AND conname IN ('ship_docked_at_station', 'ship_at_body', 'ship_flying_has_arrival',
                                 'ship_flying_has_no_wake', 'ship_at_rest_has_no_burn')$$,
              ARRAY['ship_docked_at_station', 'ship_at_body', 'ship_flying_has_arrival', 'ship_flying_has_no_wake',
                    'ship_at_rest_has_no_burn'],
              'sim.ship ties its state to its berth, body, arrival, wake-up and burn by named constraints');

-- The generator's functions
SELECT has_function('sim', 'generate_universe', ARRAY['bigint', 'integer', 'integer', 'integer', 'integer', 'boolean']);
SELECT function_returns('sim', 'generate_universe', ARRAY['bigint', 'integer', 'integer', 'integer', 'integer', 'boolean'], 'jsonb');
SELECT has_function('sim', 'reset_universe', ARRAY[]::text[]);
SELECT has_function('sim', 'universe_exists', ARRAY[]::text[]);
SELECT has_function('sim', 'universe_digest', ARRAY[]::text[]);
SELECT has_function('sim', 'rand_unit', ARRAY['bigint', 'bigint', 'bigint']);
SELECT is_strict('sim', 'rand_unit', ARRAY['bigint', 'bigint', 'bigint'], 'rand_unit is STRICT');
SELECT volatility_is('sim', 'rand_int', ARRAY['bigint', 'bigint', 'bigint', 'integer', 'integer'], 'immutable',
                     'rand_int is IMMUTABLE');
SELECT has_function('sim', 'install_default_trees', ARRAY[]::text[]);
SELECT has_function('sim', 'audit', ARRAY[]::text[]);

SELECT * FROM finish();
ROLLBACK;
