-- sim: the change record, the change feed and binary deltas.
--
-- Every committed change of a ship, its cargo, a station's stock, an order,
-- a trade or a wallet is one row of sim.change, written in the same
-- transaction as the change by the statement triggers below.  Each row
-- belongs to a tick: the tick that wrote it, or, for a command between
-- ticks, the next tick.  Writers outside a tick hold ticks off until they
-- commit (sim.change_tick), so once tick N has committed, no row of a tick
-- <= N can still appear: reading up to the committed tick is gap-free.
--
-- sim.change is partitioned by tick.  The tick creates partitions ahead of
-- time and drops those older than sim.change_retention ticks; dropping a
-- partition moves the horizon, the oldest tick a client may resume from.
--
-- Every row the feed returns, every delta's header and every notification
-- carries the universe's epoch (sim.world.epoch): a client that resumes
-- from a tick passes the epoch it read with it, and gets SM012 when the
-- universe has been replaced since (sim.check_epoch), instead of another
-- universe's changes.

-- The kinds of change and the meaning of their values, in order.  A ship's
-- flight-plan fields are the columns of sim.leg_field (SIM_LEG_FIELDS).
CREATE TABLE sim.change_kind (
    kind        smallint PRIMARY KEY CHECK (kind BETWEEN 1 AND 255),
    name        text NOT NULL UNIQUE CHECK (name <> ''),
    id_is       text NOT NULL,
    sub_is      text NOT NULL,
    fields      text[] NOT NULL CHECK (cardinality(fields) BETWEEN 1 AND 64)
);
COMMENT ON TABLE sim.change_kind IS 'Kinds of change in sim.change: what id and sub_id name, and the fields of val in order';
INSERT INTO sim.change_kind (kind, name, id_is, sub_is, fields) VALUES
    (1, 'ship',   'ship id',    'none (0)',
     ARRAY['state', 'faction_id', 'class_id', 'docked_at', 'body_id', 'wake_tick', 'fuel']
     || ARRAY(SELECT f.name FROM sim.leg_field f ORDER BY f.pos) || ARRAY['arrival_tick']),
    (2, 'cargo',  'ship id',    'good id', ARRAY['qty']),
    (3, 'stock',  'station id', 'good id', ARRAY['qty', 'target', 'bid', 'ask']),
    (4, 'order',  'order id',   'good id',
     ARRAY['station_id', 'side', 'faction_id', 'ship_id', 'price', 'qty', 'qty_open', 'status']),
    (5, 'trade',  'trade id',   'good id',
     ARRAY['station_id', 'qty', 'price', 'buyer_faction', 'seller_faction', 'buyer_ship',
           'seller_ship', 'kind', 'tax']),
    (6, 'wallet', 'faction id', 'none (0)', ARRAY['credits']);

-- Codes of the text fields that the record stores as numbers; a ship's state
-- is coded as in sim.ship_state (SIM_SHIP_STATES).
CREATE TABLE sim.change_code (
    kind        smallint NOT NULL REFERENCES sim.change_kind,
    field       text NOT NULL,
    code        smallint NOT NULL,
    label       text NOT NULL,
    PRIMARY KEY (kind, field, code),
    UNIQUE (kind, field, label)
);
COMMENT ON TABLE sim.change_code IS 'The numeric codes of text fields in sim.change.val (ship state, order side and status, trade kind)';
INSERT INTO sim.change_code (kind, field, code, label)
SELECT 1, 'state', s.code, s.name FROM sim.ship_state s;
INSERT INTO sim.change_code (kind, field, code, label) VALUES
    (4, 'side', 0, 'buy'), (4, 'side', 1, 'sell'),
    (4, 'status', 0, 'open'), (4, 'status', 1, 'filled'), (4, 'status', 2, 'cancelled');
INSERT INTO sim.change_code (kind, field, code, label)
SELECT 5, 'kind', k.code, k.name FROM sim.trade_kind k;

CREATE SEQUENCE sim.change_seq;

CREATE TABLE sim.change (
    tick        bigint NOT NULL CHECK (tick > 0),
    seq         bigint NOT NULL DEFAULT nextval('sim.change_seq'),
    kind        smallint NOT NULL CHECK (kind BETWEEN 1 AND 255),
    id          bigint NOT NULL,
    sub_id      integer NOT NULL DEFAULT 0,
    sector_id   integer NOT NULL DEFAULT 0,
    val         double precision[] CHECK (cardinality(val) BETWEEN 1 AND 64),
    PRIMARY KEY (tick, seq)
) PARTITION BY RANGE (tick);
COMMENT ON TABLE sim.change IS
    'The change record: one row per changed entity and statement, by tick (val NULL: deleted; fields in sim.change_kind)';
ALTER SEQUENCE sim.change_seq OWNED BY sim.change.seq;

-- Where the record stands: the horizon and the partitions that exist.
CREATE TABLE sim.change_log (
    id          boolean PRIMARY KEY DEFAULT true CHECK (id),
    horizon     bigint NOT NULL CHECK (horizon >= 0),
    covered_to  bigint NOT NULL CHECK (covered_to >= horizon)
);
COMMENT ON TABLE sim.change_log IS
    'The change record''s horizon (changes after it are all kept) and the end of the ticks its partitions cover';

CREATE TABLE sim.change_partition (
    lo          bigint PRIMARY KEY,
    hi          bigint NOT NULL CHECK (hi > lo),
    name        text NOT NULL UNIQUE
);
COMMENT ON TABLE sim.change_partition IS 'The partitions of sim.change and the ticks [lo, hi) each holds';

-- The tick a change made now belongs to, or NULL when changes are not
-- recorded (no universe, or muted by the generator).  Outside a tick it
-- takes the tick guard first, so that tick cannot commit before the caller.
CREATE FUNCTION sim.change_tick() RETURNS bigint
AS 'MODULE_PATHNAME', 'sim_change_tick'
LANGUAGE C VOLATILE;
COMMENT ON FUNCTION sim.change_tick() IS
    'The tick changes made now are recorded under (NULL: not recorded); holds ticks off until commit';

CREATE FUNCTION sim.mute_changes(muted boolean) RETURNS void
AS 'MODULE_PATHNAME', 'sim_mute_changes'
LANGUAGE C VOLATILE STRICT;
COMMENT ON FUNCTION sim.mute_changes(boolean) IS
    'Stop (true) or resume (false) recording changes made outside ticks by this transaction (the generator uses it)';

-- The triggers that write the record run as the extension's owner, so the
-- record is complete whoever changes a row, and needs no privilege of them.

-- Ships: the fields of sim.change_kind 'ship', in its order.  The function is
-- written from that row, so the record and its description cannot disagree:
-- each field is the ship's column of that name, and a field with codes in
-- sim.change_code (the state) is its code, array_position(labels, value) - 1
-- with the labels as a constant (codes run from 0, see sim.check_vocabulary).
-- An update is recorded when a field or the sector changes.
DO $do$
DECLARE
    val     text;   -- the fields of new row n, as an array expression
    cur     text;   -- the followed columns of n
    prev    text;   -- and of old row o
BEGIN
    SELECT string_agg(CASE WHEN c.labels IS NULL THEN format('n.%I', f.name)
                           ELSE format('array_position(%L::text[], n.%I) - 1', c.labels, f.name) END,
                      ', ' ORDER BY f.i),
           string_agg(format('n.%I', f.name), ', ' ORDER BY f.i),
           string_agg(format('o.%I', f.name), ', ' ORDER BY f.i)
      INTO val, cur, prev
      FROM sim.change_kind k
     CROSS JOIN LATERAL unnest(k.fields) WITH ORDINALITY AS f(name, i)
     CROSS JOIN LATERAL (SELECT array_agg(cc.label ORDER BY cc.code) AS labels
                           FROM sim.change_code cc WHERE cc.kind = k.kind AND cc.field = f.name) c
     WHERE k.name = 'ship';
    EXECUTE format($fn$
CREATE FUNCTION sim.record_ship_change() RETURNS trigger
LANGUAGE plpgsql SECURITY DEFINER AS $$
DECLARE
    t   bigint := sim.change_tick();
BEGIN
    IF t IS NULL THEN
        RETURN NULL;
    END IF;
    IF TG_OP = 'INSERT' THEN
        INSERT INTO sim.change (tick, kind, id, sector_id, val)
        SELECT t, 1, n.id, n.sector_id, ARRAY[%1$s]::double precision[]
          FROM new_rows n ORDER BY n.id;
    ELSIF TG_OP = 'UPDATE' THEN
        INSERT INTO sim.change (tick, kind, id, sector_id, val)
        SELECT t, 1, n.id, n.sector_id, ARRAY[%1$s]::double precision[]
          FROM new_rows n JOIN old_rows o ON o.id = n.id
         WHERE (%2$s, n.sector_id) IS DISTINCT FROM (%3$s, o.sector_id)
         ORDER BY n.id;
    ELSE
        INSERT INTO sim.change (tick, kind, id, sector_id, val)
        SELECT t, 1, o.id, o.sector_id, NULL FROM old_rows o ORDER BY o.id;
    END IF;
    RETURN NULL;
END
$$$fn$, val, cur, prev);

    -- Every UPDATE of sim.ship, in one trigger (a hold's tally, a trade's
    -- fuel, a tick's rows): recorded, then checked -- the tank, the hold,
    -- the state machine -- in that order.  The tick's own rows
    -- (sim.tick_writing_ships()) have had their transitions checked and
    -- recorded by the tick.
    EXECUTE format($fn$
CREATE FUNCTION sim.ship_updated() RETURNS trigger
LANGUAGE plpgsql SECURITY DEFINER AS $$
DECLARE
    t   bigint := sim.change_tick();
    bad record;
BEGIN
    IF t IS NOT NULL THEN
        INSERT INTO sim.change (tick, kind, id, sector_id, val)
        SELECT t, 1, n.id, n.sector_id, ARRAY[%1$s]::double precision[]
          FROM new_rows n JOIN old_rows o ON o.id = n.id
         WHERE (%2$s, n.sector_id) IS DISTINCT FROM (%3$s, o.sector_id)
         ORDER BY n.id;
    END IF;

    SELECT sh.id, sh.class_id, sh.fuel, c.fuel_capacity, sh.fuel > c.fuel_capacity AS over_tank,
           c.cargo_capacity, sh.cargo_held AS held INTO bad
      FROM new_rows sh
      JOIN sim.ship_class c ON c.id = sh.class_id
     WHERE sh.fuel > c.fuel_capacity OR sh.cargo_held > c.cargo_capacity
     ORDER BY sh.fuel > c.fuel_capacity DESC, sh.id
     LIMIT 1;
    IF FOUND THEN
        IF bad.over_tank THEN
            RAISE EXCEPTION 'ship %% would hold %% fuel, over its tank of %%',
                bad.id, bad.fuel, bad.fuel_capacity
                USING ERRCODE = 'check_violation';
        END IF;
        IF EXISTS (SELECT 1 FROM old_rows o WHERE o.id = bad.id AND o.class_id <> bad.class_id) THEN
            RAISE EXCEPTION 'ship %% carries %% units, over the cargo capacity of %% of its hull',
                bad.id, bad.held, bad.cargo_capacity
                USING ERRCODE = 'check_violation',
                      HINT = 'Unload goods before moving the ship to a smaller hull.';
        END IF;
        RAISE EXCEPTION 'ship %% would carry %% units, over its cargo capacity of %%',
            bad.id, bad.held, bad.cargo_capacity
            USING ERRCODE = 'check_violation',
                  HINT = 'Unload goods first.';
    END IF;

    IF sim.tick_writing_ships() THEN
        RETURN NULL;
    END IF;
    SELECT o.id, o.state AS from_state, n.state AS to_state INTO bad
      FROM old_rows o JOIN new_rows n ON n.id = o.id
     WHERE o.state <> n.state
       AND NOT EXISTS (SELECT 1 FROM sim.ship_transition tr
                        WHERE tr.from_state = o.state AND tr.to_state = n.state)
     LIMIT 1;
    IF FOUND THEN
        RAISE EXCEPTION 'ship %% cannot go from %% to %%', bad.id, bad.from_state, bad.to_state
            USING ERRCODE = 'SM009',
                  DETAIL = 'sim.ship_transition lists the state changes a ship may make.';
    END IF;
    INSERT INTO sim.ship_event (tick, ship_id, from_state, to_state, station_id, body_id)
    SELECT sim.current_tick(), n.id, o.state, n.state, coalesce(n.docked_at, o.docked_at),
           coalesce(n.body_id, o.body_id)
      FROM old_rows o JOIN new_rows n ON n.id = o.id
     WHERE o.state <> n.state
     ORDER BY n.id;
    RETURN NULL;
END
$$$fn$, val, cur, prev);

    -- The current rows as the change feed records them (sim.delta_state):
    -- a ship's values are the same expression as its triggers', a stock's
    -- those of sim.record_stock_change.  Ordered by kind, id and sub_id.
    EXECUTE format($fn$
CREATE FUNCTION sim.state_records(sectors integer[])
RETURNS TABLE (kind smallint, id bigint, sub_id integer, sector_id integer, val double precision[])
LANGUAGE sql STABLE AS $$
    SELECT r.kind, r.id, r.sub_id, r.sector_id, r.val
      FROM (SELECT 1::smallint AS kind, n.id, 0 AS sub_id, n.sector_id,
                   ARRAY[%1$s]::double precision[] AS val
              FROM sim.ship n
             WHERE sectors IS NULL OR n.sector_id = ANY (sectors)
            UNION ALL
            SELECT 2::smallint, c.ship_id, c.good_id, s.sector_id, ARRAY[c.qty]::double precision[]
              FROM sim.ship_cargo c
              JOIN sim.ship s ON s.id = c.ship_id
             WHERE sectors IS NULL OR s.sector_id = ANY (sectors)
            UNION ALL
            SELECT 3::smallint, n.station_id, n.good_id, st.sector_id,
                   ARRAY[n.qty, n.target, q.bid, q.ask]::double precision[]
              FROM sim.station_stock n
              JOIN sim.station st ON st.id = n.station_id
              JOIN sim.good g ON g.id = n.good_id
             CROSS JOIN sim.economy e
             CROSS JOIN LATERAL sim.market_quote(g.base_price, n.qty, n.target, e.spread) q
             WHERE sectors IS NULL OR st.sector_id = ANY (sectors)) r
     ORDER BY r.kind, r.id, r.sub_id
$$$fn$, val);
END
$do$;
COMMENT ON FUNCTION sim.state_records(integer[]) IS
    'Every ship, hold entry and market of some sectors (all when NULL) with the values the change feed records for them (kinds 1, 2 and 3)';

-- Transition tables have no statistics: joining old and new rows by a nested
-- loop would be quadratic in the rows a statement changed (a tick writes
-- hundreds of ships in one statement).
ALTER FUNCTION sim.record_ship_change() SET enable_nestloop = off;
ALTER FUNCTION sim.ship_updated() SET enable_nestloop = off;
ALTER FUNCTION sim.ship_updated() SET jit = off;
COMMENT ON FUNCTION sim.ship_updated() IS
    'Trigger: every UPDATE of sim.ship recorded in sim.change, and checked against the tank, the hold and sim.ship_transition';

CREATE FUNCTION sim.record_cargo_change() RETURNS trigger
LANGUAGE plpgsql SECURITY DEFINER AS $$
DECLARE
    t   bigint := sim.change_tick();
BEGIN
    IF t IS NULL THEN
        RETURN NULL;
    END IF;
    IF TG_OP = 'DELETE' THEN
        INSERT INTO sim.change (tick, kind, id, sub_id, sector_id, val)
        SELECT t, 2, o.ship_id, o.good_id, coalesce(s.sector_id, 0), NULL
          FROM old_rows o LEFT JOIN sim.ship s ON s.id = o.ship_id
         ORDER BY o.ship_id, o.good_id;
    ELSE
        INSERT INTO sim.change (tick, kind, id, sub_id, sector_id, val)
        SELECT t, 2, n.ship_id, n.good_id, coalesce(s.sector_id, 0), ARRAY[n.qty]::double precision[]
          FROM new_rows n LEFT JOIN sim.ship s ON s.id = n.ship_id
         ORDER BY n.ship_id, n.good_id;
    END IF;
    RETURN NULL;
END
$$;

CREATE FUNCTION sim.record_stock_change() RETURNS trigger
LANGUAGE plpgsql SECURITY DEFINER AS $$
DECLARE
    t   bigint := sim.change_tick();
BEGIN
    IF t IS NULL THEN
        RETURN NULL;
    END IF;
    IF TG_OP = 'DELETE' THEN
        INSERT INTO sim.change (tick, kind, id, sub_id, sector_id, val)
        SELECT t, 3, o.station_id, o.good_id, coalesce(st.sector_id, 0), NULL
          FROM old_rows o LEFT JOIN sim.station st ON st.id = o.station_id
         ORDER BY o.station_id, o.good_id;
    ELSE
        INSERT INTO sim.change (tick, kind, id, sub_id, sector_id, val)
        SELECT t, 3, n.station_id, n.good_id, coalesce(st.sector_id, 0),
               ARRAY[n.qty, n.target, q.bid, q.ask]::double precision[]
          FROM new_rows n
          LEFT JOIN sim.station st ON st.id = n.station_id
          LEFT JOIN sim.good g ON g.id = n.good_id
         CROSS JOIN sim.economy e
         CROSS JOIN LATERAL sim.market_quote(g.base_price, n.qty, n.target, e.spread) q
         ORDER BY n.station_id, n.good_id;
    END IF;
    RETURN NULL;
END
$$;

CREATE FUNCTION sim.record_order_change() RETURNS trigger
LANGUAGE plpgsql SECURITY DEFINER AS $$
DECLARE
    t   bigint := sim.change_tick();
BEGIN
    IF t IS NULL THEN
        RETURN NULL;
    END IF;
    IF TG_OP = 'DELETE' THEN
        INSERT INTO sim.change (tick, kind, id, sub_id, sector_id, val)
        SELECT t, 4, o.id, o.good_id, coalesce(st.sector_id, 0), NULL
          FROM old_rows o LEFT JOIN sim.station st ON st.id = o.station_id
         ORDER BY o.id;
    ELSE
        INSERT INTO sim.change (tick, kind, id, sub_id, sector_id, val)
        SELECT t, 4, n.id, n.good_id, coalesce(st.sector_id, 0),
               ARRAY[n.station_id, CASE n.side WHEN 'buy' THEN 0 ELSE 1 END, n.faction_id, n.ship_id,
                     n.price, n.qty, n.qty_open,
                     CASE n.status WHEN 'open' THEN 0 WHEN 'filled' THEN 1 ELSE 2 END]::double precision[]
          FROM new_rows n LEFT JOIN sim.station st ON st.id = n.station_id
         ORDER BY n.id;
    END IF;
    RETURN NULL;
END
$$;

CREATE FUNCTION sim.record_trade() RETURNS trigger
LANGUAGE plpgsql SECURITY DEFINER AS $$
DECLARE
    t   bigint := sim.change_tick();
BEGIN
    IF t IS NULL THEN
        RETURN NULL;
    END IF;
    INSERT INTO sim.change (tick, kind, id, sub_id, sector_id, val)
    SELECT t, 5, n.id, n.good_id, coalesce(st.sector_id, 0),
           ARRAY[n.station_id, n.qty, n.price, n.buyer_faction, n.seller_faction, n.buyer_ship,
                 n.seller_ship, (SELECT k.code FROM sim.trade_kind k WHERE k.name = n.kind),
                 n.tax]::double precision[]
      FROM new_rows n LEFT JOIN sim.station st ON st.id = n.station_id
     ORDER BY n.id;
    RETURN NULL;
END
$$;

CREATE FUNCTION sim.record_wallet_change() RETURNS trigger
LANGUAGE plpgsql SECURITY DEFINER AS $$
DECLARE
    t   bigint := sim.change_tick();
BEGIN
    IF t IS NULL THEN
        RETURN NULL;
    END IF;
    IF TG_OP = 'DELETE' THEN
        INSERT INTO sim.change (tick, kind, id, val)
        SELECT t, 6, o.faction_id, NULL FROM old_rows o ORDER BY o.faction_id;
    ELSIF TG_OP = 'UPDATE' THEN
        INSERT INTO sim.change (tick, kind, id, val)
        SELECT t, 6, n.faction_id, ARRAY[n.credits]::double precision[]
          FROM new_rows n JOIN old_rows o ON o.faction_id = n.faction_id
         WHERE n.credits <> o.credits
         ORDER BY n.faction_id;
    ELSE
        INSERT INTO sim.change (tick, kind, id, val)
        SELECT t, 6, n.faction_id, ARRAY[n.credits]::double precision[] FROM new_rows n ORDER BY n.faction_id;
    END IF;
    RETURN NULL;
END
$$;

ALTER FUNCTION sim.record_wallet_change() SET enable_nestloop = off;

-- The change record's writers and its tick run small queries on every
-- command, whose estimates (transition tables, one-row tables) can pass
-- jit_above_cost: compiling them would cost a command tens of milliseconds
-- each time.
ALTER FUNCTION sim.change_tick() SET jit = off;
ALTER FUNCTION sim.record_ship_change() SET jit = off;
ALTER FUNCTION sim.record_cargo_change() SET jit = off;
ALTER FUNCTION sim.record_stock_change() SET jit = off;
ALTER FUNCTION sim.record_order_change() SET jit = off;
ALTER FUNCTION sim.record_trade() SET jit = off;
ALTER FUNCTION sim.record_wallet_change() SET jit = off;

-- One trigger per table and event (a trigger with transition tables serves one event).
DO $$
DECLARE
    r   record;
    ev  text;
BEGIN
    FOR r IN SELECT * FROM (VALUES ('ship', 'record_ship_change', 'ID'),
                                   ('ship_cargo', 'record_cargo_change', 'ID'),
                                   ('station_stock', 'record_stock_change', 'ID'),
                                   ('market_order', 'record_order_change', 'ID'),
                                   ('trade', 'record_trade', 'I'),
                                   ('wallet', 'record_wallet_change', 'ID')) AS t(tab, fn, ops)
    LOOP
        FOREACH ev IN ARRAY ARRAY['insert', 'update', 'delete'] LOOP
            CONTINUE WHEN r.ops = 'I' AND ev <> 'insert';
            CONTINUE WHEN r.tab = 'ship' AND ev = 'update';     -- sim.ship_updated, below
            EXECUTE format('CREATE TRIGGER %I AFTER %s ON sim.%I REFERENCING %s FOR EACH STATEMENT '
                           'EXECUTE FUNCTION sim.%I()',
                           'change_' || ev, upper(ev), r.tab,
                           CASE ev WHEN 'insert' THEN 'NEW TABLE AS new_rows'
                                   WHEN 'update' THEN 'OLD TABLE AS old_rows NEW TABLE AS new_rows'
                                   ELSE 'OLD TABLE AS old_rows' END,
                           r.fn);
        END LOOP;
    END LOOP;
END
$$;

-- sim.ship's UPDATE statements fire one trigger, sim.ship_updated(): the
-- record and the checks of the tank, the hold and the state machine.
CREATE TRIGGER ship_updated AFTER UPDATE ON sim.ship
    REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows
    FOR EACH STATEMENT EXECUTE FUNCTION sim.ship_updated();

-- The values of a change as a JSON object keyed by field name (NULL: deleted);
-- 54000 for more values than a change record holds.
CREATE FUNCTION sim.change_data(kind smallint, val double precision[]) RETURNS jsonb
LANGUAGE sql STABLE PARALLEL SAFE AS $$
    SELECT jsonb_object_agg(f.name, CASE WHEN c.label IS NOT NULL THEN to_jsonb(c.label) ELSE to_jsonb(f.v) END)
      FROM sim.change_kind k
     CROSS JOIN LATERAL unnest(k.fields, sim.bounded_array(val, 'val', 'values')) AS f(name, v)
      LEFT JOIN sim.change_code c ON c.kind = k.kind AND c.field = f.name AND c.code = f.v
     WHERE k.kind = change_data.kind AND val IS NOT NULL
$$;
COMMENT ON FUNCTION sim.change_data(smallint, double precision[]) IS
    'A change''s values as a JSON object keyed by field name, codes as their labels (NULL for a deletion)';

-- Restart the change record at tick t: drop every partition and make the
-- first ones, covering t + 1 on.  An import, or a rollback past the record's
-- retention, calls it with the snapshot's tick.
CREATE FUNCTION sim.restart_changes(t bigint) RETURNS void
LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS $$
DECLARE
    p   record;
BEGIN
    FOR p IN SELECT cp.name FROM sim.change_partition cp LOOP
        EXECUTE format('ALTER EXTENSION sim DROP TABLE sim.%I', p.name);
        EXECUTE format('DROP TABLE sim.%I', p.name);
    END LOOP;
    DELETE FROM sim.change_partition;
    INSERT INTO sim.change_log AS l (horizon, covered_to) VALUES (t, t + 1)
    ON CONFLICT (id) DO UPDATE SET horizon = excluded.horizon, covered_to = excluded.covered_to;
    PERFORM sim.maintain_changes(t);
END
$$;
COMMENT ON FUNCTION sim.restart_changes(bigint) IS
    'Empty the change record and restart it at tick t (import, or a rollback past the record''s retention)';

-- Start the record afresh at the universe's tick.  The generator and
-- sim.reset_universe call it.
CREATE FUNCTION sim.reset_changes() RETURNS void
LANGUAGE plpgsql SECURITY DEFINER AS $$
BEGIN
    PERFORM sim.restart_changes(coalesce((SELECT w.tick FROM sim.world w), 0));
END
$$;
COMMENT ON FUNCTION sim.reset_changes() IS
    'Empty the change record and restart it at the universe''s current tick';

-- Keep partitions ready for the ticks around tick, and drop those older than
-- the retention when no session is reading the record.  Called by every tick.
-- Partitions are members of the extension, like sim.change itself: pg_dump
-- leaves them out, and a restored universe starts a new record at its first
-- tick (until then, changes are not recorded and the horizon is that tick).
-- It runs as the extension's owner, who may add members to the extension.
CREATE FUNCTION sim.maintain_changes(tick bigint) RETURNS void
LANGUAGE plpgsql SECURITY DEFINER AS $$
DECLARE
    retention   bigint := current_setting('sim.change_retention')::bigint;
    width       bigint := greatest(retention / 4, 1);
    l           sim.change_log;
    p           sim.change_partition;
    pname       text;
BEGIN
    SELECT * INTO l FROM sim.change_log;
    IF NOT FOUND THEN
        INSERT INTO sim.change_log (horizon, covered_to) VALUES (tick, tick) RETURNING * INTO l;
    END IF;
    -- the tick and the ones commands between ticks record under
    WHILE l.covered_to <= tick + 2 LOOP
        pname := 'change_' || l.covered_to;
        EXECUTE format('CREATE TABLE sim.%I (LIKE sim.change INCLUDING DEFAULTS INCLUDING CONSTRAINTS, '
                       'CHECK (tick >= %s AND tick < %s))', pname, l.covered_to, l.covered_to + width);
        EXECUTE format('ALTER TABLE sim.change ATTACH PARTITION sim.%I FOR VALUES FROM (%s) TO (%s)',
                       pname, l.covered_to, l.covered_to + width);
        EXECUTE format('ALTER EXTENSION sim ADD TABLE sim.%I', pname);
        INSERT INTO sim.change_partition (lo, hi, name) VALUES (l.covered_to, l.covered_to + width, pname);
        l.covered_to := l.covered_to + width;
    END LOOP;
    UPDATE sim.change_log SET covered_to = l.covered_to WHERE covered_to <> l.covered_to;

    -- keep every tick after tick - retention
    SELECT * INTO p FROM sim.change_partition ORDER BY lo LIMIT 1;
    IF FOUND AND p.hi <= tick - retention + 1 THEN
        BEGIN
            -- readers of the record hold it in share mode: never wait for them
            LOCK TABLE sim.change IN ACCESS EXCLUSIVE MODE NOWAIT;
            EXECUTE format('ALTER EXTENSION sim DROP TABLE sim.%I', p.name);
            EXECUTE format('DROP TABLE sim.%I', p.name);
            DELETE FROM sim.change_partition WHERE lo = p.lo;
            UPDATE sim.change_log SET horizon = greatest(horizon, p.hi - 1);
        EXCEPTION WHEN lock_not_available THEN
            NULL;   -- the next tick tries again
        END;
    END IF;
END
$$;
COMMENT ON FUNCTION sim.maintain_changes(bigint) IS
    'Create the change record''s partitions ahead of tick and drop those past sim.change_retention';

-- The oldest tick a client may resume from (changes_since(t) needs t >= it).
CREATE FUNCTION sim.change_horizon() RETURNS bigint
AS 'MODULE_PATHNAME', 'sim_change_horizon'
LANGUAGE C VOLATILE;
COMMENT ON FUNCTION sim.change_horizon() IS
    'The oldest tick sim.changes_since and sim.delta accept: every change after it is kept';

-- The current epoch, after checking the caller's: SM012 when epoch is not
-- NULL and not the current one (the universe was generated, rolled back or
-- imported since the caller read it).  55000 without a universe.
CREATE FUNCTION sim.check_epoch(epoch bigint) RETURNS bigint
LANGUAGE plpgsql STABLE AS $$
DECLARE
    cur     bigint;
BEGIN
    SELECT w.epoch INTO cur FROM sim.world w;
    IF NOT FOUND THEN
        RAISE EXCEPTION 'there is no universe'
            USING ERRCODE = 'object_not_in_prerequisite_state',
                  HINT = 'Create one with sim.generate_universe().';
    END IF;
    IF $1 IS NOT NULL AND $1 <> cur THEN
        RAISE EXCEPTION 'epoch % is not the current epoch %', $1, cur
            USING ERRCODE = 'SM012',
                  DETAIL = 'The universe was replaced (generated, rolled back or imported) after the caller read it: its ticks are not the ones the caller follows.',
                  HINT = 'Reload the state (sim.delta_state, or SELECT the tables) and follow the changes of the current epoch from its tick.';
    END IF;
    RETURN cur;
END
$$;
COMMENT ON FUNCTION sim.check_epoch(bigint) IS
    'The current universe epoch; SM012 when the given one (NULL: not checked) is not it';

-- Check that the changes after since up to until can be read in full, and
-- hold off partition drops while the caller reads them.  The horizon is read
-- after the lock and as last committed, so even a REPEATABLE READ snapshot
-- older than a drop gets SM010 rather than a silent gap.  The epoch is
-- checked first (sim.check_epoch): a client of a replaced universe gets
-- SM012, whatever its tick.  Returns until, or the last committed tick when
-- until is NULL.
CREATE FUNCTION sim.check_change_range(since bigint, until bigint DEFAULT NULL, epoch bigint DEFAULT NULL)
RETURNS bigint
LANGUAGE plpgsql AS $$
DECLARE
    cur     bigint;
    hz      bigint;
BEGIN
    IF since IS NULL THEN
        RAISE EXCEPTION 'the starting tick must not be null'
            USING ERRCODE = 'null_value_not_allowed';
    END IF;
    LOCK TABLE sim.change IN ACCESS SHARE MODE;
    PERFORM sim.check_epoch($3);
    SELECT w.tick INTO cur FROM sim.world w;
    hz := coalesce(sim.change_horizon(), cur);
    IF since < hz THEN
        RAISE EXCEPTION 'changes since tick % are no longer kept', since
            USING ERRCODE = 'SM010',
                  DETAIL = format('The change record keeps the ticks after %s.', hz),
                  HINT = format('Resume from tick %s or later: reload the state with SELECT and follow the changes since then.', hz);
    END IF;
    IF since > cur THEN
        RAISE EXCEPTION 'tick % has not happened yet', since
            USING ERRCODE = 'invalid_parameter_value',
                  DETAIL = format('The last committed tick is %s.', cur);
    END IF;
    IF until IS NULL THEN
        RETURN cur;
    END IF;
    IF until < since OR until > cur THEN
        RAISE EXCEPTION 'tick range % to % is not within % to %', since, until, since, cur
            USING ERRCODE = 'invalid_parameter_value',
                  HINT = 'The end of the range must be between its start and the last committed tick.';
    END IF;
    RETURN until;
END
$$;
COMMENT ON FUNCTION sim.check_change_range(bigint, bigint, bigint) IS
    'Validate a range of the change record (SM012 for another epoch, SM010 past the horizon) and return its last tick';

-- The change feed: every change after tick since, up to the last committed
-- tick, in the order they were made; optionally only some sectors' changes
-- (at most sim.limit('sectors') of them: 54000 beyond), and only if the
-- universe's epoch is the given one (SM012; NULL: not checked).  Each row
-- carries the epoch read with it, in the same snapshot.  The rows are
-- bounded by the retention, and RETURN QUERY keeps them in a tuplestore
-- that spills to disk past work_mem.  PL/pgSQL cannot name an argument and
-- a result column alike, so sim.changes_since is this function renamed.
CREATE FUNCTION sim.change_feed(since bigint, sectors integer[], want_epoch bigint)
RETURNS TABLE (tick bigint, seq bigint, kind text, id bigint, sub_id integer, sector_id integer, data jsonb,
               row_epoch bigint)
LANGUAGE plpgsql AS $$
DECLARE
    until   bigint;
BEGIN
    PERFORM sim.bounded_array(sectors, 'sectors', 'sectors');
    until := sim.check_change_range(since, NULL, want_epoch);
    RETURN QUERY
    SELECT c.tick, c.seq, k.name, c.id, c.sub_id, c.sector_id, sim.change_data(c.kind, c.val), w.epoch
      FROM sim.change c JOIN sim.change_kind k ON k.kind = c.kind
     CROSS JOIN sim.world w
     WHERE c.tick > since AND c.tick <= until
       AND (sectors IS NULL OR c.sector_id = ANY (sectors))
     ORDER BY c.tick, c.seq;
END
$$;
COMMENT ON FUNCTION sim.change_feed(bigint, integer[], bigint) IS
    'sim.changes_since''s body (its epoch column named row_epoch)';

CREATE FUNCTION sim.changes_since(since bigint, sectors integer[] DEFAULT NULL, epoch bigint DEFAULT NULL)
RETURNS TABLE (tick bigint, seq bigint, kind text, id bigint, sub_id integer, sector_id integer, data jsonb,
               epoch bigint)
LANGUAGE sql AS $$
    SELECT f.tick, f.seq, f.kind, f.id, f.sub_id, f.sector_id, f.data, f.row_epoch
      FROM sim.change_feed(since, sectors, changes_since.epoch) f
$$;
COMMENT ON FUNCTION sim.changes_since(bigint, integer[], bigint) IS
    'Every change after a tick up to the last committed one, ordered, each with the universe''s epoch (SM012 when the given epoch is not the current one; SM010 when that tick is past the retention; 54000 for more than sim.limit(''sectors'') sectors)';

-- Logical replication: one publication of every table that holds the
-- universe (the tables whose rows pg_dump keeps, see finish.sql).  The change
-- record and the extension's fixed tables are left out: a subscriber installs
-- those itself with CREATE EXTENSION sim.
CREATE FUNCTION sim.create_publication(name text DEFAULT 'sim') RETURNS text
LANGUAGE plpgsql AS $$
DECLARE
    tables  text;
BEGIN
    IF name IS NULL OR name = '' THEN
        RAISE EXCEPTION 'a publication needs a name'
            USING ERRCODE = 'invalid_parameter_value';
    END IF;
    IF octet_length(name) > current_setting('max_identifier_length')::integer THEN
        RAISE EXCEPTION 'publication name "%" is too long', sim.echo(name)
            USING ERRCODE = 'name_too_long',
                  DETAIL = format('It has %s bytes; a name has at most %s.', octet_length(name),
                                  current_setting('max_identifier_length')),
                  HINT = 'Choose a shorter name.';
    END IF;
    SELECT string_agg(format('sim.%I', c.relname), ', ' ORDER BY c.relname) INTO tables
      FROM pg_catalog.pg_extension e
     CROSS JOIN LATERAL unnest(e.extconfig) AS x(oid)
      JOIN pg_catalog.pg_class c ON c.oid = x.oid
     WHERE e.extname = 'sim' AND c.relkind IN ('r', 'p');
    -- the history's partitioned tables through their parents: a subscriber
    -- has partitions of its own (sql/history.sql)
    EXECUTE format('CREATE PUBLICATION %I FOR TABLE %s WITH (publish_via_partition_root = true)', name, tables);
    IF current_setting('wal_level') <> 'logical' THEN
        RAISE WARNING 'wal_level is "%", so nothing can subscribe to publication "%" yet',
                      current_setting('wal_level'), sim.echo(name)
            USING HINT = 'Set wal_level = logical and restart the server.';
    END IF;
    RETURN name;
END
$$;
COMMENT ON FUNCTION sim.create_publication(text) IS
    'Create a publication of every table of the universe, for logical replication (subscribers run CREATE EXTENSION sim first)';

-- Binary deltas (format: docs/delta-format.md).
-- The header carries the universe's epoch; with epoch given, SM012 when it
-- is not the current one.
CREATE FUNCTION sim.delta(from_tick bigint, to_tick bigint, sectors integer[] DEFAULT NULL,
                          compress boolean DEFAULT true, epoch bigint DEFAULT NULL)
RETURNS bytea
AS 'MODULE_PATHNAME', 'sim_delta'
LANGUAGE C VOLATILE;
COMMENT ON FUNCTION sim.delta(bigint, bigint, integer[], boolean, bigint) IS
    'The changes in (from_tick, to_tick], optionally of some sectors (at most sim.limit(''sectors'')), as one compact LZ4-compressed byte string whose header carries the epoch (SM012 when the given epoch is not the current one)';

-- The current state as one delta (docs/delta-format.md, "The state of a
-- universe as a delta"): a ship record per ship and a stock record per
-- market at the current tick T, range (T - 1, T], seq 0.
CREATE FUNCTION sim.delta_state(sectors integer[] DEFAULT NULL, epoch bigint DEFAULT NULL)
RETURNS bytea
AS 'MODULE_PATHNAME', 'sim_delta_state'
LANGUAGE C STABLE;
COMMENT ON FUNCTION sim.delta_state(integer[], bigint) IS
    'Every ship, hold entry and market of some sectors (all when NULL, at most sim.limit(''sectors'')) at the current tick and epoch, as one delta that sim.delta continues (SM012 when the given epoch is not the current one)';

-- epoch is the header's (NULL for a version 1 delta, which has none).
CREATE FUNCTION sim.delta_records(delta bytea)
RETURNS TABLE (tick bigint, seq bigint, kind smallint, id bigint, sub_id integer, sector_id integer,
               val double precision[], epoch bigint)
AS 'MODULE_PATHNAME', 'sim_delta_records'
LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION sim.delta_records(bytea) IS
    'The records of a delta as stored in sim.change, each with the header''s epoch (22P03 when the bytes are not a valid delta)';

CREATE FUNCTION sim.delta_decode(delta bytea)
RETURNS TABLE (tick bigint, seq bigint, kind text, id bigint, sub_id integer, sector_id integer, data jsonb,
               epoch bigint)
LANGUAGE sql STABLE STRICT AS $$
    SELECT r.tick, r.seq, coalesce(k.name, r.kind::text), r.id, r.sub_id, r.sector_id,
           sim.change_data(r.kind, r.val), r.epoch
      FROM sim.delta_records(delta) r LEFT JOIN sim.change_kind k ON k.kind = r.kind
$$;
COMMENT ON FUNCTION sim.delta_decode(bytea) IS
    'The changes in a delta, as sim.changes_since returns them (22P03 when the bytes are not a valid delta)';

CREATE FUNCTION sim.delta_info(delta bytea,
                               OUT from_tick bigint, OUT to_tick bigint, OUT records bigint,
                               OUT raw_bytes bigint, OUT packed_bytes bigint,
                               OUT version integer, OUT epoch bigint)
AS 'MODULE_PATHNAME', 'sim_delta_info'
LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION sim.delta_info(bytea) IS
    'A delta''s tick range, record count, size before and after compression, format version and epoch (NULL in version 1) (checks all of it)';

-- Tell followers that the universe was replaced (rollback, import): at the
-- caller's commit, a sim_tick notification with a tick's shape at the
-- current tick and new epoch, nothing counted, and "reload": true
-- (src/notify.c, docs/clients.md).
CREATE FUNCTION sim.notify_epoch() RETURNS void
AS 'MODULE_PATHNAME', 'sim_notify_epoch'
LANGUAGE C VOLATILE;
COMMENT ON FUNCTION sim.notify_epoch() IS
    'Notify sim_tick followers (at commit) that the universe has a new epoch and must be reloaded';
