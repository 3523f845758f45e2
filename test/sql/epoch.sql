--
-- epoch: the universe's epoch everywhere a client sees the universe.
-- sim.status, every row of the change feed and every delta's header carry
-- the epoch of sim.world; a regenerated universe has a new one; every
-- function that resumes from a tick takes the epoch the caller follows and
-- refuses another with SM012 (and a hint to reload), changing nothing; a
-- NULL epoch is not checked.  Version 1 deltas (no epoch) still decode.
-- Only operators call these functions.
--
SET client_min_messages = warning;
CREATE EXTENSION IF NOT EXISTS sim CASCADE;
RESET client_min_messages;

-- a statement's outcome: 'ok', or its SQLSTATE and message (and hint),
-- the random epochs in the message named: CURRENT (sim.world's) and FIRST
-- (the first universe's, in temp table first)
CREATE FUNCTION pg_temp.try(stmt text, with_hint boolean DEFAULT false) RETURNS text
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
    msg := replace(replace(msg, (SELECT w.epoch::text FROM sim.world w), 'CURRENT'),
                   (SELECT f.epoch::text FROM first f), 'FIRST');
    RETURN code || ': ' || msg || CASE WHEN with_hint THEN ' / ' || coalesce(hint, '(no hint)') ELSE '' END;
END
$$;

SELECT sim.generate_universe(4242, 4, 60, reset => true) IS NOT NULL AS generated;
SELECT sim.step(12);
CREATE TEMP TABLE first AS SELECT w.epoch, w.tick FROM sim.world w;

-- the epoch: in range, and the same in the status, the feed, the deltas
SELECT epoch BETWEEN 1 AND 9007199254740991 AS in_range FROM first;
SELECT s.epoch = f.epoch AS status_epoch FROM sim.status s, first f;
SELECT count(*) > 0 AS some_changes, bool_and(c.epoch = f.epoch) AS every_row
  FROM sim.changes_since(0) c, first f;
SELECT i.version, i.epoch = f.epoch AS delta_header
  FROM sim.delta_info(sim.delta(0, 12)) i, first f;
SELECT i.version, i.epoch = f.epoch AS empty_delta_header
  FROM sim.delta_info(sim.delta(12, 12)) i, first f;
SELECT i.version, i.epoch = f.epoch AS state_header, i.from_tick, i.to_tick
  FROM sim.delta_info(sim.delta_state()) i, first f;
SELECT count(*) > 0 AS some_records, bool_and(r.epoch = f.epoch) AS every_record
  FROM sim.delta_records(sim.delta(0, 12, ARRAY[1, 2])) r, first f;
SELECT bool_and(d.epoch = f.epoch) AS every_decoded_row
  FROM sim.delta_decode(sim.delta(0, 12)) d, first f;

-- a NULL epoch is not checked, and the current one passes: the same answers
SELECT (SELECT array_agg(c ORDER BY c.tick, c.seq) FROM sim.changes_since(3) c)
       = (SELECT array_agg(c ORDER BY c.tick, c.seq) FROM sim.changes_since(3, NULL, NULL) c) AS null_same,
       (SELECT array_agg(c ORDER BY c.tick, c.seq) FROM sim.changes_since(3) c)
       = (SELECT array_agg(c ORDER BY c.tick, c.seq) FROM sim.changes_since(3, epoch => f.epoch) c) AS current_same
  FROM first f;
SELECT sim.delta(2, 12) = sim.delta(2, 12, epoch => NULL) AS delta_null_same,
       sim.delta(2, 12) = sim.delta(2, 12, NULL, true, f.epoch) AS delta_current_same,
       sim.delta_state() = sim.delta_state(epoch => f.epoch) AS state_current_same
  FROM first f;

-- a stale epoch: SM012 with a hint to reload, from every function that
-- takes one, before any check of the tick (a replaced universe's ticks mean
-- nothing to the caller); nothing is written
CREATE TEMP TABLE before AS SELECT (SELECT count(*) FROM sim.change) AS changes, (SELECT tick FROM sim.world) AS tick;
SELECT pg_temp.try('SELECT sim.changes_since(3, epoch => 1)', true) AS changes_since;
SELECT pg_temp.try('SELECT sim.delta(3, 12, epoch => 1)', true) AS delta;
SELECT pg_temp.try('SELECT sim.delta_state(epoch => 1)', true) AS delta_state;
SELECT pg_temp.try('SELECT sim.delta_state(ARRAY[1], 1)', true) AS delta_state_sectors;
SELECT pg_temp.try('SELECT sim.check_change_range(3, 12, 1)', true) AS check_change_range;
SELECT pg_temp.try('SELECT sim.changes_since(500, epoch => 1)') AS future_tick_stale,
       pg_temp.try('SELECT sim.delta(500, 600, epoch => 1)') AS future_range_stale,
       pg_temp.try('SELECT sim.changes_since(500, epoch => epoch) FROM first') AS future_tick_current;
-- hostile epochs: out of range, negative, the largest: refused alike
SELECT e, pg_temp.try(format('SELECT sim.changes_since(3, epoch => %s)', e)) AS outcome
  FROM unnest(ARRAY[0, -1, 9007199254740992, 9223372036854775807, -9223372036854775808]::bigint[]) e;
SELECT b.changes = (SELECT count(*) FROM sim.change) AS no_change_written,
       b.tick = (SELECT tick FROM sim.world) AS no_tick
  FROM before b;

-- a regenerated universe, the same seed and the same tick: a new epoch,
-- and the old one is refused although every tick number still exists
SELECT sim.generate_universe(4242, 4, 60, reset => true) IS NOT NULL AS regenerated;
SELECT sim.step(12);
SELECT w.tick = f.tick AS same_tick, w.epoch <> f.epoch AS new_epoch,
       w.epoch BETWEEN 1 AND 9007199254740991 AS in_range
  FROM sim.world w, first f;
SELECT s.epoch = w.epoch AS status_follows FROM sim.status s, sim.world w;
SELECT pg_temp.try('SELECT sim.changes_since(3, epoch => epoch) FROM first') AS old_epoch_feed,
       pg_temp.try('SELECT sim.delta(3, 12, epoch => epoch) FROM first') AS old_epoch_delta,
       pg_temp.try('SELECT sim.delta_state(epoch => epoch) FROM first') AS old_epoch_state;
SELECT bool_and(c.epoch = w.epoch) AS rows_carry_new_epoch
  FROM sim.changes_since(0) c, sim.world w;

-- a version 1 delta (no epoch in its header) decodes: the same records,
-- version 1, epoch NULL
CREATE TEMP TABLE v2 AS SELECT sim.delta(0, 12, compress => false) AS d;
CREATE TEMP TABLE v1 AS
SELECT overlay(substr(d, 1, 40) placing '\x01'::bytea from 5) || substr(d, 49) AS d FROM v2;
SELECT i.version, i.epoch IS NULL AS no_epoch, i.packed_bytes = length(v1.d) AS length_ok,
       length(v2.d) - length(v1.d) AS header_grew_by
  FROM v1, v2, sim.delta_info(v1.d) i;
SELECT (SELECT array_agg((r.tick, r.seq, r.kind, r.id, r.sub_id, r.sector_id, r.val::text)) FROM sim.delta_records(v1.d) r)
       = (SELECT array_agg((r.tick, r.seq, r.kind, r.id, r.sub_id, r.sector_id, r.val::text)) FROM sim.delta_records(v2.d) r)
       AS same_records,
       (SELECT bool_and(r.epoch IS NULL) FROM sim.delta_records(v1.d) r) AS v1_records_no_epoch
  FROM v1, v2;
-- a version 2 delta cut to a version 1 header, or read as version 1: refused
SELECT pg_temp.try('SELECT sim.delta_info(substr(d, 1, 44)) FROM v2') AS short_v2_header,
       pg_temp.try($$SELECT sim.delta_info(overlay(d placing '\x01'::bytea from 5)) FROM v2$$) AS v2_as_v1,
       pg_temp.try($$SELECT sim.delta_info(overlay(d placing '\x03'::bytea from 5)) FROM v2$$) AS version_3;

-- sim.notify_epoch runs for the operator (its notification, sent only at
-- commit, is checked by web/test/live.test.mjs); rolled back, it sends nothing
BEGIN;
SELECT sim.notify_epoch();
ROLLBACK;

-- who may call: operators; players and anonymous clients are refused (42501)
SET ROLE sim_anon;
SELECT pg_temp.try('SELECT sim.changes_since(0)') AS anon_feed,
       pg_temp.try('SELECT sim.delta(0, 1, epoch => 1)') AS anon_delta,
       pg_temp.try('SELECT sim.notify_epoch()') AS anon_notify,
       pg_temp.try('SELECT sim.check_epoch(1)') AS anon_check;
RESET ROLE;
SET ROLE sim_player;
SELECT pg_temp.try('SELECT sim.changes_since(0)') AS player_feed,
       pg_temp.try('SELECT sim.delta_state(NULL, 1)') AS player_state,
       pg_temp.try('SELECT sim.notify_epoch()') AS player_notify,
       pg_temp.try('SELECT epoch FROM sim.status') AS player_status;
RESET ROLE;
SET ROLE sim_operator;
SELECT pg_temp.try('SELECT sim.changes_since(0, epoch => (SELECT epoch FROM sim.world))') AS operator_feed,
       pg_temp.try('SELECT sim.changes_since(0, epoch => 1)') AS operator_stale,
       pg_temp.try('SELECT epoch FROM sim.status') AS operator_status;
BEGIN;
SELECT pg_temp.try('SELECT sim.notify_epoch()') AS operator_notify;
ROLLBACK;
RESET ROLE;
SELECT f AS public_may_execute
  FROM unnest(ARRAY['sim.changes_since(bigint, integer[], bigint)', 'sim.delta(bigint, bigint, integer[], boolean, bigint)',
                    'sim.delta_state(integer[], bigint)', 'sim.notify_epoch()', 'sim.check_epoch(bigint)',
                    'sim.change_feed(bigint, integer[], bigint)']) f
 WHERE has_function_privilege('public', f, 'EXECUTE');
