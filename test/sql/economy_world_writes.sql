-- Writes the economy's kept world must not lose nor miss: each case runs a
-- universe twice from the same seed, once with the write in a statement of
-- its own between ticks (the plain case), once with the write where the
-- tick could miss it, and compares what the two universes became.
SET client_min_messages = warning;
CREATE EXTENSION IF NOT EXISTS sim CASCADE;

CREATE TEMP TABLE outcome (run text PRIMARY KEY, credits bigint, trades bigint, digest text);
CREATE FUNCTION pg_temp.record(run text) RETURNS void LANGUAGE sql AS $$
    INSERT INTO outcome
    SELECT run, (SELECT sum(credits) FROM sim.wallet), (SELECT count(*) FROM sim.trade),
           (SELECT md5(string_agg(table_name || row_count || md5, ',' ORDER BY table_name))
              FROM sim.universe_digest() WHERE table_name IN ('wallet', 'trade', 'ship', 'station_stock', 'ledger'))
$$;
CREATE FUNCTION pg_temp.fresh() RETURNS void LANGUAGE sql AS $$
    SELECT sim.generate_universe(11, 3, 300, reset => true);
    SELECT sim.step(20);
$$;

-- 1. A write in the same statement as the tick (sim.step in a DML's CTE):
--    the tick must see it, as it sees a write committed before it.
SELECT pg_temp.fresh();
UPDATE sim.wallet SET credits = credits + 5000000 WHERE faction_id = 1;
SELECT sim.step(1);
SELECT sim.step(20);
SELECT pg_temp.record('plain');

SELECT pg_temp.fresh();
WITH u AS (UPDATE sim.wallet SET credits = credits + 5000000 WHERE faction_id = 1 RETURNING 1)
SELECT sim.step(1) FROM (SELECT count(*) FROM u) x;
SELECT sim.step(20);
SELECT pg_temp.record('in the statement of the tick');

-- 2. A write set off by the tick's own writes (a user's trigger): it adds
--    up, and the next ticks see it.
SELECT pg_temp.fresh();
SELECT sim.step(1);
UPDATE sim.wallet SET credits = credits + 1000000 WHERE faction_id = 2;
SELECT sim.step(20);
SELECT pg_temp.record('plain, after');

SELECT pg_temp.fresh();
CREATE TABLE once (done boolean);
CREATE FUNCTION pg_temp.bonus_once() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF NOT EXISTS (SELECT 1 FROM public.once) THEN
        INSERT INTO public.once VALUES (true);
        UPDATE sim.wallet SET credits = credits + 1000000 WHERE faction_id = 2;
    END IF;
    RETURN NULL;
END
$$;
-- the tick's first write, after its decisions and before it writes the wallets
CREATE TRIGGER bonus AFTER UPDATE ON sim.ship FOR EACH STATEMENT EXECUTE FUNCTION pg_temp.bonus_once();
SELECT sim.step(1);
DROP TRIGGER bonus ON sim.ship;
SELECT sim.step(20);
SELECT pg_temp.record('set off by the tick');
SELECT (SELECT count(*) FROM once) AS bonus_paid;

SELECT a.run, b.run AS beside, a.credits = b.credits AS same_credits, a.trades = b.trades AS same_trades,
       a.digest = b.digest AS same_universe
  FROM outcome a JOIN outcome b ON (a.run, b.run) IN (('plain', 'in the statement of the tick'),
                                                      ('plain, after', 'set off by the tick'))
 ORDER BY a.run;
-- the cases did something: the write changed the universe
SELECT (SELECT credits FROM outcome WHERE run = 'plain') <> (SELECT credits FROM outcome WHERE run = 'plain, after')
       AS the_writes_matter;

-- 3. A transaction that changed the kept tables cannot be prepared
BEGIN;
UPDATE sim.good SET base_price = base_price WHERE id = 1;
PREPARE TRANSACTION 'regress_economy_world';
\echo :LAST_ERROR_SQLSTATE
SELECT count(*) AS prepared FROM pg_prepared_xacts WHERE gid = 'regress_economy_world';

-- 4. Nobody but an operator runs the stations' part, and not inside a tick
CREATE ROLE regress_world_stranger;
SET ROLE regress_world_stranger;
SELECT sim.economy_stations(1);
SELECT sim.run_stations(1);
RESET ROLE;
DROP ROLE regress_world_stranger;
DROP TABLE once;
