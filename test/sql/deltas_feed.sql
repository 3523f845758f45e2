--
-- deltas_feed: the change record and the change feed.  A client that copies
-- the universe at one tick and applies sim.changes_since from there ends with
-- exactly the universe's current rows, whoever changed them (NPCs in ticks,
-- commands between ticks, an operator's UPDATE); the record keeps only
-- sim.change_retention ticks and says so clearly past its horizon.
--
SET client_min_messages = warning;
CREATE EXTENSION IF NOT EXISTS sim CASCADE;
RESET client_min_messages;
SET sim.change_retention = 3600;

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
    RETURN code || ': ' || msg || coalesce(E'\nHINT: ' || nullif(hint, ''), '');
END
$$;

-- The rows a client follows, as (kind, id, sub_id, values): computed here
-- from the tables, independently of the triggers that write the record.
CREATE FUNCTION pg_temp.state()
RETURNS TABLE (kind smallint, id bigint, sub_id integer, val double precision[])
LANGUAGE sql AS $$
    SELECT 1::smallint, s.id, 0,
           ARRAY[CASE s.state WHEN 'docked' THEN 0 WHEN 'undocking' THEN 1 WHEN 'idle' THEN 2
                              WHEN 'flying' THEN 3 WHEN 'docking' THEN 4 WHEN 'orbiting' THEN 5
                              ELSE 6 END,
                 s.faction_id, s.class_id, s.docked_at, s.body_id, s.wake_tick, s.fuel,
                 s.x, s.y, s.z, s.dir_x, s.dir_y, s.dir_z, s.accel, s.t_burn, s.t_coast, s.t_brake,
                 s.leg_start_tick, s.arrival_tick]::double precision[]
      FROM sim.ship s
    UNION ALL
    SELECT 2::smallint, c.ship_id, c.good_id, ARRAY[c.qty]::double precision[] FROM sim.ship_cargo c
    UNION ALL
    SELECT 3::smallint, m.station_id, m.good_id, ARRAY[m.stock, m.target, m.bid, m.ask]::double precision[]
      FROM sim.market m
    UNION ALL
    SELECT 4::smallint, o.id, o.good_id,
           ARRAY[o.station_id, CASE o.side WHEN 'buy' THEN 0 ELSE 1 END, o.faction_id, o.ship_id,
                 o.price, o.qty, o.qty_open,
                 CASE o.status WHEN 'open' THEN 0 WHEN 'filled' THEN 1 ELSE 2 END]::double precision[]
      FROM sim.market_order o
    UNION ALL
    SELECT 6::smallint, w.faction_id, 0, ARRAY[w.credits]::double precision[] FROM sim.wallet w
$$;

SELECT sim.generate_universe(11, 4, 300, reset => true) IS NOT NULL AS generated;

-- a new universe starts an empty record at its first tick
SELECT count(*) AS changes, sim.change_horizon() AS horizon FROM sim.change;
SELECT count(*) AS rows FROM sim.changes_since(0);

-- the client's copy, taken at tick 0
CREATE TEMP TABLE copy AS SELECT * FROM pg_temp.state();
CREATE TEMP TABLE trades_before AS SELECT max(id) AS id FROM sim.trade;

-- a player's trades and orders and an operator's edits, then NPC life
SELECT s.id AS ship, st.good_id AS good
  FROM sim.ship s
  JOIN sim.station_stock st ON st.station_id = s.docked_at
  JOIN sim.ship_class k ON k.id = s.class_id
 WHERE s.state = 'docked'
   AND k.cargo_capacity - coalesce((SELECT sum(c.qty) FROM sim.ship_cargo c WHERE c.ship_id = s.id), 0) >= 5
   AND NOT EXISTS (SELECT 1 FROM sim.ship_cargo c WHERE c.ship_id = s.id AND c.good_id = st.good_id)
 ORDER BY s.id, st.good_id LIMIT 1 \gset
INSERT INTO sim.ship_cargo (ship_id, good_id, qty) VALUES (:ship, :good, 5);
SELECT total > 0 AS sold FROM sim.sell(:ship, :good, 3);
SELECT sim.place_order(:ship, :good, 'buy', 3, 1) AS first_order \gset
SELECT sim.cancel_order(:first_order);
SELECT sim.place_order(:ship, :good, 'sell', 2, 1000000) IS NOT NULL AS ordered;
UPDATE sim.ship SET fuel = 1.5 WHERE id = 2;
UPDATE sim.ship SET name = name || ' II' WHERE id = 3;   -- nothing a client follows
SELECT sim.step(80);

-- every kind of change happened and was recorded under ticks 1..80
SELECT k.name AS kind, count(c.*) > 0 AS recorded
  FROM sim.change_kind k LEFT JOIN sim.change c ON c.kind = k.kind
 GROUP BY k.kind, k.name ORDER BY k.kind;
SELECT min(tick) AS first, max(tick) AS last FROM sim.change;
SELECT count(*) AS renamed FROM sim.change WHERE kind = 1 AND id = 3 AND tick = 1;

-- the commands between ticks belong to the next tick, in the order made
SELECT c.kind, c.data
  FROM sim.changes_since(0) c
 WHERE c.tick = 1 AND (c.kind = 'cargo' AND c.id = :ship AND c.sub_id = :good OR c.kind = 'order')
 ORDER BY c.seq;
SELECT count(*) AS fuel_edit FROM sim.change WHERE tick = 1 AND kind = 1 AND id = 2 AND val[7] = 1.5;

-- replay: the copy plus the last change of each entity is the present
CREATE TEMP TABLE feed AS
SELECT f.*, row_number() OVER (ORDER BY f.tick, f.seq) AS n FROM sim.changes_since(0) f;
SELECT count(*) = (SELECT count(*) FROM sim.change) AS feed_is_the_record,
       bool_and(n = rank) AS ordered
  FROM (SELECT n, rank() OVER (ORDER BY tick, seq) AS rank FROM feed) r;
CREATE TEMP TABLE replayed AS
WITH last AS (
    SELECT DISTINCT ON (c.kind, c.id, c.sub_id) c.kind, c.id, c.sub_id, c.val
      FROM sim.change c ORDER BY c.kind, c.id, c.sub_id, c.tick DESC, c.seq DESC)
SELECT p.kind, p.id, p.sub_id, p.val FROM copy p
 WHERE NOT EXISTS (SELECT 1 FROM last l WHERE (l.kind, l.id, l.sub_id) = (p.kind, p.id, p.sub_id))
UNION ALL
SELECT l.kind, l.id, l.sub_id, l.val FROM last l WHERE l.val IS NOT NULL AND l.kind <> 5;  -- trades are events
SELECT (SELECT count(*) FROM (SELECT * FROM replayed EXCEPT ALL SELECT * FROM pg_temp.state()) a) AS stale,
       (SELECT count(*) FROM (SELECT * FROM pg_temp.state() EXCEPT ALL SELECT * FROM replayed) b) AS missing,
       (SELECT count(*) FROM copy c JOIN pg_temp.state() s USING (kind, id, sub_id) WHERE c.val <> s.val) > 100
           AS much_changed;

-- trades are in the feed once each, with their values
SELECT count(*) = (SELECT count(*) FROM sim.trade WHERE id > (SELECT coalesce(id, 0) FROM trades_before))
       AS every_trade,
       bool_and(f.data = jsonb_build_object('station_id', t.station_id, 'qty', t.qty, 'price', t.price,
                                            'buyer_faction', t.buyer_faction, 'seller_faction', t.seller_faction,
                                            'buyer_ship', t.buyer_ship, 'seller_ship', t.seller_ship,
                                            'kind', t.kind)
                AND f.tick = t.tick AND f.sub_id = t.good_id) AS same_values
  FROM feed f JOIN sim.trade t ON t.id = f.id WHERE f.kind = 'trade';

-- JSON fields carry names and labels; a deletion has no data
SELECT DISTINCT data->>'state' AS state FROM feed WHERE kind = 'ship' ORDER BY 1;
SELECT kind, count(*) > 0 AS deleted FROM feed WHERE data IS NULL GROUP BY kind ORDER BY kind;

-- sectors: only theirs, and all of theirs
SELECT count(*) > 0 AS some, bool_and(sector_id IN (1, 2)) AS only_theirs,
       count(*) = (SELECT count(*) FROM sim.change WHERE sector_id IN (1, 2)) AS all_of_theirs
  FROM sim.changes_since(0, ARRAY[1, 2]);
SELECT count(*) AS none FROM sim.changes_since(0, ARRAY[]::integer[]);

-- ranges that cannot be served
SELECT pg_temp.try('SELECT sim.changes_since(81)') AS future;
SELECT pg_temp.try('SELECT sim.changes_since(NULL)') AS null_tick;
SELECT count(*) AS empty_at_present FROM sim.changes_since(80);

-- retention: a partition at a time, and a clear error past the horizon
SET sim.change_retention = 20;
SELECT sim.generate_universe(11, 4, 300, reset => true) IS NOT NULL AS regenerated;
SELECT sim.step(1) FROM generate_series(1, 60) \g /dev/null
SELECT sim.change_horizon() AS horizon, min(tick) > sim.change_horizon() AS kept_after_horizon,
       max(tick) AS last
  FROM sim.change;
SELECT p.lo, p.hi FROM sim.change_partition p ORDER BY p.lo;
SELECT count(*) AS partitions_attached
  FROM sim.change_partition p JOIN pg_inherits i ON i.inhrelid = ('sim.' || p.name)::regclass
 WHERE i.inhparent = 'sim.change'::regclass;
SELECT pg_temp.try('SELECT sim.changes_since(0)') AS too_old;
SELECT pg_temp.try(format('SELECT sim.changes_since(%s)', sim.change_horizon() - 1)) AS just_too_old;
SELECT count(*) = (SELECT count(*) FROM sim.change) AS everything_kept_is_served
  FROM sim.changes_since(sim.change_horizon());
SET sim.change_retention = 3600;

-- muted: the generator's rows are the first state, not changes
SELECT sim.generate_universe(12, 2, 50, reset => true) IS NOT NULL AS regenerated;
SELECT count(*) AS changes, sim.change_horizon() AS horizon FROM sim.change;
SELECT pg_temp.try('SELECT sim.changes_since(0)') AS fresh;
