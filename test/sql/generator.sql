--
-- generator: sim.generate_universe builds a sound universe, the same one for
-- the same seed, and sim.reset_universe empties it.
--
-- Output is counts and booleans only: coordinates and digests are floats
-- and hashes whose printed form is not this test's business.
--
SET client_min_messages = warning;
CREATE EXTENSION IF NOT EXISTS sim CASCADE;
RESET client_min_messages;
-- start from an empty universe, whatever ran before
SELECT sim.reset_universe();

SELECT sim.generate_universe(42, 50, 10000);

SELECT seed, params, tick FROM sim.world;
SELECT table_name, row_count FROM sim.universe_digest();

-- Catalogue: four raw goods, tiers 0 to 3, and every recipe output exactly
-- one tier above its highest input
SELECT tier, count(*) AS goods, string_agg(name, ', ' ORDER BY id) AS names
  FROM sim.good GROUP BY tier ORDER BY tier;
SELECT r.name AS bad_recipe
  FROM sim.recipe r
  JOIN sim.recipe_output ro ON ro.recipe_id = r.id
  JOIN sim.good go ON go.id = ro.good_id
 WHERE go.tier <> 1 + (SELECT max(gi.tier) FROM sim.recipe_input ri JOIN sim.good gi ON gi.id = ri.good_id
                        WHERE ri.recipe_id = r.id);

-- The production chain is at least three recipes deep: the longest chain
-- from a raw good, and that ore becomes ship parts
WITH RECURSIVE chain (good_id, depth, path) AS (
    SELECT id, 0, ARRAY[name] FROM sim.good WHERE tier = 0
    UNION ALL
    SELECT ro.good_id, c.depth + 1, c.path || g.name
      FROM chain c
      JOIN sim.recipe_input ri ON ri.good_id = c.good_id
      JOIN sim.recipe_output ro ON ro.recipe_id = ri.recipe_id
      JOIN sim.good g ON g.id = ro.good_id
     WHERE c.depth < 10
)
SELECT max(depth) AS deepest,
       bool_or(path = ARRAY['ore', 'metal', 'components', 'ship_parts']) AS ore_to_ship_parts
  FROM chain;

-- Every sector is reachable from sector 1 through the jump gates
WITH RECURSIVE reach (sector_id) AS (
    SELECT 1
    UNION
    SELECT CASE WHEN g.sector_a = r.sector_id THEN g.sector_b ELSE g.sector_a END
      FROM reach r JOIN sim.jump_gate g ON r.sector_id IN (g.sector_a, g.sector_b)
)
SELECT (SELECT count(*) FROM reach) AS reached, (SELECT count(*) FROM sim.sector) AS sectors;

-- Sectors are disjoint (the exclusion constraint, checked again by hand)
SELECT count(*) AS overlapping_pairs
  FROM sim.sector a JOIN sim.sector b ON a.id < b.id
 WHERE abs(ST_X(a.center) - ST_X(b.center)) < a.half_size + b.half_size
   AND abs(ST_Y(a.center) - ST_Y(b.center)) < a.half_size + b.half_size
   AND abs(ST_Z(a.center) - ST_Z(b.center)) < a.half_size + b.half_size;

-- Everything lies inside its sector's cube: |coordinate - centre| <= half_size
CREATE TEMP VIEW placed (what, kind, sector_id, x, y, z) AS
    SELECT 'body', b.kind, b.sector_id, ST_X(b.pos), ST_Y(b.pos), ST_Z(b.pos) FROM sim.body b
    UNION ALL
    SELECT 'station', st.kind, st.sector_id, ST_X(st.pos), ST_Y(st.pos), ST_Z(st.pos) FROM sim.station st
    UNION ALL
    SELECT 'gate end a', '', g.sector_a, ST_X(g.pos_a), ST_Y(g.pos_a), ST_Z(g.pos_a) FROM sim.jump_gate g
    UNION ALL
    SELECT 'gate end b', '', g.sector_b, ST_X(g.pos_b), ST_Y(g.pos_b), ST_Z(g.pos_b) FROM sim.jump_gate g
    UNION ALL
    SELECT 'ship', sh.state, sh.sector_id, sh.x, sh.y, sh.z FROM sim.ship sh;
SELECT p.what, p.kind, count(*) AS total,
       count(*) FILTER (WHERE greatest(abs(p.x - ST_X(s.center)), abs(p.y - ST_Y(s.center)),
                                       abs(p.z - ST_Z(s.center))) > s.half_size) AS outside
  FROM placed p JOIN sim.sector s ON s.id = p.sector_id
 GROUP BY p.what, p.kind ORDER BY p.what, p.kind;

-- Bodies: a star per sector, moons and asteroids orbit in their parent's sector
SELECT count(DISTINCT sector_id) FILTER (WHERE kind = 'star') AS sectors_with_star,
       count(*) FILTER (WHERE kind = 'star') AS stars,
       min(planets) AS min_planets_per_sector
  FROM sim.body, LATERAL (SELECT count(*) AS planets FROM sim.body p
                           WHERE p.sector_id = body.sector_id AND p.kind = 'planet') n;
SELECT c.kind, p.kind AS parent_kind, count(*), bool_and(c.sector_id = p.sector_id) AS same_sector
  FROM sim.body c JOIN sim.body p ON p.id = c.parent_id
 GROUP BY 1, 2 ORDER BY 1, 2;
SELECT b.kind, g.name AS good, count(*) AS deposits, bool_and(d.remaining > 0) AS all_stocked
  FROM sim.deposit d JOIN sim.body b ON b.id = d.body_id JOIN sim.good g ON g.id = d.good_id
 GROUP BY 1, 2 ORDER BY 1, 2;

-- Stations: each sector's first station is a trade hub, each station sits
-- in its body's sector, runs recipes fitting its kind, holds some stock and
-- no more than its storage capacity
SELECT count(*) FILTER (WHERE kind = 'trade_hub') AS trade_hubs,
       count(*) FILTER (WHERE kind = 'trade_hub' AND id = (sector_id - 1) * 6 + 1) AS hubs_first_in_sector,
       count(*) FILTER (WHERE body_id IS NULL) AS without_body
  FROM sim.station;
SELECT count(*) AS station_in_wrong_sector
  FROM sim.station st JOIN sim.body b ON b.id = st.body_id WHERE b.sector_id <> st.sector_id;
SELECT st.kind, count(DISTINCT st.id) AS stations, count(sr.recipe_id) AS recipes_run,
       string_agg(DISTINCT r.name, ', ') AS recipes
  FROM sim.station st
  LEFT JOIN sim.station_recipe sr ON sr.station_id = st.id
  LEFT JOIN sim.recipe r ON r.id = sr.recipe_id
 GROUP BY st.kind ORDER BY st.kind;
SELECT count(*) AS stations,
       count(*) FILTER (WHERE held > 0) AS with_stock,
       count(*) FILTER (WHERE held > storage_capacity) AS over_capacity,
       count(*) FILTER (WHERE held * 2 > storage_capacity) AS over_half_full
  FROM (SELECT st.storage_capacity, coalesce(sum(s.qty), 0) AS held
          FROM sim.station st LEFT JOIN sim.station_stock s ON s.station_id = st.id
         GROUP BY st.id) t;

-- Ships: one class of their role, docked ships berthed at a station of their
-- sector within its slots, idle ones near it, fuel within the tank, each
-- with an NPC personality
SELECT sh.role, count(*) AS ships, bool_and(c.role = sh.role) AS class_fits_role,
       bool_and(sh.fuel BETWEEN 0.6 * c.fuel_capacity - 0.05 AND c.fuel_capacity) AS fuel_60_to_100_percent
  FROM sim.ship sh JOIN sim.ship_class c ON c.id = sh.class_id
 GROUP BY sh.role ORDER BY sh.role;
SELECT sh.state, count(*) AS ships,
       count(*) FILTER (WHERE st.sector_id <> sh.sector_id) AS berth_in_other_sector,
       count(*) FILTER (WHERE sh.arrival_tick IS NOT NULL OR sh.accel <> 0 OR sh.t_burn <> 0
                              OR sh.t_coast <> 0 OR sh.t_brake <> 0) AS with_a_flight_plan
  FROM sim.ship sh LEFT JOIN sim.station st ON st.id = sh.docked_at
 GROUP BY sh.state ORDER BY sh.state;
SELECT count(*) AS stations_over_slots
  FROM (SELECT docked_at, count(*) AS n FROM sim.ship WHERE docked_at IS NOT NULL GROUP BY 1) d
  JOIN sim.station st ON st.id = d.docked_at
 WHERE d.n > st.docking_slots;
SELECT (SELECT count(*) FROM sim.ship sh LEFT JOIN sim.npc_personality p ON p.ship_id = sh.id
         WHERE p.ship_id IS NULL) AS ships_without_personality,
       (SELECT count(*) FROM sim.ship_cargo) AS cargo_rows,
       (SELECT count(*) FROM sim.faction f LEFT JOIN sim.wallet w ON w.faction_id = f.id
         WHERE w.faction_id IS NULL) AS factions_without_wallet;

-- Ships start at rest, docked or idle, at no body; each NPC pilot first
-- wakes within the first NPC cooldown, and nothing has happened yet
SELECT count(*) FILTER (WHERE state NOT IN ('docked', 'idle')) AS not_at_rest,
       count(*) FILTER (WHERE body_id IS NOT NULL) AS at_a_body,
       count(*) FILTER (WHERE wake_tick IS NULL) AS never_waking,
       count(*) FILTER (WHERE wake_tick NOT BETWEEN 1 AND (SELECT npc_cooldown_ticks FROM sim.economy))
           AS waking_late,
       count(DISTINCT wake_tick) AS distinct_wake_ticks,
       (SELECT count(*) FROM sim.ship_event) AS events
  FROM sim.ship;

-- The economy: its rules at their defaults, a positive target for every
-- market (the targets of a station within 30% of its storage), populations
-- that eat, drink and burn fuel wherever those goods have a market, a tree
-- for every role, and a ledger whose seed faucets account for every good
-- and credit (sim.audit finds nothing)
SELECT count(*) AS economies, min(dock_ticks) AS dock_ticks, min(undock_ticks) AS undock_ticks,
       min(npc_cooldown_ticks) AS npc_cooldown_ticks
  FROM sim.economy;
SELECT count(*) AS markets, count(*) FILTER (WHERE target <= 0) AS without_target,
       (SELECT count(*) FROM (SELECT st.id FROM sim.station st JOIN sim.station_stock k ON k.station_id = st.id
                               GROUP BY st.id HAVING sum(k.target) > 0.3 * min(st.storage_capacity)) o)
           AS stations_over_30_percent
  FROM sim.station_stock;
SELECT g.name AS good, count(d.*) AS demands, count(k.*) AS markets
  FROM sim.station_stock k
  JOIN sim.good g ON g.id = k.good_id
  LEFT JOIN sim.station_demand d USING (station_id, good_id)
 GROUP BY g.id, g.name
HAVING count(d.*) > 0
 ORDER BY g.id;
SELECT t.role, t.name, count(n.*) AS nodes, count(n.*) FILTER (WHERE n.parent_id IS NULL) AS roots
  FROM sim.bt_tree t JOIN sim.bt_node n ON n.tree_id = t.id
 GROUP BY t.id, t.role, t.name ORDER BY t.id;
SELECT flow, reason, tick, count(*) AS entries, count(good_id) AS of_goods, count(faction_id) AS of_factions
  FROM sim.ledger GROUP BY 1, 2, 3 ORDER BY 1, 2, 3;
SELECT count(*) AS audit_findings FROM sim.audit();

-- Same seed, same universe: reset empties every table, a second
-- generation reproduces every table's digest
CREATE TEMP TABLE first_digest AS SELECT * FROM sim.universe_digest();
SELECT sim.reset_universe();
SELECT sim.universe_exists(), bool_and(row_count = 0) AS all_empty FROM sim.universe_digest();
SELECT sim.generate_universe(42, 50, 10000);
SELECT table_name AS differing_table
  FROM sim.universe_digest() d FULL JOIN first_digest f USING (table_name)
 WHERE d.row_count IS DISTINCT FROM f.row_count OR d.md5 IS DISTINCT FROM f.md5;

-- Another seed, another universe; reset => true replaces the old one.  The
-- fixed catalogue (goods, recipes, hulls) is the same; the rest differs.
SELECT sim.generate_universe(43, 50, 10000, reset => true);
SELECT seed FROM sim.world;
SELECT d.table_name, d.md5 = f.md5 AS same_content
  FROM sim.universe_digest() d JOIN first_digest f USING (table_name)
 WHERE d.row_count > 0
 ORDER BY d.md5 = f.md5, d.table_name;

-- Leave the database empty for the tests that follow
SELECT sim.reset_universe();
SELECT bool_and(row_count = 0) AS all_empty FROM sim.universe_digest();
