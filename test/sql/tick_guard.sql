--
-- tick_guard: the guard commands take, as one session sees it.  The waits
-- between sessions (a tick ending a player's transaction, an operator's
-- hold) are tested in test/t/060_command_wait.pl.  PREPARE TRANSACTION of a
-- guarded transaction is refused before PostgreSQL looks at
-- max_prepared_transactions, so this runs on any server.
--
SET client_min_messages = warning;
CREATE EXTENSION IF NOT EXISTS sim CASCADE;
RESET client_min_messages;
\set SHOW_CONTEXT never

-- the bound on a tick's wait: 200 ms by default, 1 ms to 1 h, superuser only
SELECT setting, unit, min_val, max_val, context
  FROM pg_settings WHERE name = 'sim.max_command_wait_ms';
SET sim.max_command_wait_ms = 0;
SET sim.max_command_wait_ms = '2h';
CREATE ROLE regress_guard_player;
SET ROLE regress_guard_player;
SET sim.max_command_wait_ms = 50;
RESET ROLE;
DROP ROLE regress_guard_player;

-- The guard holds the tick lock in share mode until the transaction ends.
CREATE FUNCTION pg_temp.guard_locks() RETURNS bigint LANGUAGE sql AS $$
    SELECT count(*) FROM pg_locks
     WHERE pid = pg_backend_pid() AND locktype = 'advisory' AND mode = 'ShareLock' AND granted
$$;
BEGIN;
SELECT sim.tick_guard();
SELECT pg_temp.guard_locks() AS held;
COMMIT;
SELECT pg_temp.guard_locks() AS held_after_commit;

-- PREPARE TRANSACTION of a guarded transaction is refused, and rolls it back
BEGIN;
SELECT sim.tick_guard();
PREPARE TRANSACTION 'regress_guard';
\echo :LAST_ERROR_SQLSTATE
SELECT pg_temp.guard_locks() AS held_after_refusal;

-- the same session's next guard is taken again (no flag left behind)
BEGIN;
SELECT sim.tick_guard();
SELECT pg_temp.guard_locks() AS held_again;
ROLLBACK;

-- a guard taken in a subtransaction that committed is the transaction's
BEGIN;
DO $$ BEGIN PERFORM sim.tick_guard(); EXCEPTION WHEN others THEN NULL; END $$;
SELECT pg_temp.guard_locks() AS held_from_subtransaction;
PREPARE TRANSACTION 'regress_guard';
\echo :LAST_ERROR_SQLSTATE

-- a guard taken before a savepoint that rolls back is still held
BEGIN;
SELECT sim.tick_guard();
SAVEPOINT a;
SELECT 1 / 0;
ROLLBACK TO a;
SELECT pg_temp.guard_locks() AS held_past_savepoint;
PREPARE TRANSACTION 'regress_guard';
\echo :LAST_ERROR_SQLSTATE
SELECT count(*) AS prepared FROM pg_prepared_xacts;

-- sim.status's columns for waits come from sim.ticker_state()
SELECT command_waits >= 0 AS waits_counted, command_holders_ended >= 0 AS ended_counted,
       command_wait_action IS NULL OR command_wait_action IN ('waiting', 'waited', 'cancelled', 'terminated')
           AS action_known
  FROM sim.ticker_state();
SELECT attname, format_type(atttypid, atttypmod) AS type
  FROM pg_attribute
 WHERE attrelid = 'sim.status'::regclass AND attname LIKE 'command%' AND attnum > 0
 ORDER BY attnum;
SELECT column_default, is_nullable FROM information_schema.columns
 WHERE table_schema = 'sim' AND table_name = 'tick_log' AND column_name = 'waited_ms';
