-- test/upgrade/universe.sql -- a universe's state as test/upgrade/run.sh
-- compares it: every tick's state hash (the chain from the first tick on),
-- then sim.universe_digest() table by table without sim.price_history
-- (its partitions are members of the extension: a dump leaves them out, and
-- a restored universe starts it afresh), then what sim.audit() finds.
\pset format unaligned
\pset tuples_only on
SELECT 'tick ' || tick || ' ' || encode(state_hash, 'hex') FROM sim.tick_log ORDER BY tick;
SELECT 'table ' || table_name || ' ' || row_count || ' ' || md5
  FROM sim.universe_digest() WHERE table_name <> 'price_history' ORDER BY table_name;
SELECT 'audit ' || check_name || ' ' || subject || ' ' || expected || ' ' || actual
  FROM sim.audit() ORDER BY 1;
