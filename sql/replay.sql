-- sim: the command journal and replay (docs/lifecycle.md, "Replay").
--
-- Every successful command -- a player's through api, an operator's through
-- sim -- writes one row of sim.journal in its own transaction (the
-- sim.journal_write line marked "journal" in each command), under the tick
-- its changes are filed under.  An export carries the journal, the tick log
-- and the change record after its snapshot (the recording sections
-- registered at the end of this file); sim.replay re-applies the recorded
-- commands tick by tick, each as the player who issued it (src/replay.c),
-- runs each tick as sim.step(1) does, and compares the tick's state hash
-- with the recorded one, naming the first entity whose changes differ.
-- The journal is raw history (sql/history.sql): partitioned by tick and
-- trimmed with the others.

CREATE TABLE sim.journal (
    seq         bigint GENERATED ALWAYS AS IDENTITY,
    tick        bigint NOT NULL CHECK (tick > 0),
    command     text NOT NULL,
    args        jsonb NOT NULL CHECK (jsonb_typeof(args) = 'object'),
    player_id   bigint,
    issued_by   name NOT NULL
) PARTITION BY RANGE (tick);
COMMENT ON TABLE sim.journal IS
    'The command journal: one row per successful command, under the tick its changes are filed under (raw history, retention: sim.history_policy)';
COMMENT ON COLUMN sim.journal.tick IS 'The tick the command''s changes belong to (sim.change_tick(): the next tick for a command between ticks)';
COMMENT ON COLUMN sim.journal.args IS 'The command''s arguments by name, as sim.replay passes them again';
COMMENT ON COLUMN sim.journal.player_id IS 'The player who issued it; NULL for an operator';
COMMENT ON COLUMN sim.journal.issued_by IS 'The role it was issued as (sim.acting_role())';

-- The commands that are journalled and replayed, and the function each
-- calls: the one list sim.replay may call from (a recording names nothing
-- else).
CREATE TABLE sim.journal_command (
    command     text PRIMARY KEY,
    fn          regprocedure NOT NULL UNIQUE,
    arg_names   text[],
    call        text
);
COMMENT ON TABLE sim.journal_command IS
    'The journalled commands, the function sim.replay calls for each, its argument names and the call (written from the function''s signature)';
INSERT INTO sim.journal_command (command, fn) VALUES
    ('navigate', 'sim.navigate(bigint,text,text)'),
    ('undock', 'sim.undock(bigint)'),
    ('dock', 'sim.dock(bigint,integer)'),
    ('mine', 'sim.mine(bigint,integer)'),
    ('buy', 'sim.buy(bigint,integer,bigint,bigint)'),
    ('sell', 'sim.sell(bigint,integer,bigint,bigint)'),
    ('refuel', 'sim.refuel(bigint,double precision)'),
    ('transfer_cargo', 'sim.transfer_cargo(bigint,bigint,integer,bigint)'),
    ('jettison', 'sim.jettison(bigint,integer,bigint)'),
    ('place_order', 'sim.place_order(bigint,integer,text,bigint,bigint)'),
    ('cancel_order', 'sim.cancel_order(bigint)'),
    ('accept_contract', 'sim.accept_contract(bigint,bigint)'),
    ('deliver_contract', 'sim.deliver_contract(bigint,bigint)'),
    ('offer_contract', 'sim.offer_contract(text,integer,integer,bigint,bigint,integer,integer)'),
    ('create_player', 'sim.create_player(text,name,bigint,integer,integer)'),
    ('drop_player', 'sim.drop_player(bigint)');
-- Each call from its function's signature: sim.<command>(name =>
-- ($1->>'name')::type, ...), $1 the journal row's args.
UPDATE sim.journal_command j
   SET arg_names = a.names,
       call = format('SELECT %s(%s)', j.fn::oid::regproc, a.list)
  FROM (SELECT p.oid, array_agg(a.name ORDER BY a.pos) AS names,
               string_agg(format('%I => ($1->>%L)::%s', a.name, a.name, format_type(a.type, NULL)), ', '
                          ORDER BY a.pos) AS list
          FROM pg_catalog.pg_proc p,
               unnest(p.proargnames[1:p.pronargs], p.proargtypes::oid[]) WITH ORDINALITY a(name, type, pos)
         WHERE p.oid IN (SELECT c.fn FROM sim.journal_command c)
         GROUP BY p.oid) a
 WHERE a.oid = j.fn;
ALTER TABLE sim.journal_command ALTER COLUMN arg_names SET NOT NULL, ALTER COLUMN call SET NOT NULL;

-- While sim.replay re-applies a command: the recorded player (0: an
-- operator) and issuer; NULL otherwise (src/replay.c).
CREATE FUNCTION sim.replay_player() RETURNS bigint
AS 'MODULE_PATHNAME', 'sim_replay_player'
LANGUAGE C VOLATILE PARALLEL RESTRICTED;
COMMENT ON FUNCTION sim.replay_player() IS
    'While sim.replay re-applies a command: the recorded player''s id (0: an operator''s command); NULL otherwise';
CREATE FUNCTION sim.replay_issuer() RETURNS name
AS 'MODULE_PATHNAME', 'sim_replay_issuer'
LANGUAGE C VOLATILE PARALLEL RESTRICTED;
COMMENT ON FUNCTION sim.replay_issuer() IS
    'While sim.replay re-applies a command: the role it was recorded as issued by; NULL otherwise';

-- Record a command: called by each command once it has succeeded, in its
-- transaction.  Not recorded when changes are not (no universe, or the
-- generator's muted writes).  Whoever runs a command may write the journal:
-- a player's command runs as the extension's owner (api), an operator has
-- the table.  PL/pgSQL, so that its statements are planned once per
-- session (a SQL function's would be planned at every call).
CREATE FUNCTION sim.journal_write(command text, args jsonb) RETURNS void
LANGUAGE plpgsql VOLATILE AS $$
DECLARE
    t   bigint := sim.change_tick();
BEGIN
    IF t IS NOT NULL THEN
        INSERT INTO sim.journal (tick, command, args, player_id, issued_by)
        VALUES (t, command, args, sim.identify(true),
                coalesce(sim.replay_issuer(),
                         (SELECT r.rolname FROM pg_catalog.pg_roles r WHERE r.oid = sim.acting_role())));
    END IF;
END
$$;
COMMENT ON FUNCTION sim.journal_write(text, jsonb) IS
    'Record a successful command in sim.journal under the tick its changes belong to (each command calls it)';

-- Call a journalled command with its recorded arguments (its call in
-- sim.journal_command; an argument absent from args is passed as NULL).
-- 22023 for a command that is not journalled or an argument the function
-- does not have.
CREATE FUNCTION sim.journal_call(command text, args jsonb) RETURNS void
LANGUAGE plpgsql VOLATILE AS $$
DECLARE
    j       sim.journal_command;
    unknown text;
BEGIN
    SELECT * INTO j FROM sim.journal_command c WHERE c.command = journal_call.command;
    IF NOT FOUND THEN
        RAISE EXCEPTION 'command "%" is not a journalled command', sim.echo(command)
            USING ERRCODE = 'invalid_parameter_value', HINT = 'sim.journal_command lists them.';
    END IF;
    IF NOT (ARRAY(SELECT jsonb_object_keys(args)) <@ j.arg_names) THEN
        SELECT string_agg(k, ', ') INTO unknown FROM jsonb_object_keys(args) k WHERE k <> ALL (j.arg_names);
        RAISE EXCEPTION 'command "%" has no argument %', command, sim.echo(unknown)
            USING ERRCODE = 'invalid_parameter_value';
    END IF;
    EXECUTE j.call USING args;
END
$$;
COMMENT ON FUNCTION sim.journal_call(text, jsonb) IS
    'Call a journalled command (sim.journal_command) with the arguments of a journal row';

CREATE FUNCTION sim.replay_command(command text, args jsonb, player bigint, issued_by name) RETURNS void
AS 'MODULE_PATHNAME', 'sim_replay_command'
LANGUAGE C VOLATILE;
COMMENT ON FUNCTION sim.replay_command(text, jsonb, bigint, name) IS
    'Re-apply one journalled command as the recorded player (NULL: an operator) and issuer (operators only)';

-- The recording a replay follows: what happened after a snapshot, as an
-- export carries it (sim.load_recording restores these from it).
CREATE TABLE sim.replay_tick (LIKE sim.tick_log);
ALTER TABLE sim.replay_tick ADD PRIMARY KEY (tick);
COMMENT ON TABLE sim.replay_tick IS 'The recording: the recorded ticks and their state hashes (from sim.tick_log)';
CREATE TABLE sim.replay_journal (LIKE sim.journal);
ALTER TABLE sim.replay_journal ADD PRIMARY KEY (seq);
CREATE INDEX ON sim.replay_journal (tick, seq);
COMMENT ON TABLE sim.replay_journal IS 'The recording: the recorded commands (from sim.journal)';
CREATE TABLE sim.replay_change (LIKE sim.change);
ALTER TABLE sim.replay_change ADD PRIMARY KEY (tick, seq);
COMMENT ON TABLE sim.replay_change IS 'The recording: the recorded change rows (from sim.change)';

-- The state hash of a recorded tick, from sim.replay_change: sim.tick_hash
-- with the recording's change rows, written from sim.tick_hash's own
-- definition so the two cannot disagree.
DO $do$
DECLARE
    def     text := pg_catalog.pg_get_functiondef('sim.tick_hash(bigint,bytea)'::regprocedure);
BEGIN
    IF (SELECT count(*) FROM regexp_matches(def, 'FROM (sim\.)?change c\M', 'g')) <> 1 THEN
        RAISE EXCEPTION 'sim.tick_hash no longer reads "FROM sim.change c" once: update sql/replay.sql';
    END IF;
    def := regexp_replace(def, 'FROM (sim\.)?change c\M', 'FROM sim.replay_change c');
    def := regexp_replace(def, 'FUNCTION (sim\.)?tick_hash\(', 'FUNCTION sim.replay_tick_hash(');
    EXECUTE regexp_replace(def, '\mtick_hash\.', 'replay_tick_hash.', 'g');
END
$do$;
COMMENT ON FUNCTION sim.replay_tick_hash(bigint, bytea) IS
    'sim.tick_hash over the recording''s change rows (sim.replay_change)';

-- Fill the recording from this database's own history after tick t: its
-- tick log, journal and change record (what an export's recording sections
-- carry).  The commands are those filed under later ticks, or, given a
-- snapshot's journal high-water mark, those journalled after it (commands
-- between its tick and the next that it holds already are not applied
-- again).  For tests and what-if runs in one database.
CREATE FUNCTION sim.replay_capture(t bigint, journal_hw bigint DEFAULT NULL) RETURNS void
LANGUAGE plpgsql VOLATILE AS $$
BEGIN
    PERFORM sim.require_arg(t, 't');
    TRUNCATE sim.replay_tick, sim.replay_journal, sim.replay_change;
    INSERT INTO sim.replay_tick SELECT * FROM sim.tick_log l WHERE l.tick > t;
    INSERT INTO sim.replay_journal SELECT * FROM sim.journal j
     WHERE CASE WHEN journal_hw IS NULL THEN j.tick > t ELSE j.seq > journal_hw END;
    INSERT INTO sim.replay_change SELECT * FROM sim.change c WHERE c.tick > t;
END
$$;
COMMENT ON FUNCTION sim.replay_capture(bigint, bigint) IS
    'Replace the recording (sim.replay_tick, replay_journal, replay_change) with this database''s ticks, commands and changes after tick t (commands after journal_hw when given)';

-- The table each kind of change record names.
CREATE FUNCTION sim.change_table(kind smallint) RETURNS text
LANGUAGE sql IMMUTABLE
RETURN (ARRAY['ship', 'ship_cargo', 'station_stock', 'market_order', 'trade', 'wallet'])[kind];
COMMENT ON FUNCTION sim.change_table(smallint) IS 'The table a kind of sim.change row describes';

-- A row of the change record as sim.replay reports it: its sector and its
-- fields by name (sim.change_kind), or NULL for a deleted entity.
CREATE FUNCTION sim.change_row_json(kind smallint, sector_id integer, val double precision[])
RETURNS jsonb
LANGUAGE sql STABLE
RETURN CASE WHEN val IS NOT NULL THEN
       jsonb_build_object('sector_id', sector_id)
       || (SELECT jsonb_object_agg(f.name, f.v)
             FROM unnest((SELECT k.fields FROM sim.change_kind k WHERE k.kind = change_row_json.kind), val) f(name, v)
            WHERE f.name IS NOT NULL)
       END;
COMMENT ON FUNCTION sim.change_row_json(smallint, integer, double precision[]) IS
    'A change row''s sector and named fields as JSON (NULL: the entity was deleted)';

-- Replay the recording from the current universe; see docs/lifecycle.md.
CREATE FUNCTION sim.replay(recording bytea DEFAULT NULL, ticks integer DEFAULT NULL)
RETURNS TABLE (ticks_replayed bigint, matched boolean, first_divergent_tick bigint, table_name text,
               entity_kind text, entity_id bigint, sub_id integer, expected jsonb, actual jsonb)
LANGUAGE plpgsql VOLATILE AS $$
DECLARE
    w           sim.world;
    first_tick  bigint;
    last_tick   bigint;
    rec         sim.replay_tick;
    j           sim.replay_journal;
    failed      sim.replay_journal;
    failure     jsonb;
    d           record;
    n           bigint := 0;
BEGIN
    IF NOT sim.acting_as_operator() THEN
        RAISE EXCEPTION 'only an operator may replay'
            USING ERRCODE = 'insufficient_privilege';
    END IF;
    IF ticks IS NOT NULL AND ticks < 1 THEN
        RAISE EXCEPTION 'ticks must be positive, not %', ticks USING ERRCODE = 'invalid_parameter_value';
    END IF;
    IF recording IS NOT NULL THEN
        IF octet_length(recording) = 0 THEN
            RAISE EXCEPTION 'the recording is empty'
                USING ERRCODE = 'invalid_parameter_value',
                      HINT = 'Pass an export (sim.export_snapshot), or NULL to replay the recording loaded already.';
        END IF;
        PERFORM sim.load_recording(recording);
    END IF;
    SELECT min(r.tick), max(r.tick) INTO first_tick, last_tick FROM sim.replay_tick r;
    IF first_tick IS NULL THEN
        RAISE EXCEPTION 'there is no recording to replay'
            USING ERRCODE = 'invalid_parameter_value',
                  HINT = 'Pass an export (sim.export_snapshot) that holds ticks after its snapshot, or import one first.';
    END IF;
    SELECT * INTO w FROM sim.world FOR UPDATE;
    IF NOT FOUND THEN
        RAISE EXCEPTION 'there is no universe to replay the recording on'
            USING ERRCODE = 'SM018', HINT = 'Import the recording''s snapshot (sim.import_snapshot) first.';
    END IF;
    IF NOT w.paused AND (SELECT t.worker_pid FROM sim.ticker_state() t) IS NOT NULL
       AND current_setting('sim.enabled')::boolean
       AND current_setting('sim.database') = pg_catalog.current_database() THEN
        RAISE EXCEPTION 'the ticker is running'
            USING ERRCODE = 'SM018',
                  DETAIL = 'Replay runs the recorded ticks itself, one after another.',
                  HINT = 'Pause the universe first: sim.pause().';
    END IF;
    IF w.tick <> first_tick - 1
       OR sim.replay_tick_hash(first_tick, w.state_hash)
              IS DISTINCT FROM (SELECT r.state_hash FROM sim.replay_tick r WHERE r.tick = first_tick) THEN
        RAISE EXCEPTION 'the universe is not at the recording''s start'
            USING ERRCODE = 'SM018',
                  DETAIL = format('The recording starts from tick %s; the universe is at tick %s%s.', first_tick - 1, w.tick,
                                  CASE WHEN w.tick = first_tick - 1 THEN ' with another state hash' END),
                  HINT = 'Roll back to (or import) the snapshot the recording was exported with.';
    END IF;
    IF (SELECT count(*) FROM sim.replay_tick) <> last_tick - first_tick + 1 THEN
        RAISE EXCEPTION 'the recording has gaps between ticks % and %', first_tick, last_tick
            USING ERRCODE = 'invalid_parameter_value',
                  HINT = 'Export it again: its tick log must be kept for every tick since the snapshot (sim.tick_history).';
    END IF;
    IF ticks IS NOT NULL THEN
        last_tick := least(last_tick, first_tick + ticks - 1);
    END IF;

    FOR rec IN SELECT * FROM sim.replay_tick r WHERE r.tick <= last_tick ORDER BY r.tick LOOP
        failed := NULL;
        FOR j IN SELECT * FROM sim.replay_journal rj WHERE rj.tick = rec.tick ORDER BY rj.seq LOOP
            BEGIN
                PERFORM sim.replay_command(j.command, j.args, j.player_id, j.issued_by);
            EXCEPTION WHEN OTHERS THEN
                IF failed IS NULL THEN
                    failed := j;
                    failure := jsonb_build_object('sqlstate', SQLSTATE, 'message', SQLERRM);
                END IF;
            END;
        END LOOP;
        PERFORM sim.step(1);
        n := n + 1;
        IF (SELECT sw.state_hash FROM sim.world sw) IS DISTINCT FROM rec.state_hash OR failed IS NOT NULL THEN
            -- the first divergence: a recorded command that failed, else the
            -- first entity (kind, id, sub_id) whose rows of the tick differ
            SELECT coalesce(e.kind, a.kind) AS kind, coalesce(e.id, a.id) AS id, coalesce(e.sub_id, a.sub_id) AS sub_id,
                   e.rows AS expected, a.rows AS actual
              INTO d
              FROM (SELECT c.kind, c.id, c.sub_id, string_agg(int4send(c.sector_id) || coalesce(array_send(c.val), '\x00'), ''
                                                              ORDER BY c.seq) AS bytes,
                           jsonb_agg(sim.change_row_json(c.kind, c.sector_id, c.val) ORDER BY c.seq) AS rows
                      FROM sim.replay_change c WHERE c.tick = rec.tick GROUP BY 1, 2, 3) e
              FULL JOIN (SELECT c.kind, c.id, c.sub_id, string_agg(int4send(c.sector_id) || coalesce(array_send(c.val), '\x00'), ''
                                                                   ORDER BY c.seq) AS bytes,
                                jsonb_agg(sim.change_row_json(c.kind, c.sector_id, c.val) ORDER BY c.seq) AS rows
                           FROM sim.change c WHERE c.tick = rec.tick GROUP BY 1, 2, 3) a
                ON a.kind = e.kind AND a.id = e.id AND a.sub_id = e.sub_id
             WHERE e.bytes IS DISTINCT FROM a.bytes
             ORDER BY 1, 2, 3
             LIMIT 1;
            IF failed IS NOT NULL THEN
                RETURN QUERY SELECT n, false, rec.tick, 'journal'::text, failed.command, failed.seq, NULL::integer,
                                    failed.args, failure;
            ELSIF d.kind IS NOT NULL THEN
                RETURN QUERY SELECT n, false, rec.tick, sim.change_table(d.kind),
                                    (SELECT k.name FROM sim.change_kind k WHERE k.kind = d.kind),
                                    d.id, d.sub_id, d.expected, d.actual;
            ELSE
                RETURN QUERY SELECT n, false, rec.tick, NULL::text, NULL::text, NULL::bigint, NULL::integer,
                                    NULL::jsonb, NULL::jsonb;
            END IF;
            RETURN;
        END IF;
    END LOOP;
    RETURN QUERY SELECT n, true, NULL::bigint, NULL::text, NULL::text, NULL::bigint, NULL::integer,
                        NULL::jsonb, NULL::jsonb;
END
$$;
COMMENT ON FUNCTION sim.replay(bytea, integer) IS
    'Re-apply a recording (an export''s, or the one loaded) tick by tick from its snapshot and report the first divergent tick, table and entity, or that every tick matched (operators only)';

-- The journal in the snapshot registry (sql/lifecycle.sql).  A snapshot
-- holds the journal (state: every row visible at the capture, so a
-- rollback restores it with the universe), and an export adds the
-- recording: the ticks after the snapshot with their hashes, the commands
-- journalled after it, and the change rows of those ticks, which
-- sim.import_snapshot and sim.load_recording restore into the replay
-- tables.  Filters: $1 = the snapshot's tick, $2 = its journal high-water
-- mark.
INSERT INTO sim.snapshot_section (name, part, source, target, filter, ord) VALUES
    ('journal', 'state', 'sim.journal', 'sim.journal', NULL, 410),
    ('replay_tick', 'recording', 'sim.tick_log', 'sim.replay_tick', 'tick > $1', 1001),
    ('replay_journal', 'recording', 'sim.journal', 'sim.replay_journal', 'seq > $2', 1002),
    ('replay_change', 'recording', 'sim.change', 'sim.replay_change', 'tick > $1', 1003);
