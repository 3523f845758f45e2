-- sim: history with retention, and its rollups.
--
-- The raw history -- sim.trade, sim.ship_event, sim.ledger, sim.journal (by
-- tick), sim.price_history (by period_start) and sim.command (by
-- issued_tick) -- is
-- partitioned by range of tick, as sim.history_table lists.  The tick keeps
-- partitions ready for its ticks and drops those wholly older than
-- sim.history_policy.raw_retention_ticks, never waiting for a reader: the
-- drop takes its locks with NOWAIT and is tried again on a later tick.  A
-- partition of sim.command that still holds a pending command is not dropped.
--
-- Periods follow each other from tick 0.  A period starting at p ends at the
-- first tick e >= p + period_ticks (e = p + period_ticks while ticks follow
-- each other and the policy stays); at the start of tick e, before that tick
-- changes anything, the tick rolls [p, e) up:
-- one INSERT ... SELECT per rollup table from the period's raw rows and, for
-- what is measured at the period's end (quotes, money, wallets, ships), from
-- the live tables.  Rollups are kept rollup_retention_ticks.
--
-- Partitions of sim.trade, sim.ship_event, sim.ledger, sim.journal and sim.command are
-- not members of the extension: pg_dump writes them (their CREATE TABLE,
-- ATTACH PARTITION, rows and indexes) under the extension's parent tables,
-- so a restored universe keeps its history; DROP EXTENSION drops them with
-- their parents.  For that, those parents have no index of their own: an
-- index on a parent would be created on each partition again when a restore
-- attaches it, and then once more from the dump.  Each partition gets the
-- primary key and indexes sim.history_table lists -- add an index there,
-- never on a parent.  sim.price_history keeps its primary key on the parent
-- (the tick's upsert names it), so its partitions are members of the
-- extension like sim.change's: a dump leaves them out (the rollups keep its
-- OHLCV), and a restored universe starts it afresh.  The catalog is the one
-- list of partitions (sim.history_partition).

-- The six partitioned tables (sim.journal is created in sql/replay.sql), the column each is partitioned by, whether
-- its partitions are members of the extension, and the primary key and
-- indexes of each partition.
CREATE TABLE sim.history_table (
    name        text PRIMARY KEY,
    key_column  text NOT NULL,
    member      boolean NOT NULL,
    indexes     text[] NOT NULL
);
COMMENT ON TABLE sim.history_table IS
    'The raw history tables: partitioned by range of the tick in key_column, partitions members of the extension or not, and each partition''s primary key and indexes';
INSERT INTO sim.history_table (name, key_column, member, indexes) VALUES
    ('command', 'issued_tick', false,
     ARRAY['PRIMARY KEY (id, issued_tick)', '(id) WHERE status = ''pending''', '(ship_id)',
           '(player_id) WHERE player_id IS NOT NULL']),
    ('journal', 'tick', false, ARRAY['PRIMARY KEY (seq, tick)', '(tick, seq)']),
    ('ledger', 'tick', false, ARRAY['PRIMARY KEY (id, tick)', 'USING brin (tick)']),
    ('price_history', 'period_start', true, ARRAY[]::text[]),
    ('ship_event', 'tick', false, ARRAY['PRIMARY KEY (id, tick)', '(ship_id, tick)', 'USING brin (tick)']),
    -- realised routes by ship, markets' trades, a faction's trades (api), time ranges
    ('trade', 'tick', false,
     ARRAY['PRIMARY KEY (id, tick)', '(station_id, good_id, tick)',
           '(buyer_ship, tick) WHERE buyer_ship IS NOT NULL', '(seller_ship, tick) WHERE seller_ship IS NOT NULL',
           '(buyer_faction, tick)', '(seller_faction, tick)', 'USING brin (tick)']);

-- The policy: one row, created with the extension and kept across
-- sim.reset_universe.  Changing it is an operator's UPDATE; the CHECKs say
-- what a policy must satisfy.  A period is made of whole partitions
-- (period_ticks is a multiple of partition_ticks), so the rollup of a period
-- reads whole partitions, and raw rows are kept at least a period, so a
-- period's rows are all there when it ends.
CREATE TABLE sim.history_policy (
    id                      boolean PRIMARY KEY DEFAULT true CHECK (id),
    period_ticks            integer NOT NULL DEFAULT 3600
        CONSTRAINT history_policy_period_positive CHECK (period_ticks >= 1),
    partition_ticks         integer NOT NULL DEFAULT 3600
        CONSTRAINT history_policy_partition_positive CHECK (partition_ticks >= 1),
    raw_retention_ticks     bigint NOT NULL DEFAULT 86400,
    rollup_retention_ticks  bigint NOT NULL DEFAULT 31536000,
    CONSTRAINT history_policy_period_of_whole_partitions CHECK (period_ticks % partition_ticks = 0),
    CONSTRAINT history_policy_raw_kept_a_partition CHECK (raw_retention_ticks >= partition_ticks),
    CONSTRAINT history_policy_raw_kept_a_period CHECK (raw_retention_ticks >= period_ticks),
    CONSTRAINT history_policy_rollups_outlive_raw CHECK (rollup_retention_ticks >= raw_retention_ticks)
);
COMMENT ON TABLE sim.history_policy IS
    'How history is kept (one row): rollup period, partition width, and how many ticks raw rows and rollups are kept';
COMMENT ON COLUMN sim.history_policy.period_ticks IS 'Length of a rollup period in ticks (a multiple of partition_ticks)';
COMMENT ON COLUMN sim.history_policy.partition_ticks IS 'Ticks per partition of the raw history tables';
COMMENT ON COLUMN sim.history_policy.raw_retention_ticks IS 'Raw rows of the last this many ticks are kept (at least a partition and a period)';
COMMENT ON COLUMN sim.history_policy.rollup_retention_ticks IS 'Rollups of periods that ended in the last this many ticks are kept (at least raw_retention_ticks)';
INSERT INTO sim.history_policy DEFAULT VALUES;

-- The row is always there: inserting one (as a restore does) replaces it,
-- deleting it is refused, and a new raw retention must keep every pending
-- command.
CREATE FUNCTION sim.history_policy_guard() RETURNS trigger
LANGUAGE plpgsql AS $$
DECLARE
    oldest  bigint;
BEGIN
    IF TG_OP = 'DELETE' THEN
        RAISE EXCEPTION 'the history policy cannot be deleted'
            USING ERRCODE = 'object_not_in_prerequisite_state',
                  HINT = 'UPDATE sim.history_policy to change it.';
    END IF;
    IF TG_OP = 'INSERT' AND EXISTS (SELECT 1 FROM sim.history_policy) THEN
        UPDATE sim.history_policy SET period_ticks = NEW.period_ticks, partition_ticks = NEW.partition_ticks,
               raw_retention_ticks = NEW.raw_retention_ticks, rollup_retention_ticks = NEW.rollup_retention_ticks;
        RETURN NULL;
    END IF;
    SELECT min(c.issued_tick) INTO oldest FROM sim.command c WHERE c.status = 'pending';
    IF oldest IS NOT NULL AND oldest <= (SELECT w.tick FROM sim.world w) - NEW.raw_retention_ticks THEN
        RAISE EXCEPTION 'a raw retention of % ticks would drop pending commands', NEW.raw_retention_ticks
            USING ERRCODE = 'invalid_parameter_value',
                  DETAIL = format('A command issued at tick %s is still pending.', oldest),
                  HINT = 'Keep more ticks, or let the tick apply the pending commands first.';
    END IF;
    RETURN NEW;
END
$$;
CREATE TRIGGER history_policy_guard BEFORE INSERT OR UPDATE OR DELETE ON sim.history_policy
    FOR EACH ROW EXECUTE FUNCTION sim.history_policy_guard();
-- also when a logical replication subscriber copies the publisher's row
ALTER TABLE sim.history_policy ENABLE ALWAYS TRIGGER history_policy_guard;

-- The periods rolled up, with their ends (periods follow each other; a
-- policy change applies from the next period).
CREATE TABLE sim.history_period (
    period_start    bigint PRIMARY KEY CHECK (period_start >= 0),
    period_end      bigint NOT NULL CHECK (period_end > period_start),
    rolled_tick     bigint NOT NULL CHECK (rolled_tick >= period_end)
);
COMMENT ON TABLE sim.history_period IS
    'Rollup periods: ticks [period_start, period_end), rolled up at the start of tick rolled_tick (when the end-of-period figures were taken)';

CREATE TABLE sim.market_period (
    period_start    bigint NOT NULL,
    station_id      integer NOT NULL,
    good_id         integer NOT NULL,
    open            bigint,
    high            bigint,
    low             bigint,
    close           bigint,
    volume          bigint NOT NULL CHECK (volume >= 0),
    trades          integer NOT NULL CHECK (trades >= 0),
    value           bigint NOT NULL CHECK (value >= 0),
    tax             bigint NOT NULL CHECK (tax >= 0),
    bid             bigint,
    ask             bigint,
    stock           bigint,
    target          bigint,
    PRIMARY KEY (period_start, station_id, good_id),
    CHECK ((trades = 0) = (open IS NULL) AND (open IS NULL) = (close IS NULL)
           AND (open IS NULL) = (high IS NULL) AND (open IS NULL) = (low IS NULL)),
    CHECK (low <= open AND low <= close AND high >= open AND high >= close)
);
COMMENT ON TABLE sim.market_period IS
    'Per period, station and good: OHLCV of market, order and refuel trades (not contracts), and the quote at the period''s end';
COMMENT ON COLUMN sim.market_period.value IS 'Sum of qty * price';
COMMENT ON COLUMN sim.market_period.bid IS 'The station''s bid at the period''s end (NULL: no market then)';
CREATE INDEX market_period_good ON sim.market_period (good_id, station_id, period_start);

CREATE TABLE sim.sector_market_period (
    period_start    bigint NOT NULL,
    sector_id       integer NOT NULL,
    good_id         integer NOT NULL,
    open            bigint,
    high            bigint,
    low             bigint,
    close           bigint,
    volume          bigint NOT NULL CHECK (volume >= 0),
    trades          integer NOT NULL CHECK (trades >= 0),
    value           bigint NOT NULL CHECK (value >= 0),
    tax             bigint NOT NULL CHECK (tax >= 0),
    bid_best        bigint,
    ask_best        bigint,
    PRIMARY KEY (period_start, sector_id, good_id)
);
COMMENT ON TABLE sim.sector_market_period IS
    'Per period, sector and good: OHLCV of the sector''s market, order and refuel trades, and the best bid (max) and ask (min) at the period''s end';

CREATE TABLE sim.flow_period (
    period_start    bigint NOT NULL,
    sector_id       integer NOT NULL,
    flow            text NOT NULL CHECK (flow IN ('faucet', 'sink')),
    reason          text NOT NULL,
    good_id         integer NOT NULL,
    amount          bigint NOT NULL CHECK (amount > 0),
    entries         bigint NOT NULL CHECK (entries > 0),
    PRIMARY KEY (period_start, sector_id, flow, reason, good_id)
);
COMMENT ON TABLE sim.flow_period IS
    'The ledger summed per period, sector (0: no location), flow, reason and good (0: credits)';

CREATE TABLE sim.money_period (
    period_start    bigint NOT NULL,
    holder          text NOT NULL CHECK (holder IN ('faction', 'player', 'order_escrow', 'contract_escrow')),
    credits         bigint NOT NULL,
    holders         integer NOT NULL CHECK (holders >= 0),
    PRIMARY KEY (period_start, holder)
);
COMMENT ON TABLE sim.money_period IS
    'Money at the period''s end by holder class: wallets of factions and of players'' factions, escrow of open buy orders and of open or accepted contracts (holders: wallets, orders or contracts)';

CREATE TABLE sim.wallet_period (
    period_start    bigint NOT NULL,
    faction_id      integer NOT NULL,
    credits         bigint NOT NULL,
    escrow          bigint NOT NULL CHECK (escrow >= 0),
    PRIMARY KEY (period_start, faction_id)
);
COMMENT ON TABLE sim.wallet_period IS
    'Each faction''s wallet at the period''s end, and the escrow of its open buy orders and open or accepted contracts';

CREATE TABLE sim.ship_period (
    period_start    bigint NOT NULL,
    sector_id       integer NOT NULL,
    role            text NOT NULL,
    state           text NOT NULL,
    ships           integer NOT NULL CHECK (ships > 0),
    stranded        integer NOT NULL CHECK (stranded >= 0 AND stranded <= ships),
    PRIMARY KEY (period_start, sector_id, role, state)
);
COMMENT ON TABLE sim.ship_period IS
    'Ships at the period''s end by sector, role and state, and how many of them are stranded (sim.stranded_ship)';

-- The partitions of the raw history, from the catalog: parent table, name,
-- and the ticks [lo, hi) each holds.  A partition is named after its parent
-- and its bounds, parent_lo_hi (sim.history_cover names them), which is
-- cheaper to read every tick than its bound expression.
CREATE FUNCTION sim.history_partitions()
RETURNS TABLE (parent text, name text, lo bigint, hi bigint)
LANGUAGE sql STABLE AS $$
    SELECT t.name, c.relname::text, b.m[1]::bigint, b.m[2]::bigint
      FROM sim.history_table t
      JOIN pg_catalog.pg_inherits i ON i.inhparent = pg_catalog.to_regclass('sim.' || t.name)
      JOIN pg_catalog.pg_class c ON c.oid = i.inhrelid
     CROSS JOIN LATERAL (SELECT regexp_match(c.relname::text, '_(\d+)_(\d+)$') AS m) b
$$;
COMMENT ON FUNCTION sim.history_partitions() IS
    'The partitions of the raw history tables and the ticks [lo, hi) each holds, read from the catalog';

CREATE VIEW sim.history_partition AS
SELECT h.parent, h.name, h.lo, h.hi,
       pg_catalog.pg_total_relation_size(format('sim.%I', h.name)::regclass) AS bytes
  FROM sim.history_partitions() h;
COMMENT ON VIEW sim.history_partition IS
    'The partitions of the raw history: parent table, partition, ticks [lo, hi) and bytes on disk (with indexes)';

-- The partition key of the rows written at tick: the tick, except in
-- sim.price_history, whose rows are keyed by the start of their price period
-- (sim.economy.price_period_ticks) and updated until it ends.
CREATE FUNCTION sim.history_key(tab text, tick bigint) RETURNS bigint
LANGUAGE sql STABLE AS $$
    SELECT CASE WHEN tab = 'price_history'
                THEN tick - tick % coalesce((SELECT e.price_period_ticks FROM sim.economy e), 1)
                ELSE tick END
$$;
COMMENT ON FUNCTION sim.history_key(text, bigint) IS
    'The partition key of the rows a history table gets at a tick (price_history: the price period''s start)';

-- Make sure every history table has a partition holding the rows of tick
-- (sim.history_key): a missing one
-- is created, partition_ticks wide and aligned to it, or narrower where it
-- meets an existing partition.  Created with CREATE TABLE and ATTACH
-- PARTITION, which do not wait for readers of the parent.
CREATE FUNCTION sim.history_cover(tick bigint) RETURNS void
LANGUAGE plpgsql SECURITY DEFINER AS $$
DECLARE
    width   bigint := coalesce((SELECT p.partition_ticks FROM sim.history_policy p), 3600);
    r       record;
    lo      bigint;
    hi      bigint;
    pname   text;
    ix      text;
BEGIN
    FOR r IN SELECT t.name, t.member, t.indexes, k.k,
                    bool_or(h.lo <= k.k AND k.k < h.hi) AS covered,
                    max(h.hi) FILTER (WHERE h.hi <= k.k) AS below,
                    min(h.lo) FILTER (WHERE h.lo > k.k) AS above
               FROM sim.history_table t
              CROSS JOIN LATERAL (SELECT sim.history_key(t.name, tick) AS k) k
               LEFT JOIN sim.history_partitions() h ON h.parent = t.name
              GROUP BY t.name, t.member, t.indexes, k.k ORDER BY t.name LOOP
        CONTINUE WHEN r.covered;
        lo := greatest(r.k - (r.k % width + width) % width, r.below);
        hi := least(lo + width, r.above);
        pname := format('%s_%s_%s', r.name, lo, hi);
        EXECUTE format('CREATE TABLE sim.%I (LIKE sim.%I INCLUDING DEFAULTS INCLUDING CONSTRAINTS)',
                       pname, r.name);
        FOREACH ix IN ARRAY r.indexes LOOP
            IF ix LIKE 'PRIMARY KEY%' THEN
                EXECUTE format('ALTER TABLE sim.%I ADD %s', pname, ix);
            ELSE
                EXECUTE format('CREATE INDEX ON sim.%I %s', pname, ix);
            END IF;
        END LOOP;
        IF (SELECT c.relreplident FROM pg_catalog.pg_class c WHERE c.oid = format('sim.%I', r.name)::regclass) = 'f' THEN
            EXECUTE format('ALTER TABLE sim.%I REPLICA IDENTITY FULL', pname);   -- as its parent
        END IF;
        EXECUTE format('ALTER TABLE sim.%I ATTACH PARTITION sim.%I FOR VALUES FROM (%s) TO (%s)',
                       r.name, pname, lo, hi);
        IF r.member THEN
            EXECUTE format('ALTER EXTENSION sim ADD TABLE sim.%I', pname);
        ELSE
            EXECUTE format('GRANT SELECT ON sim.%I TO sim_operator', pname);   -- dumped with it
        END IF;
    END LOOP;
END
$$;
COMMENT ON FUNCTION sim.history_cover(bigint) IS
    'Create the partitions of the raw history tables that hold tick, where missing';

-- Drop a partition of the raw history (leaving the extension first if a member).
CREATE FUNCTION sim.drop_history_partition(name text, member boolean) RETURNS void
LANGUAGE plpgsql AS $$
BEGIN
    IF member THEN
        EXECUTE format('ALTER EXTENSION sim DROP TABLE sim.%I', name);
    END IF;
    EXECUTE format('DROP TABLE sim.%I', name);
END
$$;
COMMENT ON FUNCTION sim.drop_history_partition(text, boolean) IS
    'Drop one partition of the raw history tables';

-- Start the raw history afresh (sim.reset_universe): drop every partition
-- and make those of tick 0 under the policy of the time.
CREATE FUNCTION sim.reset_history() RETURNS void
LANGUAGE plpgsql SECURITY DEFINER AS $$
DECLARE
    r   record;
BEGIN
    FOR r IN SELECT h.name, t.member FROM sim.history_partitions() h JOIN sim.history_table t ON t.name = h.parent
              ORDER BY h.parent, h.lo LOOP
        PERFORM sim.drop_history_partition(r.name, r.member);
    END LOOP;
    PERFORM sim.history_cover(0);
END
$$;
COMMENT ON FUNCTION sim.reset_history() IS
    'Drop every partition of the raw history tables and make those of tick 0 (the universe is being emptied)';

-- A universe's first tick is covered as soon as it exists (a restore finds
-- its partitions there already).
CREATE FUNCTION sim.world_history() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    PERFORM sim.history_cover(NEW.tick);
    RETURN NULL;
END
$$;
CREATE TRIGGER world_history AFTER INSERT ON sim.world
    FOR EACH ROW EXECUTE FUNCTION sim.world_history();
-- also on a logical replication subscriber, which has its own partitions
ALTER TABLE sim.world ENABLE ALWAYS TRIGGER world_history;

-- The rollups of the period [p, e), in one INSERT per table (after deleting
-- what a recomputation replaces).  The OHLCV
-- and flows come from the period's raw rows.  The figures at the period's
-- end come from the live tables when live (the tick calls it at the start
-- of tick e, before anything changes); otherwise those already stored for
-- the period are kept.  at_tick is the tick at whose start it is written.
CREATE FUNCTION sim.rollup_period(p bigint, e bigint, live boolean, at_tick bigint) RETURNS void
LANGUAGE plpgsql AS $$
BEGIN
    IF live THEN
        DELETE FROM sim.market_period m WHERE m.period_start = p;
    END IF;
    WITH q AS (
        SELECT m.station_id, m.good_id, m.bid, m.ask, m.stock, m.target FROM sim.market m WHERE live
        UNION ALL
        SELECT o.station_id, o.good_id, o.bid, o.ask, o.stock, o.target
          FROM sim.market_period o WHERE o.period_start = p AND NOT live),
    t AS (
        SELECT tr.station_id, tr.good_id,
               (array_agg(tr.price ORDER BY tr.tick, tr.id))[1] AS open,
               max(tr.price) AS high, min(tr.price) AS low,
               (array_agg(tr.price ORDER BY tr.tick DESC, tr.id DESC))[1] AS close,
               sum(tr.qty) AS volume, count(*) AS trades, sum(tr.qty * tr.price) AS value,
               sum(tr.tax) AS tax
          FROM sim.trade tr
         WHERE tr.tick >= p AND tr.tick < e AND tr.kind <> 'contract'
         GROUP BY tr.station_id, tr.good_id)
    INSERT INTO sim.market_period AS m (period_start, station_id, good_id, open, high, low, close,
                                        volume, trades, value, tax, bid, ask, stock, target)
    SELECT p, coalesce(q.station_id, t.station_id), coalesce(q.good_id, t.good_id),
           t.open, t.high, t.low, t.close, coalesce(t.volume, 0), coalesce(t.trades, 0),
           coalesce(t.value, 0), coalesce(t.tax, 0), q.bid, q.ask, q.stock, q.target
      FROM q FULL JOIN t ON t.station_id = q.station_id AND t.good_id = q.good_id
    ON CONFLICT (period_start, station_id, good_id) DO UPDATE
       SET open = excluded.open, high = excluded.high, low = excluded.low, close = excluded.close,
           volume = excluded.volume, trades = excluded.trades, value = excluded.value, tax = excluded.tax,
           bid = excluded.bid, ask = excluded.ask, stock = excluded.stock, target = excluded.target;

    DELETE FROM sim.sector_market_period s WHERE s.period_start = p;
    WITH q AS (
        SELECT st.sector_id, m.good_id, max(m.bid) AS bid_best, min(m.ask) AS ask_best
          FROM sim.market_period m JOIN sim.station st ON st.id = m.station_id
         WHERE m.period_start = p AND m.bid IS NOT NULL
         GROUP BY st.sector_id, m.good_id),
    t AS (
        SELECT st.sector_id, tr.good_id,
               (array_agg(tr.price ORDER BY tr.tick, tr.id))[1] AS open,
               max(tr.price) AS high, min(tr.price) AS low,
               (array_agg(tr.price ORDER BY tr.tick DESC, tr.id DESC))[1] AS close,
               sum(tr.qty) AS volume, count(*) AS trades, sum(tr.qty * tr.price) AS value,
               sum(tr.tax) AS tax
          FROM sim.trade tr JOIN sim.station st ON st.id = tr.station_id
         WHERE tr.tick >= p AND tr.tick < e AND tr.kind <> 'contract'
         GROUP BY st.sector_id, tr.good_id)
    INSERT INTO sim.sector_market_period (period_start, sector_id, good_id, open, high, low, close,
                                          volume, trades, value, tax, bid_best, ask_best)
    SELECT p, coalesce(q.sector_id, t.sector_id), coalesce(q.good_id, t.good_id),
           t.open, t.high, t.low, t.close, coalesce(t.volume, 0), coalesce(t.trades, 0),
           coalesce(t.value, 0), coalesce(t.tax, 0), q.bid_best, q.ask_best
      FROM q FULL JOIN t ON t.sector_id = q.sector_id AND t.good_id = q.good_id;

    DELETE FROM sim.flow_period f WHERE f.period_start = p;
    INSERT INTO sim.flow_period (period_start, sector_id, flow, reason, good_id, amount, entries)
    SELECT p, coalesce(l.sector_id, 0), l.flow, l.reason, coalesce(l.good_id, 0), sum(l.amount), count(*)
      FROM sim.ledger l
     WHERE l.tick >= p AND l.tick < e
     GROUP BY 2, 3, 4, 5;

    IF live THEN
        DELETE FROM sim.money_period m WHERE m.period_start = p;
        INSERT INTO sim.money_period (period_start, holder, credits, holders)
        SELECT p, h.holder, coalesce(sum(h.credits), 0), count(h.credits)
          FROM (SELECT CASE WHEN EXISTS (SELECT 1 FROM sim.player pl WHERE pl.faction_id = w.faction_id)
                            THEN 'player' ELSE 'faction' END AS holder, w.credits
                  FROM sim.wallet w
                UNION ALL
                SELECT 'order_escrow', o.escrow FROM sim.market_order o
                 WHERE o.status = 'open' AND o.side = 'buy'
                UNION ALL
                SELECT 'contract_escrow', c.escrow FROM sim.contract c
                 WHERE c.status IN ('open', 'accepted')
                UNION ALL
                SELECT k.holder, NULL
                  FROM unnest(ARRAY['faction', 'player', 'order_escrow', 'contract_escrow']) AS k(holder)) h
         GROUP BY h.holder;

        DELETE FROM sim.wallet_period w WHERE w.period_start = p;
        INSERT INTO sim.wallet_period (period_start, faction_id, credits, escrow)
        SELECT p, w.faction_id, w.credits,
               coalesce((SELECT sum(o.escrow) FROM sim.market_order o
                          WHERE o.faction_id = w.faction_id AND o.status = 'open' AND o.side = 'buy'), 0)
               + coalesce((SELECT sum(c.escrow) FROM sim.contract c
                            WHERE c.issuer_faction = w.faction_id AND c.status IN ('open', 'accepted')), 0)
          FROM sim.wallet w;

        DELETE FROM sim.ship_period s WHERE s.period_start = p;
        INSERT INTO sim.ship_period (period_start, sector_id, role, state, ships, stranded)
        SELECT p, s.sector_id, s.role, s.state, count(*), count(x.ship_id)
          FROM sim.ship s
          LEFT JOIN (SELECT DISTINCT ss.ship_id FROM sim.stranded_ship ss) x ON x.ship_id = s.id
         GROUP BY s.sector_id, s.role, s.state;
    END IF;

    INSERT INTO sim.history_period AS hp (period_start, period_end, rolled_tick)
    VALUES (p, e, at_tick)
    ON CONFLICT (period_start) DO UPDATE
       SET rolled_tick = CASE WHEN live THEN excluded.rolled_tick ELSE hp.rolled_tick END;
END
$$;
COMMENT ON FUNCTION sim.rollup_period(bigint, bigint, boolean, bigint) IS
    'Write the rollups of ticks [p, e) at the start of tick at_tick (end-of-period figures from the live tables when live, else kept)';

-- An operator recomputes one period's rollups from the raw rows, for
-- instance after changing the policy.  The figures at the period's end are
-- taken from the live tables only when the period ended with the last tick
-- (the live tables are then its end); otherwise those stored are kept.
CREATE FUNCTION sim.rollup(period_start bigint) RETURNS void
LANGUAGE plpgsql AS $$
DECLARE
    cur     bigint := (SELECT w.tick FROM sim.world w);
    e       bigint;
    oldest  bigint;
BEGIN
    IF period_start IS NULL THEN
        RAISE EXCEPTION 'the period''s first tick must not be null'
            USING ERRCODE = 'null_value_not_allowed';
    END IF;
    IF cur IS NULL THEN
        RAISE EXCEPTION 'there is no universe'
            USING ERRCODE = 'object_not_in_prerequisite_state',
                  HINT = 'Create one with sim.generate_universe().';
    END IF;
    SELECT hp.period_end INTO e FROM sim.history_period hp WHERE hp.period_start = rollup.period_start;
    IF e IS NULL THEN
        IF period_start IS DISTINCT FROM coalesce((SELECT max(hp.period_end) FROM sim.history_period hp), 0) THEN
            RAISE EXCEPTION 'no period starts at tick %', period_start
                USING ERRCODE = 'invalid_parameter_value',
                      DETAIL = 'Periods follow each other from tick 0; sim.history_period lists those rolled up.',
                      HINT = 'Give the first tick of a listed period, or of the one after the last.';
        END IF;
        -- the next period ends, as the tick would end it, at the next tick
        e := greatest(period_start + (SELECT p.period_ticks FROM sim.history_policy p), cur + 1);
    END IF;
    IF e > cur + 1 THEN
        RAISE EXCEPTION 'the period from tick % to % has not ended', period_start, e - 1
            USING ERRCODE = 'invalid_parameter_value',
                  DETAIL = format('The last committed tick is %s.', cur);
    END IF;
    SELECT min(h.lo) INTO oldest FROM sim.history_partitions() h WHERE h.parent = 'ledger';
    IF oldest IS NULL OR oldest > period_start THEN
        RAISE EXCEPTION 'the raw history of ticks % to % is no longer kept', period_start, e - 1
            USING ERRCODE = 'object_not_in_prerequisite_state',
                  DETAIL = format('The raw history starts at tick %s.', coalesce(oldest, cur)),
                  HINT = 'Its rollups stay as they were written.';
    END IF;
    PERFORM sim.rollup_period(period_start, e, e = cur + 1, cur + 1);
END
$$;
COMMENT ON FUNCTION sim.rollup(bigint) IS
    'Recompute one period''s rollups from the raw rows (end-of-period figures kept unless the period ended at the last tick)';

-- Called by every tick at its start, before the tick changes anything: roll
-- up the periods that have ended, cover this tick and the next with
-- partitions, drop the raw partitions older than the retention and the
-- rollups older than theirs.
CREATE FUNCTION sim.maintain_history(tick bigint) RETURNS void
LANGUAGE plpgsql SECURITY DEFINER AS $$
DECLARE
    pol     sim.history_policy;
    s       bigint;
    r       record;
    pending boolean;
    covered boolean;
    old     boolean;
    cutoff  bigint;
    tab     text;
BEGIN
    SELECT * INTO pol FROM sim.history_policy;
    -- the period that has ended: it ends now, at least period_ticks long
    -- (longer only when the tick counter jumped or the period was shortened)
    s := coalesce((SELECT hp.period_end FROM sim.history_period hp ORDER BY hp.period_start DESC LIMIT 1), 0);
    IF s + pol.period_ticks <= tick THEN
        PERFORM sim.rollup_period(s, tick, true, tick);
        cutoff := coalesce((SELECT min(hp.period_start) FROM sim.history_period hp
                             WHERE hp.period_end > tick - pol.rollup_retention_ticks), tick);
        FOREACH tab IN ARRAY ARRAY['market_period', 'sector_market_period', 'flow_period', 'money_period',
                                   'wallet_period', 'ship_period', 'history_period'] LOOP
            EXECUTE format('DELETE FROM sim.%I WHERE period_start < $1', tab) USING cutoff;
        END LOOP;
    END IF;

    -- one look at the catalog decides whether partitions are to be made or dropped
    SELECT bool_and(c.now_and_next), bool_or(c.old) INTO covered, old
      FROM (SELECT bool_or(h.lo <= k.now AND k.now < h.hi) AND bool_or(h.lo <= k.next AND k.next < h.hi)
                       AS now_and_next,
                   bool_or(h.hi <= k.kept) AS old
              FROM sim.history_table t
             CROSS JOIN LATERAL (SELECT sim.history_key(t.name, tick) AS now,
                                        sim.history_key(t.name, tick + 1) AS next,
                                        sim.history_key(t.name, tick - pol.raw_retention_ticks) AS kept) k
              LEFT JOIN sim.history_partitions() h ON h.parent = t.name
             GROUP BY t.name) c;
    IF NOT covered THEN
        PERFORM sim.history_cover(tick);
        PERFORM sim.history_cover(tick + 1);
    END IF;
    IF NOT old THEN
        RETURN;
    END IF;

    -- raw partitions wholly older than the retention
    FOR r IN SELECT h.parent, h.name, t.member FROM sim.history_partitions() h
               JOIN sim.history_table t ON t.name = h.parent
              WHERE h.hi <= sim.history_key(t.name, tick - pol.raw_retention_ticks) ORDER BY h.parent, h.lo LOOP
        BEGIN
            -- readers hold the history in share mode: never wait for them
            EXECUTE format('LOCK TABLE sim.%I, sim.%I IN ACCESS EXCLUSIVE MODE NOWAIT', r.parent, r.name);
            IF r.parent = 'command' THEN
                EXECUTE format('SELECT EXISTS (SELECT 1 FROM sim.%I WHERE status = ''pending'')', r.name)
                   INTO pending;
                CONTINUE WHEN pending;  -- a pending command is never dropped
            END IF;
            PERFORM sim.drop_history_partition(r.name, r.member);
        EXCEPTION WHEN lock_not_available THEN
            NULL;   -- a later tick tries again
        END;
    END LOOP;
END
$$;
COMMENT ON FUNCTION sim.maintain_history(bigint) IS
    'Roll up ended periods, keep partitions ready for tick, drop raw history and rollups past sim.history_policy (a step of the tick)';

-- The tick's small queries run every tick: never JIT-compile them.
ALTER FUNCTION sim.maintain_history(bigint) SET jit = off;
ALTER FUNCTION sim.history_cover(bigint) SET jit = off;
ALTER FUNCTION sim.rollup_period(bigint, bigint, boolean, bigint) SET jit = off;
