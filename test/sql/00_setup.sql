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

SELECT sim.universe_exists();
SELECT bool_and(row_count = 0) AS all_empty FROM sim.universe_digest();

-- Every function of the extension written in SQL or PL/pgSQL pins its search_path.
SELECT p.oid::regprocedure AS unpinned
  FROM pg_proc p
 WHERE p.pronamespace = 'sim'::regnamespace
   AND p.prolang NOT IN (12, 13)
   AND NOT EXISTS (SELECT 1 FROM unnest(p.proconfig) c WHERE c LIKE 'search_path=%');
