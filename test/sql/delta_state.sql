--
-- delta_state: the state of a universe as one delta.  sim.delta_state holds
-- exactly one record per ship, per hold entry and per market of its sectors, with the values
-- the change feed records for a freshly changed row; the state at T with
-- sim.delta(T, T2) applied as upserts is the state at T2.  Only operators may
-- call it, and its sectors are checked.
--
SET client_min_messages = warning;
CREATE EXTENSION IF NOT EXISTS sim CASCADE;
RESET client_min_messages;

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

-- A delta's records as rows keyed for comparison (val as text, every digit).
CREATE FUNCTION pg_temp.recs(d bytea)
RETURNS TABLE (tick bigint, seq bigint, kind smallint, id bigint, sub_id integer, sector_id integer, val text)
LANGUAGE sql AS $$
    SELECT r.tick, r.seq, r.kind, r.id, r.sub_id, r.sector_id, r.val::text FROM sim.delta_records(d) r
$$;
SET extra_float_digits = 3;

SELECT sim.generate_universe(14, 6, 800, reset => true) IS NOT NULL AS generated;
SELECT sim.step(30);

-- the state at tick 30: range (29, 30], every record at tick 30 with seq 0
CREATE TEMP TABLE s1 AS SELECT * FROM pg_temp.recs(sim.delta_state());
SELECT from_tick, to_tick, records = (SELECT count(*) FROM s1) AS records_match
  FROM sim.delta_info(sim.delta_state());
SELECT count(*) FILTER (WHERE tick <> 30 OR seq <> 0) AS off_tick,
       count(*) FILTER (WHERE kind NOT IN (1, 2, 3)) AS other_kinds,
       count(*) FILTER (WHERE kind = 2) > 0 AS has_cargo,
       count(*) FILTER (WHERE val IS NULL) AS deletions
  FROM s1;

-- one record per ship, hold entry and market, no more, in its sector
SELECT (SELECT count(*) FROM sim.ship) > 0 AS has_ships,
       (SELECT count(*) FROM sim.station_stock) > 0 AS has_markets,
       (SELECT count(*) FROM (SELECT kind, id, sub_id FROM s1 GROUP BY 1, 2, 3 HAVING count(*) > 1) d) AS repeated,
       (SELECT count(*) FROM (SELECT 1::smallint, id, 0, sector_id FROM sim.ship
                              UNION ALL
                              SELECT 2::smallint, c.ship_id, c.good_id, sh.sector_id
                                FROM sim.ship_cargo c JOIN sim.ship sh ON sh.id = c.ship_id
                              UNION ALL
                              SELECT 3::smallint, ss.station_id, ss.good_id, st.sector_id
                                FROM sim.station_stock ss JOIN sim.station st ON st.id = ss.station_id
                              EXCEPT
                              SELECT kind, id, sub_id, sector_id FROM s1) m) AS missing,
       (SELECT count(*) FROM (SELECT kind, id, sub_id, sector_id FROM s1
                              EXCEPT
                              (SELECT 1::smallint, id, 0, sector_id FROM sim.ship
                               UNION ALL
                               SELECT 2::smallint, c.ship_id, c.good_id, sh.sector_id
                                 FROM sim.ship_cargo c JOIN sim.ship sh ON sh.id = c.ship_id
                               UNION ALL
                               SELECT 3::smallint, ss.station_id, ss.good_id, st.sector_id
                                 FROM sim.station_stock ss JOIN sim.station st ON st.id = ss.station_id)) e) AS extra;

-- some sectors: exactly those sectors' records of the whole state
SELECT (SELECT count(*) FROM (SELECT * FROM s1 WHERE sector_id IN (2, 5)
                              EXCEPT ALL SELECT * FROM pg_temp.recs(sim.delta_state(ARRAY[2, 5]))) a) AS lost,
       (SELECT count(*) FROM (SELECT * FROM pg_temp.recs(sim.delta_state(ARRAY[5, 2, 5]))
                              EXCEPT ALL SELECT * FROM s1 WHERE sector_id IN (2, 5)) b) AS invented,
       (SELECT count(*) FROM s1 WHERE sector_id IN (2, 5)) > 0 AS some,
       (SELECT records FROM sim.delta_info(sim.delta_state('{}'))) AS empty_sectors;

-- freshly changed rows: the feed records for them the values the state holds
UPDATE sim.ship SET fuel = fuel / 2 WHERE id % 5 = 0 AND fuel > 0;
UPDATE sim.station_stock SET qty = qty + 3 WHERE station_id % 3 = 0;
UPDATE sim.ship_cargo SET qty = qty - 1 WHERE qty > 1 AND ship_id % 2 = 0;
DELETE FROM sim.ship_cargo WHERE ship_id % 7 = 0;
-- recorded under tick 31, which the feed shows once it has committed
SELECT sim.step(1);
CREATE TEMP TABLE fresh AS
SELECT DISTINCT ON (f.kind, f.id, f.sub_id) f.kind, f.id, f.sub_id, f.sector_id, f.data
  FROM sim.changes_since(30) f
 WHERE f.kind IN ('ship', 'cargo', 'stock')
 ORDER BY f.kind, f.id, f.sub_id, f.tick DESC, f.seq DESC;
-- a hold emptied since is not in the state
DELETE FROM fresh WHERE data IS NULL;
SELECT count(*) FILTER (WHERE kind = 'ship') > 20 AS ships_changed,
       count(*) FILTER (WHERE kind = 'stock') > 20 AS stocks_changed,
       count(*) FILTER (WHERE kind = 'cargo') > 0 AS holds_changed
  FROM fresh;
SELECT count(*) AS compared,
       count(*) FILTER (WHERE r.id IS NULL) AS not_in_state,
       count(*) FILTER (WHERE r.sector_id IS DISTINCT FROM f.sector_id
                           OR sim.change_data(r.kind, r.val) IS DISTINCT FROM f.data) AS differing
  FROM fresh f
  JOIN sim.change_kind k ON k.name = f.kind
  LEFT JOIN sim.delta_records(sim.delta_state()) r ON (r.kind, r.id, r.sub_id) = (k.kind, f.id, f.sub_id)
HAVING count(*) = (SELECT count(*) FROM fresh);
-- and bit for bit against the stored record
SELECT count(*) AS differing
  FROM ((SELECT l.kind, l.id, l.sub_id, l.sector_id, l.val
           FROM (SELECT DISTINCT ON (c.kind, c.id, c.sub_id) c.kind, c.id, c.sub_id, c.sector_id, c.val::text AS val
                   FROM sim.change c WHERE c.tick > 30 AND c.kind IN (1, 2, 3)
                  ORDER BY c.kind, c.id, c.sub_id, c.tick DESC, c.seq DESC) l
          WHERE l.val IS NOT NULL)
        EXCEPT
        SELECT kind, id, sub_id, sector_id, val FROM pg_temp.recs(sim.delta_state())) x;

-- state(T) + delta(T, T2) applied as upserts = state(T2), for all sectors
-- and for some; the delta's other kinds (orders, trades, wallets) are not
-- part of the state
CREATE TEMP TABLE at31 AS SELECT * FROM pg_temp.recs(sim.delta_state());
CREATE TEMP TABLE at31s AS SELECT * FROM pg_temp.recs(sim.delta_state(ARRAY[1, 3]));
UPDATE sim.ship_cargo SET qty = qty - 1 WHERE qty > 1 AND ship_id % 3 = 0;
DELETE FROM sim.ship_cargo WHERE ship_id % 5 = 0;
SELECT sim.step(25);
CREATE FUNCTION pg_temp.applied(state_rows regclass, d bytea)
RETURNS TABLE (kind smallint, id bigint, sub_id integer, sector_id integer, val text)
LANGUAGE plpgsql AS $$
BEGIN
    RETURN QUERY EXECUTE format($q$
    WITH last AS (SELECT DISTINCT ON (r.kind, r.id, r.sub_id) r.kind, r.id, r.sub_id, r.sector_id, r.val
                    FROM (SELECT x.*, row_number() OVER () AS n FROM pg_temp.recs($1) x) r
                   ORDER BY r.kind, r.id, r.sub_id, r.n DESC)
    SELECT s.kind, s.id, s.sub_id, s.sector_id, s.val FROM %s s
     WHERE NOT EXISTS (SELECT FROM last l WHERE (l.kind, l.id, l.sub_id) = (s.kind, s.id, s.sub_id))
    UNION ALL
    SELECT l.kind, l.id, l.sub_id, l.sector_id, l.val FROM last l WHERE l.val IS NOT NULL AND l.kind IN (1, 2, 3)
    $q$, state_rows) USING d;
END
$$;
CREATE TEMP TABLE at56 AS SELECT kind, id, sub_id, sector_id, val FROM pg_temp.recs(sim.delta_state());
SELECT (SELECT count(*) FROM sim.delta_records(sim.delta(31, 56)) WHERE kind IN (1, 2, 3)) > 100 AS delta_has_changes,
       (SELECT count(*) FROM sim.delta_records(sim.delta(31, 56)) WHERE kind = 2) > 0 AS delta_has_cargo,
       (SELECT count(*) FROM sim.delta_records(sim.delta(31, 56)) WHERE kind NOT IN (1, 2, 3)) > 0 AS delta_has_others,
       (SELECT count(*) FROM (SELECT * FROM at31 EXCEPT SELECT * FROM pg_temp.recs(sim.delta_state())) c) > 100
           AS state_moved,
       (SELECT count(*) FROM (SELECT * FROM pg_temp.applied('at31', sim.delta(31, 56)) EXCEPT ALL
                              SELECT * FROM at56) a) AS applied_not_in_state,
       (SELECT count(*) FROM (SELECT * FROM at56 EXCEPT ALL
                              SELECT * FROM pg_temp.applied('at31', sim.delta(31, 56))) b) AS state_not_applied;
-- the same for sectors 1 and 3, over the entities that stayed in them
SELECT (SELECT count(*) FROM (SELECT * FROM pg_temp.applied('at31s', sim.delta(31, 56, ARRAY[1, 3]))
                               WHERE sector_id IN (1, 3)
                              EXCEPT ALL
                              SELECT kind, id, sub_id, sector_id, val
                                FROM pg_temp.recs(sim.delta_state(ARRAY[1, 3]))) a) AS applied_not_in_state,
       (SELECT count(*) FROM (SELECT kind, id, sub_id, sector_id, val
                                FROM pg_temp.recs(sim.delta_state(ARRAY[1, 3]))
                              EXCEPT ALL
                              SELECT * FROM pg_temp.applied('at31s', sim.delta(31, 56, ARRAY[1, 3]))) b)
           AS state_not_applied;

-- bad sectors
SELECT pg_temp.try('SELECT sim.delta_state(ARRAY[1, 999])') AS unknown,
       pg_temp.try('SELECT sim.delta_state(ARRAY[1, NULL])') AS null_element,
       pg_temp.try($$SELECT sim.delta_state(array(SELECT generate_series(1, sim.limit('sectors') + 1)))$$)
           AS too_many;

-- who may call it: operators; players and anonymous clients are refused
SET ROLE sim_anon;
SELECT pg_temp.try('SELECT sim.delta_state()') AS anon;
RESET ROLE;
SET ROLE sim_player;
SELECT pg_temp.try('SELECT sim.delta_state(ARRAY[1])') AS player;
RESET ROLE;
SET ROLE sim_operator;
SELECT pg_temp.try('SELECT sim.delta_state()') AS operator;
RESET ROLE;
SELECT has_function_privilege('public', 'sim.delta_state(integer[], bigint)', 'EXECUTE') AS public_may_execute;
