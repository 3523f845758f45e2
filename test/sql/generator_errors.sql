--
-- generator_errors: sim.generate_universe rejects bad arguments with SQLSTATE
-- 22023 and refuses to overwrite a universe (55000) unless told to, leaving
-- the tables untouched either way.
--
SET client_min_messages = warning;
CREATE EXTENSION IF NOT EXISTS sim CASCADE;
RESET client_min_messages;
-- start from an empty universe, whatever ran before
SELECT sim.reset_universe();

-- "ok", or the SQLSTATE, message and hint of the error a statement raises
CREATE FUNCTION pg_temp.try(stmt text) RETURNS text
LANGUAGE plpgsql AS $$
DECLARE
    code    text;
    msg     text;
    hint    text;
BEGIN
    EXECUTE stmt;
    RETURN 'ok';
EXCEPTION WHEN others THEN
    GET STACKED DIAGNOSTICS code = RETURNED_SQLSTATE, msg = MESSAGE_TEXT, hint = PG_EXCEPTION_HINT;
    RETURN code || ': ' || msg || CASE WHEN hint <> '' THEN ' (hint: ' || hint || ')' ELSE '' END;
END
$$;

-- Bad arguments, on an empty universe
SELECT args, pg_temp.try('SELECT sim.generate_universe(' || args || ')') AS result
  FROM (VALUES (1, 'NULL, 10, 10'),
               (2, '1, NULL, 10'),
               (3, '1, 10, NULL'),
               (4, '1, 10, 10, NULL'),
               (5, '1, 10, 10, 6, NULL'),
               (6, '1, 10, 10, 6, 8, NULL'),
               (7, '1, 0, 10'),
               (8, '1, -3, 10'),
               (9, '1, 10001, 10'),
               (10, '1, 10, 0'),
               (11, '1, 10, -1'),
               (12, '1, 10, 10000001'),
               (13, '1, 10, 10, 0'),
               (14, '1, 10, 10, -2'),
               (15, '1, 10, 10, 101'),
               (16, '1, 10, 10, 6, 1'),
               (17, '1, 10, 10, 6, 0'),
               (18, '1, 10, 10, 6, 65'),
               (19, '1, 10, 10, stations_per_sector => 0'),
               (20, '1, 10, 10, factions => 100, reset => true')) a (n, args)
 ORDER BY n;
SELECT sim.universe_exists(), bool_and(row_count = 0) AS all_empty FROM sim.universe_digest();

-- The smallest universe: one sector (no gates), one ship, one station, two factions
SELECT sim.generate_universe(7, 1, 1, 1, 2);
SELECT (SELECT count(*) FROM sim.station WHERE kind = 'trade_hub') AS hubs,
       (SELECT count(*) FROM sim.ship) AS ships,
       (SELECT count(*) FROM sim.wallet) AS wallets;

-- A universe exists: generating again is refused, and changes nothing
CREATE TEMP TABLE before AS SELECT * FROM sim.universe_digest();
SELECT pg_temp.try($$SELECT sim.generate_universe(7, 1, 1, 1, 2)$$) AS same_again;
SELECT pg_temp.try($$SELECT sim.generate_universe(8, 20, 100)$$) AS another;
SELECT pg_temp.try($$SELECT sim.generate_universe(8, 20, 100, reset => false)$$) AS another_no_reset;
-- argument errors come first, even with reset => true, and reset nothing
SELECT pg_temp.try($$SELECT sim.generate_universe(8, 0, 100, reset => true)$$) AS bad_args_with_reset;
SELECT pg_temp.try($$SELECT sim.generate_universe(8, 20, 100, reset => NULL)$$) AS null_reset;
SELECT table_name AS changed_table
  FROM sim.universe_digest() d FULL JOIN before b USING (table_name)
 WHERE d.row_count IS DISTINCT FROM b.row_count OR d.md5 IS DISTINCT FROM b.md5;

-- The boundaries are accepted; reset => true replaces the universe
SELECT sim.generate_universe(8, 2, 1, 100, 64, reset => true);
SELECT seed, params FROM sim.world;
SELECT (SELECT count(*) FROM sim.faction) AS factions,
       (SELECT count(*) FROM sim.station) AS stations,
       (SELECT count(*) FROM sim.jump_gate) AS gates,
       (SELECT count(*) FROM sim.faction WHERE name LIKE '% 8') AS names_with_suffix_8;

-- A generation that fails half-way leaves nothing behind: here the last
-- table it fills (the behaviour trees' nodes) refuses rows
SELECT sim.reset_universe();
BEGIN;
CREATE FUNCTION public.refuse() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION 'refused by test trigger';
END
$$;
CREATE TRIGGER refuse BEFORE INSERT ON sim.bt_node
    FOR EACH STATEMENT EXECUTE FUNCTION public.refuse();
SELECT pg_temp.try($$SELECT sim.generate_universe(9, 3, 3)$$) AS fails_late;
SELECT sim.universe_exists(), bool_and(row_count = 0) AS all_empty FROM sim.universe_digest();
ROLLBACK;

-- reset_universe on an empty universe is harmless
SELECT sim.reset_universe();
SELECT sim.universe_exists(), bool_and(row_count = 0) AS all_empty FROM sim.universe_digest();

-- The random helpers: pure functions of their keys, bounds checked
SELECT sim.rand_unit(1, 2, 3) = sim.rand_unit(1, 2, 3) AS repeatable,
       sim.rand_unit(1, 2, 3) <> sim.rand_unit(1, 2, 4) AS key_matters,
       sim.rand_unit(1, 2, 3) <> sim.rand_unit(2, 2, 3) AS seed_matters,
       sim.rand_unit(1, 2, 3) <> sim.rand_unit(1, 3, 3) AS stream_matters,
       sim.rand_unit(NULL, 2, 3) IS NULL AS strict;
SELECT min(u) >= 0 AS at_least_0, max(u) < 1 AS below_1, abs(avg(u) - 0.5) < 0.01 AS mean_near_half,
       min(i) AS min_int, max(i) AS max_int, count(DISTINCT i) AS distinct_ints
  FROM (SELECT sim.rand_unit(5, 1, k) AS u, sim.rand_int(5, 2, k, -3, 3) AS i
          FROM generate_series(1, 20000) k) s;
SELECT sim.rand_int(5, 2, 1, 4, 4) AS single_value;
SELECT pg_temp.try($$SELECT sim.rand_int(5, 2, 1, 4, 3)$$) AS reversed_bounds;
