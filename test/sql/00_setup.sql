--
-- 00_setup: install the extension once for the whole pg_regress run.
--
-- pg_regress loads postgis (--load-extension=postgis), so CASCADE has nothing
-- left to install.  Later files repeat CREATE EXTENSION IF NOT EXISTS so that
-- each can also be run on its own.
--
CREATE EXTENSION sim CASCADE;

SELECT extname, extversion, extrelocatable, extnamespace::regnamespace AS schema
  FROM pg_extension WHERE extname = 'sim';

-- The world tables of the foundation exist, and start empty.
SELECT t AS missing_table
  FROM unnest(ARRAY['world', 'faction', 'wallet', 'sector', 'jump_gate', 'good', 'recipe',
                    'recipe_input', 'recipe_output', 'body', 'deposit', 'station',
                    'station_recipe', 'station_stock', 'ship_class', 'ship', 'ship_cargo',
                    'npc_personality']) t
 WHERE to_regclass('sim.' || t) IS NULL;

-- The economy's tables exist too
SELECT t AS missing_table
  FROM unnest(ARRAY['economy', 'station_demand', 'ship_transition', 'ship_event', 'trade',
                    'price_history', 'market_order', 'contract', 'ledger', 'bt_leaf', 'bt_tree',
                    'bt_node']) t
 WHERE to_regclass('sim.' || t) IS NULL;

SELECT sim.universe_exists();
SELECT bool_and(row_count = 0) AS all_empty FROM sim.universe_digest();
-- the digest covers the economy's tables that a universe fills (so "all
-- empty" above includes them)
SELECT t AS undigested_table
  FROM unnest(ARRAY['economy', 'station_demand', 'ship_event', 'trade', 'price_history',
                    'market_order', 'contract', 'ledger', 'bt_tree', 'bt_node']) t
 WHERE t NOT IN (SELECT table_name FROM sim.universe_digest());

-- Two tables come filled with the extension, not with a universe: the ship
-- state machine and the leaves behaviour trees may use.  Every state of the
-- machine is one sim.ship.state allows, and each can be reached and left.
SELECT from_state, to_state FROM sim.ship_transition ORDER BY from_state, to_state;
SELECT s AS state,
       EXISTS (SELECT 1 FROM sim.ship_transition WHERE to_state = s) AS reachable,
       EXISTS (SELECT 1 FROM sim.ship_transition WHERE from_state = s) AS leavable
  FROM unnest(ARRAY['docked', 'undocking', 'idle', 'flying', 'docking', 'orbiting', 'mining']) s;
SELECT count(*) AS unknown_states
  FROM sim.ship_transition
 WHERE from_state NOT IN ('docked', 'undocking', 'idle', 'flying', 'docking', 'orbiting', 'mining')
    OR to_state NOT IN ('docked', 'undocking', 'idle', 'flying', 'docking', 'orbiting', 'mining');
SELECT kind, count(*) AS leaves FROM sim.bt_leaf GROUP BY kind ORDER BY kind;

-- Every function of the extension written in SQL or PL/pgSQL pins its
-- search_path to schemas nobody else may write to, but the PostGIS wrappers
-- (their bodies are parsed once, at install: nothing to resolve later).
SELECT p.oid::regprocedure AS unpinned
  FROM pg_proc p
 WHERE p.pronamespace IN ('sim'::regnamespace, 'api'::regnamespace)
   AND p.prolang NOT IN (12, 13)
   AND p.prosqlbody IS NULL
   AND NOT EXISTS (SELECT 1 FROM unnest(p.proconfig) c
                    WHERE c IN ('search_path=pg_catalog, sim, pg_temp', 'search_path=pg_catalog, pg_temp'));
