-- sim: the per-tick state hash (docs/engine.md, "State hash").
--
-- Each tick's hash is chained from the previous tick's and the tick's rows
-- of the change record (sql/deltas.sql), so two universes that diverge
-- differ in the hash of the first tick that differs, and in every tick
-- after it.  The tick (src/tick.c) computes it with sim.tick_hash once per
-- tick, records it in sim.tick_log and keeps the chain's head in sim.world
-- beside the tick counter, so the log's retention cannot break the chain.

ALTER TABLE sim.world ADD COLUMN state_hash bytea NOT NULL DEFAULT decode(repeat('00', 32), 'hex')
    CHECK (octet_length(state_hash) = 32);
COMMENT ON COLUMN sim.world.state_hash IS
    'The state hash of the current tick (as in sim.tick_log); 32 zero bytes before the first tick';

ALTER TABLE sim.tick_log ADD COLUMN state_hash bytea NOT NULL CHECK (octet_length(state_hash) = 32);
COMMENT ON COLUMN sim.tick_log.state_hash IS
    'sim.tick_hash(tick, the previous tick''s state hash): chained over the ticks'' change records';

-- The state hash of tick t chained from prev: sha256 of prev followed by
-- each of the tick's change rows, as kind (int2), id (int8), sub_id (int4),
-- sector_id (int4) in network byte order, then 0x00 for a deleted entity or
-- 0x01 and array_send(val) (float8 bits, big-endian).  The rows are taken by
-- entity (kind, id, sub_id), and an entity's rows in the order they were
-- written (seq): concurrent commands on different entities draw seqs in
-- whatever order they interleave, which says nothing of the state, while the
-- writes of one entity are ordered by its row lock.  seq itself is left
-- out: its values differ between databases.
-- Its SQL-standard body is resolved once, at install, so it needs no pinned
-- search_path (whose SET clause would cost a configuration save and restore
-- at every call).  Its subquery keeps it from being inlined: the tick's
-- statement runs it as a function, its body planned at each tick.
CREATE FUNCTION sim.tick_hash(t bigint, prev bytea) RETURNS bytea
LANGUAGE sql STABLE
RETURN sha256(prev || coalesce(
    (SELECT string_agg(int2send(c.kind) || int8send(c.id) || int4send(c.sub_id) || int4send(c.sector_id)
                       || CASE WHEN c.val IS NULL THEN '\x00'::bytea ELSE '\x01'::bytea || array_send(c.val) END,
                       ''::bytea ORDER BY c.kind, c.id, c.sub_id, c.seq)
       FROM sim.change c WHERE c.tick = t),
    ''::bytea));
COMMENT ON FUNCTION sim.tick_hash(bigint, bytea) IS
    'The state hash of tick t chained from prev: sha256(prev || the tick''s rows of sim.change by kind, id, sub_id and seq, seq left out)';
