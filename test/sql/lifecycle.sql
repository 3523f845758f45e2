--
-- lifecycle: snapshots, rollback, export and import (sql/lifecycle.sql,
-- src/snapshot.c, docs/lifecycle.md).  A small universe with two players
-- trading and its NPCs is ticked; a snapshot is taken; the universe ticks
-- on; rollback must give back the snapshot-time universe table for table
-- (sim.universe_digest), its tick and state hash, a new epoch, an empty
-- sim.audit(), and the ticks after it must run again to the same hashes.
-- Then export and import after a reset, every error path (which must change
-- nothing), an error in the middle of a rollback, and who may call what.
--
SET client_min_messages = warning;
CREATE EXTENSION IF NOT EXISTS sim CASCADE;
RESET client_min_messages;
CREATE FUNCTION pg_temp.fails(q text) RETURNS text LANGUAGE plpgsql AS $$
BEGIN
    EXECUTE q;
    RETURN 'no error';
EXCEPTION WHEN OTHERS THEN
    RETURN SQLSTATE;
END
$$;
-- one request as a role with a player's claims: the SQLSTATE, or 'ok'
CREATE FUNCTION pg_temp.as_role(role text, sub text, q text) RETURNS text
LANGUAGE plpgsql AS $$
DECLARE
    result  text := 'ok';
BEGIN
    PERFORM set_config('role', role, true);
    PERFORM set_config('request.jwt.claims',
                       CASE WHEN sub IS NULL THEN '' ELSE json_build_object('role', role, 'sub', sub)::text END, true);
    BEGIN
        EXECUTE q;
    EXCEPTION WHEN others THEN
        result := SQLSTATE;
    END;
    PERFORM set_config('request.jwt.claims', '', true);
    PERFORM set_config('role', 'none', true);
    RETURN result;
END
$$;
-- the universe's digest, and every state table's, kept under a label
CREATE TEMP TABLE digest_at (label text, table_name text, row_count bigint, md5 text);
CREATE FUNCTION pg_temp.keep_digest(label text) RETURNS void LANGUAGE sql AS $$
    INSERT INTO digest_at SELECT label, d.* FROM sim.universe_digest() d;
$$;
-- the tables whose digest differs between two labels (none: the same universe)
CREATE FUNCTION pg_temp.digest_diff(a text, b text) RETURNS text LANGUAGE sql AS $$
    SELECT coalesce(string_agg(coalesce(x.table_name, y.table_name), ', ' ORDER BY coalesce(x.table_name, y.table_name)), 'none')
      FROM (SELECT * FROM digest_at WHERE label = a) x
      FULL JOIN (SELECT * FROM digest_at WHERE label = b) y USING (table_name)
     WHERE x.row_count IS DISTINCT FROM y.row_count OR x.md5 IS DISTINCT FROM y.md5;
$$;
-- a fingerprint of everything a failed call must leave alone
CREATE FUNCTION pg_temp.everything() RETURNS text LANGUAGE sql AS $$
    SELECT md5(concat_ws('|',
        (SELECT string_agg(d::text, ',' ORDER BY d.table_name) FROM sim.universe_digest() d),
        (SELECT string_agg(s.name || s.tick || s.epoch || md5(s.data), ',' ORDER BY s.name) FROM sim.snapshot_store s),
        (SELECT w.epoch::text || w.tick FROM sim.world w),
        (SELECT count(*) FROM sim.change)::text, (SELECT count(*) FROM sim.tick_log)::text));
$$;

---
--- A universe with players trading and NPCs
---
SELECT sim.generate_universe(15, 4, 300, reset => true) IS NOT NULL AS generated;
CREATE TEMP TABLE pl AS
SELECT sim.create_player('Lifecycle A', credits => 50000) AS a, sim.create_player('Lifecycle B', credits => 50000) AS b;
GRANT SELECT ON pl TO PUBLIC;
CREATE TEMP TABLE pship AS
SELECT p.id AS player, s.id AS ship, s.docked_at AS station FROM sim.player p JOIN sim.ship s ON s.faction_id = p.faction_id;
GRANT SELECT ON pship TO PUBLIC;
SELECT sim.step(5);
-- A buys ore and sells some back; B buys fuel, undocks and flies to another station
SELECT pg_temp.as_role('sim_player', a::text, format('SELECT api.buy(%s, 1, 40)', (SELECT ship FROM pship WHERE player = a))) AS a_buys,
       pg_temp.as_role('sim_player', b::text, format('SELECT api.buy(%s, 8, 10)', (SELECT ship FROM pship WHERE player = b))) AS b_buys
  FROM pl;
SELECT pg_temp.as_role('sim_player', b::text, format('SELECT api.undock(%s)', (SELECT ship FROM pship WHERE player = b))) AS b_undocks
  FROM pl;
SELECT sim.step(3);
SELECT pg_temp.as_role('sim_player', a::text, format('SELECT api.sell(%s, 1, 15)', (SELECT ship FROM pship WHERE player = a))) AS a_sells
  FROM pl;
SELECT count(*) > 0 AS players_traded FROM sim.trade t JOIN pship p ON p.ship IN (t.buyer_ship, t.seller_ship);
SELECT sim.step(10);
SELECT count(*) > 0 AS npcs_traded FROM sim.trade t WHERE t.buyer_ship NOT IN (SELECT ship FROM pship) OR t.seller_ship NOT IN (SELECT ship FROM pship);
-- commands between ticks: their changes are filed under the next tick, and are in the snapshot
SELECT pg_temp.as_role('sim_player', a::text, format('SELECT api.sell(%s, 1, 5)', (SELECT ship FROM pship WHERE player = a))) AS a_sells_again,
       pg_temp.as_role('sim_player', b::text, format('SELECT api.navigate(%s, %L)', p.ship,
                       'station:' || (SELECT min(o.id) FROM sim.station o JOIN sim.station h ON h.id = p.station
                                       WHERE o.sector_id = h.sector_id AND o.id <> h.id))) AS b_flies
  FROM pl JOIN pship p ON p.player = pl.b;
SELECT count(*) > 0 AS changes_after_tick FROM sim.change c, sim.world w WHERE c.tick = w.tick + 1;

---
--- Snapshot
---
SELECT pg_temp.keep_digest('at snapshot');
CREATE TEMP TABLE at_snap AS SELECT tick, epoch, state_hash FROM sim.world;
-- the positions of the sequences a snapshot holds (those the state tables own)
CREATE FUNCTION pg_temp.sequence_positions() RETURNS text
LANGUAGE plpgsql AS $$
DECLARE
    r       record;
    v       text;
    result  text := '';
BEGIN
    FOR r IN SELECT DISTINCT d.objid::regclass::text AS seq
               FROM pg_depend d
               JOIN sim.snapshot_section x ON x.target = d.refobjid AND x.part = 'state'
               JOIN pg_class c ON c.oid = d.objid AND c.relkind = 'S'
              WHERE d.classid = 'pg_class'::regclass AND d.deptype IN ('a', 'i')
              ORDER BY 1 LOOP
        EXECUTE format('SELECT last_value || '' '' || is_called FROM %s', r.seq) INTO v;
        result := result || r.seq || ' ' || v || E'\n';
    END LOOP;
    RETURN result;
END
$$;
CREATE TEMP TABLE seqs_at_snap AS SELECT pg_temp.sequence_positions() AS s;
CREATE TEMP TABLE pending_at_snap AS
SELECT c.kind, c.id, c.sub_id, c.val FROM sim.change c, sim.world w WHERE c.tick = w.tick + 1;
SELECT name, tick = (SELECT tick FROM at_snap) AS at_tick, epoch = (SELECT epoch FROM at_snap) AS same_epoch,
       state_hash = (SELECT state_hash FROM at_snap) AS same_hash,
       bytes > 0 AND bytes < raw_bytes AS compressed, sim_version = (SELECT extversion FROM pg_extension WHERE extname = 'sim') AS version
  FROM sim.snapshot('before-the-storm');
SELECT name, tick FROM sim.snapshots ORDER BY name;
-- taking it changed nothing of the universe
SELECT pg_temp.keep_digest('after snapshot');
SELECT pg_temp.digest_diff('at snapshot', 'after snapshot') AS changed_by_snapshot;

---
--- Tick on, and trade
---
SELECT sim.step(12);
SELECT pg_temp.as_role('sim_player', a::text, format('SELECT api.buy(%s, 3, 5)', (SELECT ship FROM pship WHERE player = a))) AS a_buys_more
  FROM pl;
SELECT sim.step(3);
CREATE TEMP TABLE first_run AS SELECT tick, state_hash FROM sim.tick_log WHERE tick > (SELECT tick FROM at_snap);
SELECT count(*) AS ticks_after_snapshot FROM first_run;
SELECT pg_temp.keep_digest('ticked on');
SELECT pg_temp.digest_diff('at snapshot', 'ticked on') <> 'none' AS universe_moved;

---
--- Rollback
---
SELECT name, tick = (SELECT tick FROM at_snap) AS at_tick FROM sim.rollback('before-the-storm');
SELECT pg_temp.keep_digest('rolled back');
SELECT pg_temp.digest_diff('at snapshot', 'rolled back') AS tables_that_differ;
SELECT w.tick = s.tick AS same_tick, w.state_hash = s.state_hash AS same_hash, w.epoch <> s.epoch AS new_epoch,
       w.epoch BETWEEN 1 AND 9007199254740991 AS epoch_in_range
  FROM sim.world w, at_snap s;
SELECT count(*) AS audit_findings FROM sim.audit();
-- the sequences exactly where the snapshot found them (ids are drawn again in the same order)
SELECT pg_temp.sequence_positions() = s AS sequences_as_at_snapshot FROM seqs_at_snap;
-- the change record: nothing after the snapshot's tick but what was pending then
SELECT count(*) AS change_rows_after_next_tick FROM sim.change c, at_snap s WHERE c.tick > s.tick + 1;
SELECT (SELECT count(*) FROM pending_at_snap) AS pending_then,
       (SELECT count(*) FROM sim.change c, at_snap s WHERE c.tick = s.tick + 1) AS pending_now,
       (SELECT count(*) FROM (SELECT kind, id, sub_id, val FROM pending_at_snap
                              EXCEPT ALL
                              SELECT c.kind, c.id, c.sub_id, c.val FROM sim.change c, at_snap s WHERE c.tick = s.tick + 1) x) AS missing;
SELECT count(*) AS tick_log_after FROM sim.tick_log l, at_snap s WHERE l.tick > s.tick;
-- the same commands again: the same hash at every tick
SELECT sim.step(12) - (SELECT tick FROM at_snap) AS replayed_to;
SELECT pg_temp.as_role('sim_player', a::text, format('SELECT api.buy(%s, 3, 5)', (SELECT ship FROM pship WHERE player = a))) AS a_buys_more
  FROM pl;
SELECT sim.step(3);
SELECT count(*) AS ticks, count(*) FILTER (WHERE l.state_hash = f.state_hash) AS same_hash
  FROM first_run f LEFT JOIN sim.tick_log l USING (tick);
SELECT pg_temp.keep_digest('rerun');
SELECT pg_temp.digest_diff('ticked on', 'rerun') AS rerun_differs_in;
-- a second rollback to the same snapshot gives yet another epoch; the
-- ticker's pause is the operator's, not the universe's: the snapshot was
-- taken running, and a rollback while paused leaves it paused
CREATE TEMP TABLE epoch_1 AS SELECT epoch FROM sim.world;
SELECT sim.pause();
SELECT name FROM sim.rollback('before-the-storm');
SELECT w.epoch <> e.epoch AS another_epoch, w.paused AS still_paused FROM sim.world w, epoch_1 e;
SELECT sim.resume();

---
--- An error in the middle of a rollback changes nothing (the fault hook raising)
---
SELECT sim.step(4) > 0 AS ticked;
CREATE TEMP TABLE before_fault AS SELECT pg_temp.everything() AS f, pg_temp.sequence_positions() AS s;
SELECT f.s <> a.s AS sequences_moved_since_snapshot FROM before_fault f, seqs_at_snap a;
SET sim.lifecycle_fault = 'error:rollback:tables';
SELECT pg_temp.fails($$SELECT sim.rollback('before-the-storm')$$) AS fault_at_tables;
SET sim.lifecycle_fault = 'error:rollback:notified';
SELECT pg_temp.fails($$SELECT sim.rollback('before-the-storm')$$) AS fault_before_commit;
SET sim.lifecycle_fault = 'error:snapshot:stored';
SELECT pg_temp.fails($$SELECT sim.snapshot('never-stored')$$) AS fault_at_store;
RESET sim.lifecycle_fault;
SELECT pg_temp.everything() = f AS nothing_changed FROM before_fault;
-- the sequences too (a setval would have stayed: sequences are restored on a new relfilenode)
SELECT pg_temp.sequence_positions() = s AS sequences_unchanged FROM before_fault;
SELECT count(*) AS audit_findings FROM sim.audit();
-- the hook is a superuser's setting
SELECT pg_temp.as_role('sim_operator', NULL, $$SET sim.lifecycle_fault = 'rollback:tables'$$) AS operator_sets_fault;

---
--- Export, reset, import into the same database
---
CREATE TEMP TABLE export AS SELECT sim.export_snapshot('before-the-storm') AS data;
SELECT substr(data, 1, 8) = convert_to(E'SIMSNAP\n', 'UTF8') AS magic, octet_length(data) > 1000 AS sized FROM export;
SELECT sim.generate_universe(99, 2, 50, reset => true) IS NOT NULL AS replaced;
SELECT pg_temp.digest_diff('at snapshot', 'x') <> 'none' AS another_universe;
SELECT pg_temp.fails($$SELECT sim.import_snapshot((SELECT data FROM export), 'before-the-storm')$$) AS import_taken_name;
SELECT name ~ '^import-[0-9]+-[0-9a-f]{8}$' AS default_name, tick = (SELECT tick FROM at_snap) AS at_tick,
       state_hash = (SELECT state_hash FROM at_snap) AS same_hash
  FROM sim.import_snapshot((SELECT data FROM export));
SELECT pg_temp.keep_digest('imported');
SELECT pg_temp.digest_diff('at snapshot', 'imported') AS imported_differs_in;
SELECT w.epoch NOT IN (SELECT epoch FROM at_snap UNION SELECT epoch FROM epoch_1) AS fresh_epoch FROM sim.world w;
SELECT count(*) AS audit_findings FROM sim.audit();
SELECT sim.step(15) - (SELECT tick FROM at_snap) AS ticked_after_import;
SELECT count(*) > 0 AS ran, bool_and(l.state_hash IS NOT NULL) AS hashed FROM sim.tick_log l, at_snap s WHERE l.tick > s.tick;
-- a named import; sim.load_recording takes the same file
SELECT name FROM sim.import_snapshot((SELECT data FROM export), 'imported-again');
SELECT pg_temp.fails($$SELECT sim.load_recording((SELECT data FROM export))$$) AS recording_loaded;
-- an empty database (no universe) can import
SELECT sim.reset_universe();
SELECT sim.universe_exists() AS universe_before;
SELECT name FROM sim.import_snapshot((SELECT data FROM export), 'into-empty');
SELECT pg_temp.keep_digest('into empty');
SELECT pg_temp.digest_diff('at snapshot', 'into empty') AS into_empty_differs_in;

---
--- Logins are roles of the cluster, which no snapshot holds: a rollback
--- keeps a login that may still play and unbinds one that may not, an
--- import binds none.  A file that does not balance (restored rows fire no
--- trigger) is refused with SM017 and changes nothing.
---
CREATE ROLE regress_life_login LOGIN;
SELECT sim.create_player('Login player', login => 'regress_life_login') IS NOT NULL AS with_login;
SELECT name FROM sim.snapshot('with-login');
CREATE TEMP TABLE login_export AS SELECT sim.export_snapshot('with-login') AS data;
SELECT name FROM sim.rollback('with-login');
SELECT login FROM sim.player WHERE name = 'Login player';
ALTER ROLE regress_life_login NOINHERIT;
SELECT name FROM sim.rollback('with-login');
SELECT login IS NULL AS unbound_when_noinherit FROM sim.player WHERE name = 'Login player';
ALTER ROLE regress_life_login INHERIT;
SELECT name FROM sim.import_snapshot((SELECT data FROM login_export), 'login-imported');
SELECT count(*) AS players, count(login) AS logins_bound FROM sim.player;
-- a hold tally off by 7, written without triggers, in a snapshot's file
SET session_replication_role = replica;
UPDATE sim.ship SET cargo_held = cargo_held + 7 WHERE id = (SELECT min(id) FROM sim.ship);
RESET session_replication_role;
SELECT name FROM sim.snapshot('unbalanced');
CREATE TEMP TABLE unbalanced AS SELECT sim.export_snapshot('unbalanced') AS data;
SELECT sim.drop_snapshot('unbalanced');
SET session_replication_role = replica;
UPDATE sim.ship SET cargo_held = cargo_held - 7 WHERE id = (SELECT min(id) FROM sim.ship);
RESET session_replication_role;
SELECT count(*) AS audit_findings FROM sim.audit();
CREATE TEMP TABLE before_unbalanced AS SELECT pg_temp.everything() AS f;
SELECT pg_temp.fails($$SELECT sim.import_snapshot((SELECT data FROM unbalanced), 'unbalanced')$$) AS import_unbalanced;
SELECT pg_temp.everything() = f AS nothing_changed FROM before_unbalanced;
SELECT sim.drop_snapshot(name) FROM sim.snapshots WHERE name IN ('with-login', 'login-imported') ORDER BY name;

---
--- Errors: each changes nothing
---
CREATE TEMP TABLE before_errors AS SELECT pg_temp.everything() AS f;
SELECT pg_temp.fails($$SELECT sim.snapshot('')$$) AS empty_name,
       pg_temp.fails($$SELECT sim.snapshot(repeat('a', 64))$$) AS name_of_64,
       pg_temp.fails($$SELECT sim.snapshot(repeat('a', 63))$$) AS name_of_63,
       pg_temp.fails($$SELECT sim.snapshot('a b')$$) AS name_with_space,
       pg_temp.fails($$SELECT sim.snapshot('a/b')$$) AS name_with_slash,
       pg_temp.fails($$SELECT sim.snapshot(NULL)$$) AS null_name;
SELECT sim.drop_snapshot(repeat('a', 63));
SELECT pg_temp.fails($$SELECT sim.rollback('')$$) AS rollback_empty,
       pg_temp.fails($$SELECT sim.rollback(NULL)$$) AS rollback_null,
       pg_temp.fails($$SELECT sim.rollback('no-such')$$) AS rollback_unknown,
       pg_temp.fails($$SELECT sim.drop_snapshot('no-such')$$) AS drop_unknown,
       pg_temp.fails($$SELECT sim.drop_snapshot(NULL)$$) AS drop_null,
       pg_temp.fails($$SELECT sim.export_snapshot('no-such')$$) AS export_unknown,
       pg_temp.fails($$SELECT sim.export_snapshot('a b')$$) AS export_bad_name,
       pg_temp.fails($$SELECT sim.snapshot('into-empty')$$) AS duplicate;
SELECT pg_temp.fails($$SELECT sim.import_snapshot(NULL)$$) AS import_null,
       pg_temp.fails($$SELECT sim.import_snapshot((SELECT data FROM export), 'a b')$$) AS import_bad_name,
       pg_temp.fails($$SELECT sim.import_snapshot((SELECT data FROM export), 'into-empty')$$) AS import_duplicate,
       pg_temp.fails($$SELECT sim.load_recording(NULL)$$) AS recording_null;
-- damaged files: SM017
CREATE TEMP TABLE damaged (what text, data bytea);
INSERT INTO damaged
SELECT 'truncated by one', substr(data, 1, octet_length(data) - 1) FROM export
UNION ALL SELECT 'half', substr(data, 1, octet_length(data) / 2) FROM export
UNION ALL SELECT 'header only', substr(data, 1, 24) FROM export
UNION ALL SELECT 'empty', ''::bytea
UNION ALL SELECT 'garbage', decode(repeat('deadbeef', 64), 'hex')
UNION ALL SELECT 'bad magic', overlay(data placing '\x58'::bytea from 1) FROM export
UNION ALL SELECT 'a byte flipped in the middle', set_byte(data, octet_length(data) / 2, get_byte(data, octet_length(data) / 2) # 1) FROM export
UNION ALL SELECT 'a bit of the checksum', set_byte(data, octet_length(data) - 1, get_byte(data, octet_length(data) - 1) # 128) FROM export
UNION ALL SELECT 'extended', data || '\x00'::bytea FROM export;
SELECT what, pg_temp.fails(format('SELECT sim.import_snapshot(%L::bytea, %L)', data, 'damaged')) AS import,
       pg_temp.fails(format('SELECT sim.load_recording(%L::bytea)', data)) AS load_recording
  FROM damaged ORDER BY what;
-- a file from a future format version: SM016 (the version is bytes 9..12)
SELECT pg_temp.fails(format('SELECT sim.import_snapshot(%L::bytea)',
                            overlay(data placing '\x00000002'::bytea from 9))) AS future_version
  FROM export;
-- a value this database's column type refuses (same type name, narrower
-- typmod) behind a valid checksum: SM017 from import's value check, before
-- anything changes; through a recording section made for the test
BEGIN;
CREATE TEMP TABLE probe_src AS SELECT s.id, s.pos FROM sim.station s;
CREATE TEMP TABLE probe_dst (id integer, pos geometry(Point));
INSERT INTO sim.snapshot_section (name, part, source, target, filter, ord)
VALUES ('probe', 'recording', 'probe_src', 'probe_dst', NULL, 1000000);
CREATE TEMP TABLE probe_file AS SELECT sim.export_snapshot('into-empty') AS data;
SELECT pg_temp.fails($$SELECT sim.import_snapshot((SELECT data FROM probe_file), 'refused-value')$$) AS value_refused,
       pg_temp.fails($$SELECT sim.load_recording((SELECT data FROM probe_file))$$) AS recording_value_refused;
ROLLBACK;
-- a database whose tables differ from the file's: SM016, saying where
BEGIN;
ALTER TABLE sim.faction ADD COLUMN motto text;
SELECT pg_temp.fails($$SELECT sim.import_snapshot((SELECT data FROM export), 'other-layout')$$) AS extra_column;
DO $$
DECLARE
    detail  text;
BEGIN
    PERFORM sim.import_snapshot((SELECT data FROM export), 'other-layout');
EXCEPTION WHEN SQLSTATE 'SM016' THEN
    GET STACKED DIAGNOSTICS detail = PG_EXCEPTION_DETAIL;
    RAISE NOTICE '%', detail;
END
$$;
ROLLBACK;
-- rows that break a foreign key (which a restore does not check): import's last check finds them
SELECT pg_temp.fails('SELECT sim.check_snapshot_keys()') AS keys_whole;
BEGIN;
SET LOCAL session_replication_role = replica;
DELETE FROM sim.faction f WHERE f.id = (SELECT min(s.faction_id) FROM sim.ship s);
RESET session_replication_role;
SELECT pg_temp.fails('SELECT sim.check_snapshot_keys()') AS keys_broken;
ROLLBACK;
SELECT pg_temp.everything() = f AS nothing_changed FROM before_errors;

---
--- Who may call: operators only; a player cannot read the store
---
CREATE TEMP TABLE probe (fn text, q text);
INSERT INTO probe VALUES
    ('snapshot', $$SELECT sim.snapshot('by-someone')$$),
    ('snapshots', $$SELECT count(*) FROM sim.snapshots$$),
    ('snapshot_store', $$SELECT count(*) FROM sim.snapshot_store$$),
    ('drop_snapshot', $$SELECT sim.drop_snapshot('into-empty')$$),
    ('rollback', $$SELECT sim.rollback('into-empty')$$),
    ('export_snapshot', $$SELECT sim.export_snapshot('into-empty')$$),
    ('import_snapshot', $$SELECT sim.import_snapshot((SELECT data FROM pg_temp.export), 'by-someone')$$),
    ('load_recording', $$SELECT sim.load_recording((SELECT data FROM pg_temp.export))$$),
    ('snapshot_restore', $$SELECT sim.snapshot_restore((SELECT data FROM pg_temp.export), 'state', true)$$),
    ('snapshot_capture', $$SELECT sim.snapshot_capture()$$),
    ('snapshot_info', $$SELECT sim.snapshot_info((SELECT data FROM pg_temp.export))$$),
    ('snapshot_export', $$SELECT sim.snapshot_export((SELECT data FROM pg_temp.export))$$),
    ('snapshot_hold_ticks', $$SELECT sim.snapshot_hold_ticks()$$),
    ('rollback_to', $$SELECT sim.rollback_to('into-empty', false, false)$$),
    ('restart_changes', $$SELECT sim.restart_changes(1)$$),
    ('lifecycle_fault', $$SELECT sim.lifecycle_fault('rollback:tables')$$),
    ('check_snapshot_keys', $$SELECT sim.check_snapshot_keys()$$);
GRANT SELECT ON export TO PUBLIC;
SELECT fn, pg_temp.as_role('sim_anon', NULL, q) AS anon,
       pg_temp.as_role('sim_player', (SELECT a::text FROM pl), q) AS player
  FROM probe ORDER BY fn;
SELECT pg_temp.everything() = f AS nothing_changed FROM before_errors;
-- an operator may: each call succeeds, then is undone
CREATE FUNCTION pg_temp.as_operator_undone(q text) RETURNS text
LANGUAGE plpgsql AS $$
DECLARE
    result  text;
BEGIN
    PERFORM set_config('role', 'sim_operator', true);
    BEGIN
        EXECUTE q;
        RAISE EXCEPTION USING ERRCODE = 'SX999';
    EXCEPTION WHEN others THEN
        result := CASE SQLSTATE WHEN 'SX999' THEN 'ok' ELSE SQLSTATE END;
    END;
    PERFORM set_config('role', 'none', true);
    RETURN result;
END
$$;
SELECT fn, pg_temp.as_operator_undone(q) AS operator FROM probe ORDER BY fn;
SELECT pg_temp.everything() = f AS nothing_changed FROM before_errors;

-- clean up
SELECT sim.drop_snapshot(name) FROM sim.snapshots ORDER BY name;
SELECT count(*) AS snapshots_left FROM sim.snapshots;
REVOKE sim_player FROM regress_life_login;
DROP ROLE regress_life_login;
