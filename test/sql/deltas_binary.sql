--
-- deltas_binary: binary deltas of the change record.  A delta decodes to
-- exactly the rows sim.changes_since returns for its range, in the same
-- order, compressed or not, for all sectors or some; ranges that cannot be
-- served and bytes that are not a delta are clean errors.
--
SET client_min_messages = warning;
CREATE EXTENSION IF NOT EXISTS sim CASCADE;
RESET client_min_messages;
-- partitions of 10 ticks: the record keeps the ticks after tick - 40
SET sim.change_retention = 40;

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

SELECT sim.generate_universe(5, 6, 1000, reset => true) IS NOT NULL AS generated;
SELECT sim.step(60);

-- round trip: same rows, same order
CREATE TEMP TABLE feed AS SELECT row_number() OVER () AS n, f.* FROM sim.changes_since(20) f;
CREATE TEMP TABLE decoded AS SELECT row_number() OVER () AS n, d.* FROM sim.delta_decode(sim.delta(20, 60)) d;
SELECT (SELECT count(*) FROM feed) > 1000 AS many,
       (SELECT count(*) FROM (SELECT * FROM feed EXCEPT ALL SELECT * FROM decoded) a) AS lost,
       (SELECT count(*) FROM (SELECT * FROM decoded EXCEPT ALL SELECT * FROM feed) b) AS invented;

-- the stored values, bit for bit (text of float8 with all digits)
SET extra_float_digits = 3;
SELECT count(*) AS differing
  FROM (SELECT tick, seq, kind, id, sub_id, sector_id, val::text FROM sim.change WHERE tick > 20
        EXCEPT ALL
        SELECT tick, seq, kind, id, sub_id, sector_id, val::text FROM sim.delta_records(sim.delta(20, 60))) x;
RESET extra_float_digits;

-- uncompressed: the same records, more bytes
SELECT c.records = u.records AS same_records, c.raw_bytes = u.raw_bytes AS same_raw,
       c.packed_bytes < u.packed_bytes AS lz4_smaller, u.packed_bytes = u.raw_bytes AS raw_is_raw,
       c.from_tick, c.to_tick
  FROM sim.delta_info(sim.delta(20, 60)) c, sim.delta_info(sim.delta(20, 60, compress => false)) u;
SELECT count(*) AS differing
  FROM (SELECT * FROM sim.delta_decode(sim.delta(20, 60, compress => false))
        EXCEPT ALL SELECT * FROM sim.delta_decode(sim.delta(20, 60))) x;

-- smaller than the feed as text, by far
SELECT (SELECT sum(octet_length(f::text)) FROM sim.changes_since(20) f)
       > 4 * length(sim.delta(20, 60)) AS compact;

-- some sectors, every tick of a range in single-tick deltas
SELECT count(*) = (SELECT count(*) FROM sim.change WHERE tick > 20 AND sector_id IN (2, 3)) AS all_of_theirs,
       bool_and(sector_id IN (2, 3)) AS only_theirs
  FROM sim.delta_decode(sim.delta(20, 60, ARRAY[2, 3]));
SELECT sum(n) = (SELECT count(*) FROM sim.change WHERE tick > 20) AS ticks_add_up
  FROM (SELECT (SELECT count(*) FROM sim.delta_records(sim.delta(t - 1, t))) AS n
          FROM generate_series(21, 60) t) x;
SELECT from_tick, to_tick, records, raw_bytes, packed_bytes, version,
       epoch = (SELECT w.epoch FROM sim.world w) AS current_epoch
  FROM sim.delta_info(sim.delta(60, 60));

-- ranges that cannot be served
SELECT pg_temp.try('SELECT sim.delta(NULL, 10)') AS null_from;
SELECT pg_temp.try('SELECT sim.delta(30, 20)') AS backwards;
SELECT pg_temp.try('SELECT sim.delta(20, 61)') AS future;
SELECT sim.step(20);
SELECT pg_temp.try('SELECT sim.delta(20, 70)') AS too_old;
SELECT pg_temp.try(format('SELECT sim.delta(%s, 80)', sim.change_horizon())) AS at_horizon;

-- bytes that are not a delta, or no longer one
CREATE TEMP TABLE good AS SELECT sim.delta(70, 80) AS d, sim.delta(70, 80, compress => false) AS raw;
SELECT pg_temp.try($$SELECT sim.delta_decode('')$$) AS empty;
SELECT pg_temp.try($$SELECT sim.delta_decode('hello, world')$$) AS text;
SELECT pg_temp.try('SELECT sim.delta_decode(substr(d, 1, length(d) - 1)) FROM good') AS truncated;
SELECT pg_temp.try('SELECT sim.delta_decode(d || ''\x00''::bytea) FROM good') AS trailing;
SELECT pg_temp.try('SELECT sim.delta_decode(overlay(d placing ''\x03''::bytea from 5)) FROM good') AS version;
-- every truncation of a delta is an error, none a crash
SELECT count(*) > 100 AS many, count(*) = count(*) FILTER (WHERE r LIKE '22P03:%') AS all_rejected
  FROM good, generate_series(0, length(good.d) - 1) n,
       LATERAL pg_temp.try(format('SELECT sim.delta_records(%L::bytea)', substr(good.d, 1, n))) r;
-- every flipped byte is rejected or decodes to some delta, never a crash
SELECT count(*) > 100 AS many, count(*) = count(*) FILTER (WHERE r = 'ok' OR r LIKE '22P03:%' OR r LIKE '54000:%') AS all_clean,
       count(*) FILTER (WHERE r LIKE '22P03:%') > 0 AS some_rejected
  FROM good, generate_series(1, length(good.raw)) n,
       LATERAL pg_temp.try(format('SELECT sim.delta_records(%L::bytea)',
                                  overlay(good.raw placing set_byte('\x00'::bytea, 0, get_byte(good.raw, n - 1) # 255)
                                          from n for 1))) r;
