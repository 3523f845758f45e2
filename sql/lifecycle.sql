-- sim: the universe's lifecycle -- its epoch, snapshots, rollback, export
-- and import (docs/lifecycle.md).
--
-- The epoch names one universe: generation, import and rollback each give
-- the universe a new one, and every notification, change row and delta
-- carries it, so a client that followed a replaced universe finds out
-- (SM012) instead of applying another universe's changes.  It is not part
-- of the state hash: a universe rolled back and replayed hashes as before.

-- The epoch itself is sim.world.epoch (sql/schema.sql, with sim.new_epoch).

-- ---------------------------------------------------------------- snapshots
--
-- A snapshot is the durable universe at one consistent point, as one file
-- (src/core/snapfile.c) kept in sim.snapshot_store; rollback restores it in
-- one transaction, export adds what happened since (the recording
-- sections), import stores a file and rolls back to it.  Which tables a
-- snapshot holds is sim.snapshot_section; the C glue is src/snapshot.c.
-- All of it is for operators (42501 for anyone else).

-- The last journal sequence number issued (0 while sim.journal, which
-- sql/replay.sql creates, does not exist): the journal's high-water mark.
CREATE FUNCTION sim.journal_hw() RETURNS bigint
LANGUAGE plpgsql STABLE AS $$
DECLARE
    seq text;
    v   bigint;
BEGIN
    IF pg_catalog.to_regclass('sim.journal') IS NULL THEN
        RETURN 0;
    END IF;
    seq := pg_catalog.pg_get_serial_sequence('sim.journal', 'seq');
    EXECUTE format('SELECT CASE WHEN s.is_called THEN s.last_value ELSE s.last_value - 1 END FROM %s s', seq)
       INTO v;
    RETURN v;
END
$$;
COMMENT ON FUNCTION sim.journal_hw() IS
    'The last sequence number sim.journal issued (0 without a journal): a snapshot''s journal_hw';

-- The tables a snapshot holds (part 'state': captured by sim.snapshot
-- through one MVCC snapshot and restored by rollback and import) and what an
-- export adds (part 'recording': read from the live tables at export, put
-- back by import and sim.load_recording).  filter may use $1 = the
-- snapshot's tick, $2 = journal_hw, $3 = change_hw; a filtered state
-- section replaces only the target's rows that match it.
CREATE TABLE sim.snapshot_section (
    name    text PRIMARY KEY CHECK (name ~ '^[a-z0-9_]{1,63}$'),
    part    text NOT NULL CHECK (part IN ('state', 'recording')),
    source  regclass NOT NULL,
    target  regclass NOT NULL,
    filter  text,
    ord     integer NOT NULL UNIQUE,
    CHECK (part = 'recording' OR source = target)
);
COMMENT ON TABLE sim.snapshot_section IS
    'The tables a snapshot holds (state) and an export adds (recording), in restore order (docs/lifecycle.md)';

-- Every table of the universe (sim.reset_universe's list) but sim.tick_log:
-- the timing history stays with the server that ran the ticks.  sim.change
-- only after the tick: the rows filed under tick + 1 by commands between
-- ticks are state; the record up to the tick is history that clients read
-- and rollback keeps.  The journal's section is registered with it
-- (sql/replay.sql).
INSERT INTO sim.snapshot_section (name, part, source, target, filter, ord)
SELECT t.name, 'state', ('sim.' || t.name)::regclass, ('sim.' || t.name)::regclass,
       CASE t.name WHEN 'change' THEN 'tick > $1' END, t.ord * 10
  FROM unnest(ARRAY[
        'world', 'economy', 'faction', 'wallet', 'good', 'ship_class', 'recipe', 'recipe_input',
        'recipe_output', 'sector', 'jump_gate', 'body', 'deposit', 'station', 'station_recipe',
        'station_stock', 'station_demand', 'bt_tree', 'bt_node', 'npc_personality', 'player',
        'ship', 'ship_cargo', 'flight_leg', 'market_order', 'contract', 'command', 'pending_command',
        'ledger', 'trade', 'ship_event', 'price_history', 'history_period', 'market_period',
        'sector_market_period', 'flow_period', 'money_period', 'wallet_period', 'ship_period',
        'change']) WITH ORDINALITY AS t(name, ord);

-- The snapshots' files: owned by the extension, dumped with the database,
-- published to no subscriber, never in the change record.
CREATE TABLE sim.snapshot_store (
    name        text PRIMARY KEY CHECK (name ~ '^[A-Za-z0-9_.-]{1,63}$'),
    tick        bigint NOT NULL,
    epoch       bigint NOT NULL,
    state_hash  bytea NOT NULL CHECK (octet_length(state_hash) = 32),
    journal_hw  bigint NOT NULL,
    change_hw   bigint NOT NULL,
    created_at  timestamptz NOT NULL DEFAULT now(),
    sim_version text NOT NULL,
    raw_bytes   bigint NOT NULL CHECK (raw_bytes >= 0),
    data        bytea NOT NULL
);
ALTER TABLE sim.snapshot_store ALTER COLUMN data SET STORAGE EXTERNAL;   -- LZ4 already
COMMENT ON TABLE sim.snapshot_store IS
    'Named snapshots of the universe: their files (docs/lifecycle.md) and what they hold';
SELECT pg_catalog.pg_extension_config_dump('sim.snapshot_store', '');

CREATE VIEW sim.snapshots AS
SELECT s.name, s.tick, s.epoch, s.state_hash, pg_catalog.pg_column_size(s.data)::bigint AS bytes,
       s.raw_bytes, s.created_at, s.sim_version
  FROM sim.snapshot_store s;
COMMENT ON VIEW sim.snapshots IS
    'Named snapshots: tick, epoch and state hash of the universe they hold, stored and raw size, when, which sim';

CREATE FUNCTION sim.snapshot_capture(OUT tick bigint, OUT epoch bigint, OUT state_hash bytea,
                                     OUT journal_hw bigint, OUT change_hw bigint, OUT raw_bytes bigint,
                                     OUT data bytea)
AS 'MODULE_PATHNAME', 'sim_snapshot_capture'
LANGUAGE C VOLATILE;
COMMENT ON FUNCTION sim.snapshot_capture() IS
    'The state sections at one consistent point, as a snapshot file (sim.snapshot''s capture)';

CREATE FUNCTION sim.snapshot_info(data bytea, OUT tick bigint, OUT epoch bigint, OUT state_hash bytea,
                                  OUT journal_hw bigint, OUT change_hw bigint, OUT sim_version text,
                                  OUT raw_bytes bigint)
AS 'MODULE_PATHNAME', 'sim_snapshot_info'
LANGUAGE C IMMUTABLE STRICT;
COMMENT ON FUNCTION sim.snapshot_info(bytea) IS
    'A whole snapshot file checked (SM017 damaged, SM016 another format) and its header';

CREATE FUNCTION sim.snapshot_restore(data bytea, part text, check_values boolean, apply boolean DEFAULT true)
RETURNS void
AS 'MODULE_PATHNAME', 'sim_snapshot_restore'
LANGUAGE C VOLATILE STRICT;
COMMENT ON FUNCTION sim.snapshot_restore(bytea, text, boolean, boolean) IS
    'Check a file''s sections of part against this database (and, with check_values, every value), then, with apply, replace their tables'' rows';

CREATE FUNCTION sim.snapshot_export(data bytea) RETURNS bytea
AS 'MODULE_PATHNAME', 'sim_snapshot_export'
LANGUAGE C VOLATILE STRICT;
COMMENT ON FUNCTION sim.snapshot_export(bytea) IS
    'A stored snapshot file with the recording sections read now from the live tables';

CREATE FUNCTION sim.snapshot_hold_ticks() RETURNS void
AS 'MODULE_PATHNAME', 'sim_snapshot_hold_ticks'
LANGUAGE C VOLATILE;
COMMENT ON FUNCTION sim.snapshot_hold_ticks() IS
    'Take the tick lock as a tick does (waiting for commands) and the state sequences'' locks a restore needs, held until the transaction ends';

CREATE FUNCTION sim.lifecycle_fault(point text) RETURNS void
AS 'MODULE_PATHNAME', 'sim_lifecycle_fault'
LANGUAGE C VOLATILE STRICT;
COMMENT ON FUNCTION sim.lifecycle_fault(text) IS
    'Test hook: wait until killed (or raise, for error:<point>) when sim.lifecycle_fault names point';

-- Raise 22004 for a NULL name and SM013 unless 1..63 characters of [A-Za-z0-9_.-].
CREATE FUNCTION sim.check_snapshot_name(name text) RETURNS void
LANGUAGE plpgsql IMMUTABLE AS $$
BEGIN
    IF name IS NULL THEN
        RAISE EXCEPTION 'a snapshot name must not be null'
            USING ERRCODE = 'null_value_not_allowed';
    END IF;
    IF name !~ '^[A-Za-z0-9_.-]{1,63}$' THEN
        RAISE EXCEPTION 'invalid snapshot name "%"', sim.echo(name)
            USING ERRCODE = 'SM013',
                  DETAIL = 'A snapshot name is 1 to 63 characters, each a letter, a digit, "_", "." or "-".';
    END IF;
END
$$;
COMMENT ON FUNCTION sim.check_snapshot_name(text) IS
    'Raise 22004 for a NULL snapshot name, SM013 for one that is not 1..63 of [A-Za-z0-9_.-]';

CREATE FUNCTION sim.snapshot_not_found(name text) RETURNS void
LANGUAGE plpgsql IMMUTABLE AS $$
BEGIN
    RAISE EXCEPTION 'snapshot "%" does not exist', sim.echo(name)
        USING ERRCODE = 'SM014', HINT = 'sim.snapshots lists the snapshots.';
END
$$;
COMMENT ON FUNCTION sim.snapshot_not_found(text) IS 'Raise SM014 naming the snapshot';

CREATE FUNCTION sim.snapshot_exists_error(name text) RETURNS void
LANGUAGE plpgsql IMMUTABLE AS $$
BEGIN
    RAISE EXCEPTION 'snapshot "%" already exists', sim.echo(name)
        USING ERRCODE = 'SM015', HINT = 'Choose another name, or drop it first with sim.drop_snapshot.';
END
$$;
COMMENT ON FUNCTION sim.snapshot_exists_error(text) IS 'Raise SM015 naming the snapshot';

-- sim.snapshot(name): capture the universe (src/snapshot.c) and store it.
CREATE FUNCTION sim.snapshot(name text) RETURNS sim.snapshots
LANGUAGE plpgsql AS $$
DECLARE
    c       record;
    result  sim.snapshots;
BEGIN
    PERFORM sim.require_operator('sim.snapshot');
    PERFORM sim.check_snapshot_name(snapshot.name);
    IF EXISTS (SELECT 1 FROM sim.snapshot_store s WHERE s.name = snapshot.name) THEN
        PERFORM sim.snapshot_exists_error(snapshot.name);
    END IF;
    SELECT * INTO c FROM sim.snapshot_capture();
    BEGIN
        INSERT INTO sim.snapshot_store (name, tick, epoch, state_hash, journal_hw, change_hw, sim_version,
                                        raw_bytes, data)
        SELECT snapshot.name, c.tick, c.epoch, c.state_hash, c.journal_hw, c.change_hw, e.extversion,
               c.raw_bytes, c.data
          FROM pg_catalog.pg_extension e WHERE e.extname = 'sim';
    EXCEPTION WHEN unique_violation THEN
        PERFORM sim.snapshot_exists_error(snapshot.name);
    END;
    PERFORM sim.lifecycle_fault('snapshot:stored');
    SELECT v.* INTO result FROM sim.snapshots v WHERE v.name = snapshot.name;
    RETURN result;
END
$$;
COMMENT ON FUNCTION sim.snapshot(text) IS
    'Capture the durable universe at one consistent point as the named snapshot (operators only)';

CREATE FUNCTION sim.drop_snapshot(name text) RETURNS void
LANGUAGE plpgsql AS $$
BEGIN
    PERFORM sim.require_operator('sim.drop_snapshot');
    PERFORM sim.check_snapshot_name(drop_snapshot.name);
    DELETE FROM sim.snapshot_store s WHERE s.name = drop_snapshot.name;
    IF NOT FOUND THEN
        PERFORM sim.snapshot_not_found(drop_snapshot.name);
    END IF;
END
$$;
COMMENT ON FUNCTION sim.drop_snapshot(text) IS 'Delete the named snapshot (operators only)';

-- The rollback proper, for sim.rollback and sim.import_snapshot: the
-- caller has checked who calls and the name.  check_values reads every
-- value of the file before anything changes (a file from elsewhere).
CREATE FUNCTION sim.rollback_to(name text, check_values boolean, fresh_record boolean) RETURNS sim.snapshots
LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS $$
DECLARE
    s       sim.snapshot_store;
    was_paused boolean;
    result  sim.snapshots;
BEGIN
    SELECT * INTO s FROM sim.snapshot_store x WHERE x.name = rollback_to.name FOR SHARE;
    IF NOT FOUND THEN
        PERFORM sim.snapshot_not_found(rollback_to.name);
    END IF;
    PERFORM sim.snapshot_restore(s.data, 'state', check_values, false);
    -- the locks in a tick's order (docs/lifecycle.md, "Locks"): first the
    -- world's row, so that a tick in progress ends first and the ticker
    -- skips ticks until this commits, then continues from the snapshot's
    -- tick; then the partitions, whose DDL takes strong locks, while
    -- commands may still finish; only then the tick guard, under which
    -- nothing stronger than ROW EXCLUSIVE is waited for
    SELECT w.paused INTO was_paused FROM sim.world w FOR UPDATE;
    IF fresh_record OR NOT EXISTS (SELECT 1 FROM sim.change_partition p
                                    WHERE p.lo <= s.tick + 1 AND s.tick + 1 < p.hi) THEN
        PERFORM sim.restart_changes(s.tick);
    END IF;
    -- partitions for the snapshot's raw history (retention may have dropped some since)
    PERFORM sim.history_cover(t)
       FROM (SELECT coalesce(max(p.raw_retention_ticks), 86400) AS keep, coalesce(max(p.partition_ticks), 3600) AS width
               FROM sim.history_policy p) p,
            generate_series(greatest(0, s.tick - p.keep - p.width), s.tick + 1, p.width) t;
    PERFORM sim.history_cover(s.tick + 1);
    -- no tick and no command from here to commit
    PERFORM sim.snapshot_hold_ticks();
    PERFORM sim.lifecycle_fault('rollback:guarded');
    PERFORM sim.snapshot_restore(s.data, 'state', false, true);
    PERFORM sim.lifecycle_fault('rollback:tables');
    DELETE FROM sim.tick_log l WHERE l.tick > s.tick;
    -- pause and resume belong to the operator, not to the universe: a
    -- running ticker keeps running, a paused one stays paused
    UPDATE sim.world w SET epoch = sim.new_epoch(), paused = coalesce(was_paused, w.paused)
     WHERE w.tick = s.tick AND w.state_hash = s.state_hash;
    IF NOT FOUND THEN
        RAISE EXCEPTION 'snapshot "%" restored no world at its tick %', sim.echo(s.name), s.tick
            USING ERRCODE = 'SM017', DETAIL = 'Its world section disagrees with its header.';
    END IF;
    -- a player's login is a role of the cluster, which no snapshot restores:
    -- a login that sim.create_player would refuse now (gone, NOINHERIT, a
    -- superuser, no longer a player role) is unbound
    UPDATE sim.player p SET login = NULL
     WHERE p.login IS NOT NULL
       AND NOT EXISTS (SELECT 1 FROM pg_catalog.pg_roles r
                        WHERE r.rolname = p.login AND r.rolcanlogin AND r.rolinherit AND NOT r.rolsuper
                          AND r.rolname NOT IN ('sim_operator', 'sim_player', 'sim_anon')
                          AND pg_catalog.pg_has_role(r.oid, 'sim_player', 'MEMBER'));
    PERFORM sim.invalidate_cache();
    PERFORM sim.lifecycle_fault('rollback:world');
    PERFORM sim.notify_epoch();
    PERFORM sim.lifecycle_fault('rollback:notified');
    SELECT v.* INTO result FROM sim.snapshots v WHERE v.name = s.name;
    RETURN result;
END
$$;
COMMENT ON FUNCTION sim.rollback_to(text, boolean, boolean) IS
    'Restore the universe to a stored snapshot with a new epoch (sim.rollback and sim.import_snapshot)';

CREATE FUNCTION sim.rollback(name text) RETURNS sim.snapshots
LANGUAGE plpgsql AS $$
BEGIN
    PERFORM sim.require_operator('sim.rollback');
    PERFORM sim.check_snapshot_name(rollback.name);
    RETURN sim.rollback_to(rollback.name, false, false);
END
$$;
COMMENT ON FUNCTION sim.rollback(text) IS
    'Restore the universe to the named snapshot in this transaction, with a new epoch; followers are told to reload (operators only)';

CREATE FUNCTION sim.export_snapshot(name text) RETURNS bytea
LANGUAGE plpgsql AS $$
DECLARE
    d   bytea;
BEGIN
    PERFORM sim.require_operator('sim.export_snapshot');
    PERFORM sim.check_snapshot_name(export_snapshot.name);
    SELECT s.data INTO d FROM sim.snapshot_store s WHERE s.name = export_snapshot.name;
    IF NOT FOUND THEN
        PERFORM sim.snapshot_not_found(export_snapshot.name);
    END IF;
    RETURN sim.snapshot_export(d);
END
$$;
COMMENT ON FUNCTION sim.export_snapshot(text) IS
    'The named snapshot and the recording of the ticks after it, as one file for sim.import_snapshot (operators only)';

-- Check a whole export as import does and restore only its recording sections.
CREATE FUNCTION sim.load_recording(data bytea) RETURNS void
LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS $$
BEGIN
    PERFORM sim.require_operator('sim.load_recording');
    IF data IS NULL THEN
        RAISE EXCEPTION 'the recording must not be null' USING ERRCODE = 'null_value_not_allowed';
    END IF;
    PERFORM sim.snapshot_info(data);
    PERFORM sim.snapshot_restore(data, 'state', true, false);
    PERFORM sim.snapshot_restore(data, 'recording', true, true);
END
$$;
COMMENT ON FUNCTION sim.load_recording(bytea) IS
    'Check an export as sim.import_snapshot does and restore only its recording sections (operators only)';

-- Raise SM017 when a restored state table breaks one of its foreign keys:
-- a restore checks none (it runs as a replica), and a file from elsewhere
-- is not trusted to be whole.
CREATE FUNCTION sim.check_snapshot_keys() RETURNS void
LANGUAGE plpgsql STABLE SET search_path = pg_catalog, pg_temp AS $$
DECLARE
    k       record;
    q       text;
    broken  boolean;
BEGIN
    FOR k IN SELECT c.conname, c.conrelid, c.confrelid, c.conkey, c.confkey
               FROM pg_catalog.pg_constraint c
              WHERE c.contype = 'f' AND c.conparentid = 0
                AND c.conrelid IN (SELECT x.target FROM sim.snapshot_section x WHERE x.part = 'state')
              ORDER BY c.conrelid::regclass::text, c.conname LOOP
        SELECT format('SELECT EXISTS (SELECT 1 FROM %s c WHERE %s AND NOT EXISTS (SELECT 1 FROM %s p WHERE %s))',
                      k.conrelid::regclass,
                      string_agg(format('c.%I IS NOT NULL', a.attname), ' AND '),
                      k.confrelid::regclass,
                      string_agg(format('p.%I = c.%I', b.attname, a.attname), ' AND '))
          INTO q
          FROM unnest(k.conkey, k.confkey) AS u(ck, fk)
          JOIN pg_catalog.pg_attribute a ON a.attrelid = k.conrelid AND a.attnum = u.ck
          JOIN pg_catalog.pg_attribute b ON b.attrelid = k.confrelid AND b.attnum = u.fk;
        EXECUTE q INTO broken;
        IF broken THEN
            RAISE EXCEPTION 'the snapshot file is damaged'
                USING ERRCODE = 'SM017',
                      DETAIL = format('Its rows of %s break foreign key %s.', k.conrelid::regclass, k.conname),
                      HINT = 'Export it again; nothing was changed.';
        END IF;
    END LOOP;
END
$$;
COMMENT ON FUNCTION sim.check_snapshot_keys() IS
    'Raise SM017 when a state table breaks a foreign key (after an import''s restore, which checks none)';

CREATE FUNCTION sim.import_snapshot(data bytea, name text DEFAULT NULL) RETURNS sim.snapshots
LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS $$
DECLARE
    i       record;
    bad     record;
    nm      text;
    result  sim.snapshots;
BEGIN
    PERFORM sim.require_operator('sim.import_snapshot');
    IF data IS NULL THEN
        RAISE EXCEPTION 'the snapshot file must not be null' USING ERRCODE = 'null_value_not_allowed';
    END IF;
    SELECT * INTO i FROM sim.snapshot_info(data);
    nm := coalesce(import_snapshot.name, format('import-%s-%s', i.tick, left(encode(i.state_hash, 'hex'), 8)));
    PERFORM sim.check_snapshot_name(nm);
    IF EXISTS (SELECT 1 FROM sim.snapshot_store s WHERE s.name = nm) THEN
        PERFORM sim.snapshot_exists_error(nm);
    END IF;
    -- everything checked before anything changes
    PERFORM sim.snapshot_restore(data, 'state', true, false);
    PERFORM sim.snapshot_restore(data, 'recording', true, false);
    INSERT INTO sim.snapshot_store (name, tick, epoch, state_hash, journal_hw, change_hw, sim_version, raw_bytes, data)
    VALUES (nm, i.tick, i.epoch, i.state_hash, i.journal_hw, i.change_hw, i.sim_version, i.raw_bytes, data);
    PERFORM sim.snapshot_restore(data, 'recording', false, true);
    result := sim.rollback_to(nm, false, true);
    PERFORM sim.check_snapshot_keys();
    -- An imported universe's logins are another cluster's roles (or, in a
    -- crafted file, anyone's): none is bound here; an operator binds them
    -- again (UPDATE sim.player SET login = ...).
    UPDATE sim.player p SET login = NULL WHERE p.login IS NOT NULL;
    -- Restored rows fire no trigger, so what the triggers keep (the hold
    -- and storage tallies, the ledger's balance) is checked here.
    SELECT a.* INTO bad FROM sim.audit() a LIMIT 1;
    IF FOUND THEN
        RAISE EXCEPTION 'the imported universe does not balance: %', bad.check_name
            USING ERRCODE = 'SM017',
                  DETAIL = format('%s: expected %s, found %s (%s).', bad.subject, bad.expected, bad.actual, bad.detail),
                  HINT = 'Export it again from a universe whose sim.audit() is empty; nothing was changed.';
    END IF;
    RETURN result;
END
$$;
COMMENT ON FUNCTION sim.import_snapshot(bytea, text) IS
    'Check an exported file, store it as a snapshot (default name import-<tick>-<hash>), restore its recording and roll the universe back to it (operators only)';
