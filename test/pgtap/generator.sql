-- pgTAP: sim.generate_universe -- argument checks, the shape of what it
-- builds, determinism, refusal to overwrite, reset.
--
-- Run: pg_prove -d DB test/pgtap/*.sql (DB needs postgis and pgtap available;
-- everything happens in one transaction that is rolled back).
BEGIN;
SET client_min_messages = warning;
CREATE EXTENSION IF NOT EXISTS pgtap;
CREATE EXTENSION IF NOT EXISTS sim CASCADE;
RESET client_min_messages;
SELECT sim.reset_universe();   -- start empty (undone by the final ROLLBACK)

SELECT plan(59);

-- Arguments -----------------------------------------------------------------------
SELECT throws_ok($$SELECT sim.generate_universe(NULL, 10, 10)$$, '22023', NULL, 'a NULL seed is rejected');
SELECT throws_ok($$SELECT sim.generate_universe(1, NULL, 10)$$, '22023', NULL, 'NULL sectors is rejected');
SELECT throws_ok($$SELECT sim.generate_universe(1, 10, NULL)$$, '22023', NULL, 'NULL ships is rejected');
SELECT throws_ok($$SELECT sim.generate_universe(1, 10, 10, NULL)$$, '22023', NULL, 'NULL stations_per_sector is rejected');
SELECT throws_ok($$SELECT sim.generate_universe(1, 10, 10, 6, NULL)$$, '22023', NULL, 'NULL factions is rejected');
SELECT throws_ok($$SELECT sim.generate_universe(1, 10, 10, 6, 8, NULL)$$, '22023', NULL, 'NULL reset is rejected');
SELECT throws_ok($$SELECT sim.generate_universe(1, 0, 10)$$, '22023',
                 'sectors must be between 1 and 10000, not 0', 'zero sectors is rejected');
SELECT throws_ok($$SELECT sim.generate_universe(1, -1, 10)$$, '22023', NULL, 'negative sectors is rejected');
SELECT throws_ok($$SELECT sim.generate_universe(1, 10001, 10)$$, '22023', NULL, 'over 10000 sectors is rejected');
SELECT throws_ok($$SELECT sim.generate_universe(1, 10, 0)$$, '22023',
                 'ships must be between 1 and 10000000, not 0', 'zero ships is rejected');
SELECT throws_ok($$SELECT sim.generate_universe(1, 10, -7)$$, '22023', NULL, 'negative ships is rejected');
SELECT throws_ok($$SELECT sim.generate_universe(1, 10, 10, 0)$$, '22023', NULL, 'zero stations per sector is rejected');
SELECT throws_ok($$SELECT sim.generate_universe(1, 10, 10, 101)$$, '22023', NULL, 'over 100 stations per sector is rejected');
SELECT throws_ok($$SELECT sim.generate_universe(1, 10, 10, 6, 1)$$, '22023', NULL, 'a single faction is rejected');
SELECT throws_ok($$SELECT sim.generate_universe(1, 10, 10, 6, 65)$$, '22023', NULL, 'over 64 factions is rejected');
SELECT ok(NOT sim.universe_exists(), 'rejected calls created nothing');

-- The standard test universe ----------------------------------------------------------
SELECT is(sim.generate_universe(42, 50, 10000) - 'seed',
          '{"sectors": 50, "gates": 59, "bodies": 1344, "stations": 300, "factions": 8, "ships": 10000}'::jsonb,
          'generate_universe(42, 50, 10000) reports what it built');
SELECT is((SELECT seed FROM sim.world), 42::bigint, 'the world row records the seed');
SELECT is((SELECT tick FROM sim.world), 0::bigint, 'the universe starts at tick 0');
SELECT is((SELECT count(*) FROM sim.ship), 10000::bigint, '10000 ships');
SELECT is((SELECT count(*) FROM sim.station), 300::bigint, '6 stations in each of 50 sectors');
SELECT cmp_ok((SELECT count(*) FROM sim.jump_gate), '>=', 49::bigint, 'at least a spanning tree of gates');
SELECT is((SELECT count(*) FROM sim.body WHERE kind = 'star'), 50::bigint, 'one star per sector');

SELECT is((WITH RECURSIVE reach (sector_id) AS (
               SELECT min(id) FROM sim.sector
               UNION
               SELECT CASE WHEN g.sector_a = r.sector_id THEN g.sector_b ELSE g.sector_a END
                 FROM reach r JOIN sim.jump_gate g ON r.sector_id IN (g.sector_a, g.sector_b))
           SELECT count(*) FROM reach),
          (SELECT count(*) FROM sim.sector), 'the gates connect every sector');

CREATE TEMP VIEW outside AS
    SELECT 'body' AS what, b.sector_id, ST_X(b.pos) AS x, ST_Y(b.pos) AS y, ST_Z(b.pos) AS z FROM sim.body b
    UNION ALL SELECT 'station', sector_id, ST_X(pos), ST_Y(pos), ST_Z(pos) FROM sim.station
    UNION ALL SELECT 'gate', sector_a, ST_X(pos_a), ST_Y(pos_a), ST_Z(pos_a) FROM sim.jump_gate
    UNION ALL SELECT 'gate', sector_b, ST_X(pos_b), ST_Y(pos_b), ST_Z(pos_b) FROM sim.jump_gate
    UNION ALL SELECT 'ship', sector_id, x, y, z FROM sim.ship;
CREATE TEMP VIEW outside_count AS
    SELECT what, count(*) FILTER (WHERE greatest(abs(p.x - ST_X(s.center)), abs(p.y - ST_Y(s.center)),
                                                abs(p.z - ST_Z(s.center))) > s.half_size) AS n
      FROM outside p JOIN sim.sector s ON s.id = p.sector_id GROUP BY what;
SELECT is((SELECT n FROM outside_count WHERE what = 'body'), 0::bigint, 'every body lies inside its sector');
SELECT is((SELECT n FROM outside_count WHERE what = 'station'), 0::bigint, 'every station lies inside its sector');
SELECT is((SELECT n FROM outside_count WHERE what = 'gate'), 0::bigint, 'every gate end lies inside its sector');
SELECT is((SELECT n FROM outside_count WHERE what = 'ship'), 0::bigint, 'every ship lies inside its sector');

SELECT cmp_ok((WITH RECURSIVE chain (good_id, depth) AS (
                   SELECT id, 0 FROM sim.good WHERE tier = 0
                   UNION ALL
                   SELECT ro.good_id, c.depth + 1
                     FROM chain c
                     JOIN sim.recipe_input ri ON ri.good_id = c.good_id
                     JOIN sim.recipe_output ro ON ro.recipe_id = ri.recipe_id
                    WHERE c.depth < 10)
               SELECT max(depth) FROM chain), '>=', 3, 'the production chain is at least 3 recipes deep');
SELECT ok(EXISTS (SELECT 1
                    FROM sim.recipe_input i1 JOIN sim.recipe_output o1 USING (recipe_id)
                    JOIN sim.recipe_input i2 ON i2.good_id = o1.good_id JOIN sim.recipe_output o2 ON o2.recipe_id = i2.recipe_id
                    JOIN sim.recipe_input i3 ON i3.good_id = o2.good_id JOIN sim.recipe_output o3 ON o3.recipe_id = i3.recipe_id
                   WHERE i1.good_id = (SELECT id FROM sim.good WHERE name = 'ore')
                     AND o1.good_id = (SELECT id FROM sim.good WHERE name = 'metal')
                     AND o2.good_id = (SELECT id FROM sim.good WHERE name = 'components')
                     AND o3.good_id = (SELECT id FROM sim.good WHERE name = 'ship_parts')),
          'ore -> metal -> components -> ship_parts');
SELECT is((SELECT count(*) FROM (SELECT st.id FROM sim.station st JOIN sim.station_stock s ON s.station_id = st.id
                                  GROUP BY st.id HAVING sum(s.qty) > min(st.storage_capacity)) o),
          0::bigint, 'no station holds more than its storage capacity');
SELECT is((SELECT count(*) FROM sim.ship sh JOIN sim.station st ON st.id = sh.docked_at
            WHERE st.sector_id <> sh.sector_id), 0::bigint, 'docked ships are in their station''s sector');
SELECT is((SELECT count(*) FROM sim.ship sh JOIN sim.ship_class c ON c.id = sh.class_id
            WHERE c.role <> sh.role), 0::bigint, 'every ship''s hull fits its role');

-- The economy it starts ----------------------------------------------------------------------
SELECT is((SELECT count(*) FROM sim.economy), 1::bigint, 'the economy''s rules are one row');
SELECT is((SELECT count(*) FROM sim.ship sh LEFT JOIN sim.npc_personality p ON p.ship_id = sh.id
            WHERE p.ship_id IS NULL), 0::bigint, 'every generated ship has an NPC pilot');
SELECT is((SELECT count(*) FROM sim.ship
            WHERE wake_tick IS NULL OR wake_tick NOT BETWEEN 1 AND (SELECT npc_cooldown_ticks FROM sim.economy)),
          0::bigint, 'every pilot first wakes within the first NPC cooldown');
SELECT is((SELECT count(*) FROM sim.ship WHERE state NOT IN ('docked', 'idle') OR body_id IS NOT NULL),
          0::bigint, 'every ship starts docked or idle, at no body');
SELECT set_eq($$SELECT role FROM sim.bt_tree$$, ARRAY['miner', 'trader', 'hauler', 'patrol'],
              'a behaviour tree for every role');
SELECT is((SELECT count(*) FROM sim.station_stock WHERE target <= 0), 0::bigint, 'every market has a target');
SELECT ok(EXISTS (SELECT 1 FROM sim.station_demand), 'populations consume goods');
SELECT is_empty($$SELECT * FROM sim.audit()$$, 'the seed entries of the ledger account for every good and credit');

-- A universe exists: refused, nothing changes ----------------------------------------------
CREATE TEMP TABLE first AS SELECT * FROM sim.universe_digest();
SELECT throws_ok($$SELECT sim.generate_universe(42, 50, 10000)$$, '55000', 'a universe already exists',
                 'generating over a universe is refused');
SELECT throws_ok($$SELECT sim.generate_universe(43, 5, 5, reset => false)$$, '55000', NULL,
                 'reset => false refuses too');
SELECT throws_ok($$SELECT sim.generate_universe(43, 0, 5, reset => true)$$, '22023', NULL,
                 'bad arguments are refused before anything is reset');
SELECT results_eq($$SELECT table_name, row_count, md5 FROM sim.universe_digest() ORDER BY 1$$,
                  $$SELECT table_name, row_count, md5 FROM first ORDER BY 1$$,
                  'the refused calls changed nothing');

-- reset => true replaces; another seed gives another universe -----------------------------
SELECT lives_ok($$SELECT sim.generate_universe(43, 50, 10000, reset => true)$$, 'reset => true replaces the universe');
SELECT is((SELECT seed FROM sim.world), 43::bigint, 'the new world has the new seed');
SELECT is((SELECT count(*) FROM sim.world), 1::bigint, 'still one world row');
SELECT set_eq($$SELECT table_name FROM sim.universe_digest() d JOIN first f USING (table_name)
                WHERE d.md5 <> f.md5$$,
              ARRAY['world', 'faction', 'wallet', 'sector', 'jump_gate', 'body', 'deposit', 'station',
                    'station_recipe', 'station_stock', 'ship', 'npc_personality', 'station_demand', 'ledger',
                    'economy'],
              'seed 43 differs from seed 42 in every table but the catalogue and the behaviour trees (and the '
              'tables nothing has filled yet); the economy''s rules anchor the money the seed gave');

-- reset_universe empties everything; the same seed then rebuilds the same universe ---------
SELECT lives_ok($$SELECT sim.reset_universe()$$, 'reset_universe runs');
SELECT is((SELECT sum(row_count) FROM sim.universe_digest()), 0::numeric, 'every table is empty after reset');
SELECT ok(NOT sim.universe_exists(), 'no universe exists after reset');
SELECT lives_ok($$SELECT sim.reset_universe()$$, 'resetting an empty universe is harmless');
SELECT lives_ok($$SELECT sim.generate_universe(42, 50, 10000)$$, 'generating after a reset works');
SELECT results_eq($$SELECT table_name, row_count, md5 FROM sim.universe_digest() ORDER BY 1$$,
                  $$SELECT table_name, row_count, md5 FROM first ORDER BY 1$$,
                  'the same seed reproduces every table exactly');
SELECT isnt((SELECT md5 FROM sim.universe_digest() WHERE table_name = 'ship'),
            (SELECT md5 FROM sim.universe_digest() WHERE table_name = 'npc_personality'),
            'digests of different tables differ');

-- Limits: extent of the outermost bodies, ids at many sectors
SELECT lives_ok($$SELECT sim.generate_universe(6, 15, 1, 1, 2, reset => true)$$, 'a small universe for seed 6');
SELECT is((SELECT n FROM outside_count WHERE what = 'body'), 0::bigint,
          'seed 6, 15 sectors: every body lies inside its sector');
CREATE FUNCTION pg_temp.sqlstate_of(stmt text) RETURNS text LANGUAGE plpgsql AS $f$
BEGIN
    EXECUTE stmt;
    RETURN NULL;
EXCEPTION WHEN others THEN
    RETURN SQLSTATE;
END
$f$;
SELECT is(pg_temp.sqlstate_of($$SELECT sim.generate_universe(1, 2110, 1, 1, 2, reset => true)$$), NULL,
          'a universe of 2110 sectors (within the documented limit of 10000) can be generated');

SELECT * FROM finish();
ROLLBACK;
