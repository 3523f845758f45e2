--
-- state_hash: each tick's hash is chained from the previous tick's and the
-- tick's rows of the change record (sql/state_hash.sql).  One universe is
-- run three times in this database: seed 42 for 50 ticks; the same seed
-- again (the change record's seq values now differ); the same seed with
-- the tax rate changed after tick 20.  The first two runs must agree at
-- every tick; the third must agree up to the tick before its change record
-- first differs from the first run's, and differ at that tick and every
-- tick after it.  Then: each hash is 32 bytes and follows the documented
-- byte layout, the chain's head is in sim.world, and who may read it.
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
-- a run's hashes and its change rows (seq kept apart from the content)
CREATE TEMP TABLE run_hash (run integer, tick bigint, state_hash bytea, PRIMARY KEY (run, tick));
CREATE TEMP TABLE run_change (run integer, tick bigint, seq bigint, kind smallint, id bigint,
                              sub_id integer, sector_id integer, val double precision[]);
CREATE FUNCTION pg_temp.keep(r integer) RETURNS void LANGUAGE sql AS $$
    INSERT INTO run_hash SELECT r, tick, state_hash FROM sim.tick_log;
    INSERT INTO run_change SELECT r, tick, seq, kind, id, sub_id, sector_id, val FROM sim.change;
$$;
-- the first tick at which run r's change rows (by entity, each entity's
-- rows in seq order, seq left out) differ from run 1's
CREATE FUNCTION pg_temp.first_difference(r integer) RETURNS bigint LANGUAGE sql AS $$
    WITH per_tick AS (
        SELECT run, tick, array_agg(ROW(kind, id, sub_id, sector_id, val)::text ORDER BY kind, id, sub_id, seq) AS rows
          FROM run_change WHERE run IN (1, r) GROUP BY run, tick)
    SELECT min(t.tick)
      FROM generate_series(1, 50) t(tick)
      LEFT JOIN per_tick a ON a.run = 1 AND a.tick = t.tick
      LEFT JOIN per_tick b ON b.run = r AND b.tick = t.tick
     WHERE a.rows IS DISTINCT FROM b.rows;
$$;

---
--- Run 1: seed 42, 50 ticks.  Before the first tick the head is 32 zero bytes.
---
SELECT sim.generate_universe(42, 4, 300, reset => true) IS NOT NULL AS generated;
SELECT state_hash = decode(repeat('00', 32), 'hex') AS head_is_zero FROM sim.world;
SELECT sim.step(50);
SELECT pg_temp.keep(1);
SELECT count(*) AS ticks, count(*) FILTER (WHERE octet_length(state_hash) = 32) AS hashes_of_32_bytes,
       count(DISTINCT state_hash) AS distinct_hashes
  FROM run_hash WHERE run = 1;
-- the head is the last tick's hash
SELECT w.state_hash = h.state_hash AS head_is_last_hash
  FROM sim.world w JOIN run_hash h ON h.run = 1 AND h.tick = w.tick;
-- each hash is sha256(previous hash || the tick's rows by entity (kind,
-- id, sub_id), each entity's in seq order, as kind int2, id int8, sub_id int4, sector_id int4, 0x01 || array_send(val)
-- or 0x00 when deleted), the first chained from 32 zero bytes
WITH rows AS (
    SELECT tick, string_agg(int2send(kind) || int8send(id) || int4send(sub_id) || int4send(sector_id)
                            || CASE WHEN val IS NULL THEN '\x00'::bytea ELSE '\x01'::bytea || array_send(val) END,
                            ''::bytea ORDER BY kind, id, sub_id, seq) AS bytes
      FROM run_change WHERE run = 1 GROUP BY tick),
chain AS (
    SELECT h.tick, h.state_hash,
           coalesce(lag(h.state_hash) OVER (ORDER BY h.tick), decode(repeat('00', 32), 'hex')) AS prev
      FROM run_hash h WHERE h.run = 1)
SELECT count(*) AS ticks_checked,
       count(*) FILTER (WHERE c.state_hash = sha256(c.prev || coalesce(r.bytes, ''::bytea))) AS follow_the_layout,
       count(r.bytes) = count(*) AS every_tick_has_changes
  FROM chain c LEFT JOIN rows r USING (tick);

---
--- Run 2: the same seed again.  The sequence has moved on, so no change row
--- has the seq it had in run 1; the hashes are equal at every tick.
---
SELECT sim.generate_universe(42, 4, 300, reset => true) IS NOT NULL AS regenerated;
SELECT sim.step(50);
SELECT pg_temp.keep(2);
SELECT (SELECT min(seq) FROM run_change WHERE run = 2) > (SELECT max(seq) FROM run_change WHERE run = 1)
       AS seqs_differ,
       pg_temp.first_difference(2) AS first_different_changes;
SELECT count(*) AS ticks, count(*) FILTER (WHERE a.state_hash = b.state_hash) AS equal_hashes
  FROM run_hash a JOIN run_hash b ON b.run = 2 AND b.tick = a.tick WHERE a.run = 1;

---
--- The order in which concurrent writers drew seqs for different entities
--- does not change the hash; the order of one entity's writes does.  In a
--- transaction rolled back after: renumber a tick's rows with the entities
--- in reverse order, each entity's rows kept in order, and the hash is the
--- same; then give one entity a second row and swap the two rows' seqs, and
--- the hashes of the two orders differ.
---
BEGIN;
CREATE TEMP TABLE probe AS
SELECT h.tick, h.state_hash,
       coalesce(lag(h.state_hash) OVER (ORDER BY h.tick), decode(repeat('00', 32), 'hex')) AS prev
  FROM sim.tick_log h;
SELECT tick AS probe_tick FROM sim.change WHERE val IS NOT NULL
 GROUP BY tick HAVING count(DISTINCT kind) > 1 ORDER BY count(*) DESC, tick LIMIT 1 \gset
UPDATE sim.change c SET seq = r.new_seq - 1000000000
  FROM (SELECT seq, row_number() OVER (ORDER BY kind DESC, id DESC, sub_id DESC, seq) AS new_seq
          FROM sim.change WHERE tick = :probe_tick) r
 WHERE c.tick = :probe_tick AND c.seq = r.seq;
SELECT (SELECT array_agg(seq ORDER BY kind, id, sub_id, seq) FROM sim.change WHERE tick = :probe_tick)
       <> (SELECT array_agg(seq ORDER BY seq) FROM sim.change WHERE tick = :probe_tick) AS entities_reordered,
       sim.tick_hash(p.tick, p.prev) = p.state_hash AS same_hash
  FROM probe p WHERE p.tick = :probe_tick;
INSERT INTO sim.change (tick, seq, kind, id, sub_id, sector_id, val)
SELECT tick, 0, kind, id, sub_id, sector_id, array_prepend(val[1] + 1, val[2:])
  FROM sim.change WHERE tick = :probe_tick AND val IS NOT NULL ORDER BY seq LIMIT 1;
CREATE TEMP TABLE written_in_order AS
SELECT sim.tick_hash(p.tick, p.prev) AS h FROM probe p WHERE p.tick = :probe_tick;
SELECT min(seq) AS a, max(seq) AS b FROM sim.change WHERE tick = :probe_tick
 GROUP BY kind, id, sub_id HAVING count(*) = 2 \gset
UPDATE sim.change SET seq = -1 WHERE tick = :probe_tick AND seq = :a;
UPDATE sim.change SET seq = :a WHERE tick = :probe_tick AND seq = :b;
UPDATE sim.change SET seq = :b WHERE tick = :probe_tick AND seq = -1;
SELECT sim.tick_hash(p.tick, p.prev) <> w.h AS one_entitys_order_counts
  FROM probe p, written_in_order w WHERE p.tick = :probe_tick;
ROLLBACK;

---
--- Run 3: the same seed, with the tax rate changed after tick 20.  The hashes
--- equal run 1's before the first tick whose changes differ, and differ at
--- that tick and at every tick after it.
---
SELECT sim.generate_universe(42, 4, 300, reset => true) IS NOT NULL AS regenerated;
SELECT sim.step(20);
UPDATE sim.economy SET tax_rate = 0.05;
SELECT sim.step(30);
SELECT pg_temp.keep(3);
SELECT pg_temp.first_difference(3) BETWEEN 21 AND 50 AS diverges_after_the_change;
SELECT count(*) FILTER (WHERE a.tick < d AND a.state_hash = b.state_hash) = d - 1 AS equal_before,
       count(*) FILTER (WHERE a.tick >= d AND a.state_hash <> b.state_hash) = 51 - d AS differ_from_then_on
  FROM run_hash a JOIN run_hash b ON b.run = 3 AND b.tick = a.tick,
       LATERAL (SELECT pg_temp.first_difference(3) AS d) f
 WHERE a.run = 1
 GROUP BY d;

---
--- Who may read it: operators (sim.tick_log, sim.world); players and
--- anonymous callers have no access to the sim schema.  api.tick_times
--- does not show it.
---
SET ROLE sim_operator;
SELECT count(*) AS operator_reads FROM sim.tick_log WHERE octet_length(state_hash) = 32;
SELECT octet_length(sim.tick_hash(1, decode(repeat('00', 32), 'hex'))) AS operator_computes;
RESET ROLE;
SET ROLE sim_player;
SELECT pg_temp.fails('SELECT state_hash FROM sim.tick_log') AS player_reads_log,
       pg_temp.fails('SELECT state_hash FROM sim.world') AS player_reads_head,
       pg_temp.fails('SELECT sim.tick_hash(1, ''\x00''::bytea)') AS player_computes;
RESET ROLE;
SET ROLE sim_anon;
SELECT pg_temp.fails('SELECT state_hash FROM sim.tick_log') AS anon_reads_log;
RESET ROLE;
SELECT count(*) AS tick_times_has_state_hash
  FROM information_schema.columns
 WHERE table_schema = 'api' AND table_name = 'tick_times' AND column_name = 'state_hash';
