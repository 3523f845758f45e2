--
-- replay_export: a recording carried by an export.  A universe is
-- snapshotted after a few ticks, played on with a player's commands, and
-- exported: the export carries the snapshot and what happened since.
-- Imported, it replays to the same hash at every tick and to the same
-- universe; replayed from the bytes themselves after a rollback, the same;
-- with a rule changed, it names the first divergent tick; an operator's
-- direct write, which is not a command, is the divergence it reports.  A
-- damaged export changes nothing.
--
SET client_min_messages = warning;
CREATE EXTENSION IF NOT EXISTS sim CASCADE;
CREATE FUNCTION pg_temp.fails(q text) RETURNS text LANGUAGE plpgsql AS $$
BEGIN
    EXECUTE q;
    RETURN 'no error';
EXCEPTION WHEN OTHERS THEN
    RETURN SQLSTATE;
END
$$;
SELECT sim.generate_universe(7, 4, 80, reset => true) IS NOT NULL AS generated;
CREATE TEMP TABLE p AS
SELECT sim.create_player('Export A', credits => 100000) AS player;
CREATE TEMP TABLE pa AS
SELECT p.player, s.id AS ship, s.docked_at AS station,
       (SELECT k.good_id FROM sim.station_stock k WHERE k.station_id = s.docked_at AND k.qty >= 20
         ORDER BY k.good_id LIMIT 1) AS good
  FROM p JOIN sim.player pl ON pl.id = p.player JOIN sim.ship s ON s.faction_id = pl.faction_id;
SELECT sim.step(3);
-- a command between ticks 3 and 4, before the snapshot: in the snapshot,
-- not in the recording
SELECT trade_id IS NOT NULL AS bought_before FROM pa, sim.buy(pa.ship, pa.good, 2);
SELECT name, tick FROM sim.snapshot('rx-start');
-- after the snapshot: commands and ticks
SELECT trade_id IS NOT NULL AS bought_after FROM pa, sim.buy(pa.ship, pa.good, 3);
SELECT sim.step(5);
SELECT trade_id IS NOT NULL AS sold FROM pa, sim.sell(pa.ship, pa.good, 4);
SELECT sim.undock(ship) IS NOT NULL AS undocking FROM pa;
SELECT sim.step(15);
CREATE TEMP TABLE run AS SELECT tick, state_hash FROM sim.tick_log WHERE tick > 3;
CREATE TEMP TABLE run_digest AS SELECT * FROM sim.universe_digest();
CREATE TEMP TABLE export AS SELECT sim.export_snapshot('rx-start') AS data;

-- Import: the snapshot's universe and the recording
SELECT tick FROM sim.import_snapshot((SELECT data FROM export), 'rx-import');
SELECT (SELECT count(*) FROM sim.replay_tick) AS ticks, (SELECT count(*) FROM sim.replay_journal) AS commands,
       (SELECT min(tick) FROM sim.replay_journal) AS first_command_tick;
SELECT * FROM sim.replay();
SELECT count(*) AS ticks, count(*) FILTER (WHERE l.state_hash = r.state_hash) AS same_hash
  FROM run r LEFT JOIN sim.tick_log l USING (tick);
SELECT (SELECT array_agg(d ORDER BY d.table_name) FROM sim.universe_digest() d)::text
     = (SELECT array_agg(d ORDER BY d.table_name) FROM run_digest d)::text AS same_universe;

-- From the bytes, after a rollback to the snapshot
SELECT tick FROM sim.rollback('rx-start');
SELECT matched, ticks_replayed FROM sim.replay((SELECT data FROM export));
-- ... and the first ticks only
SELECT tick FROM sim.rollback('rx-start');
SELECT matched, ticks_replayed FROM sim.replay((SELECT data FROM export), 2);
SELECT tick FROM sim.world;

-- A rule changed in the branch
SELECT tick FROM sim.rollback('rx-start');
UPDATE sim.economy SET spread = spread * 2;
CREATE TEMP TABLE report AS SELECT * FROM sim.replay();
-- the first tick whose change rows differ from the recording's, and there
-- the first entity, found from the rows themselves
WITH r AS (SELECT c.tick, c.kind, c.id, c.sub_id, array_agg(ROW(c.sector_id, c.val)::text ORDER BY c.seq) AS rows
             FROM sim.replay_change c WHERE c.tick <= (SELECT tick FROM sim.world) GROUP BY 1, 2, 3, 4),
     a AS (SELECT c.tick, c.kind, c.id, c.sub_id, array_agg(ROW(c.sector_id, c.val)::text ORDER BY c.seq) AS rows
             FROM sim.change c WHERE c.tick > 3 GROUP BY 1, 2, 3, 4),
     d AS (SELECT coalesce(r.tick, a.tick) AS tick, coalesce(r.kind, a.kind) AS kind, coalesce(r.id, a.id) AS id,
                  coalesce(r.sub_id, a.sub_id) AS sub_id
             FROM r FULL JOIN a ON a.tick = r.tick AND a.kind = r.kind AND a.id = r.id AND a.sub_id = r.sub_id
            WHERE r.rows IS DISTINCT FROM a.rows ORDER BY 1, 2, 3, 4 LIMIT 1)
SELECT rp.matched, rp.first_divergent_tick = d.tick AS tick_found, rp.first_divergent_tick > 3 AS after_the_snapshot,
       rp.entity_kind = (SELECT k.name FROM sim.change_kind k WHERE k.kind = d.kind)
       AND rp.entity_id = d.id AND rp.sub_id = d.sub_id AS entity_found
  FROM report rp, d;

-- A damaged export changes nothing: not the recording, not the universe
SELECT tick FROM sim.rollback('rx-start');
CREATE TEMP TABLE before AS SELECT count(*) AS n FROM sim.replay_journal;
SELECT pg_temp.fails('SELECT * FROM sim.replay(overlay((SELECT data FROM export) placing ''\xff''::bytea from 100 for 1))') AS damaged;
SELECT pg_temp.fails('SELECT * FROM sim.replay(''\x00''::bytea)') AS not_an_export;
SELECT (SELECT count(*) FROM sim.replay_journal) = (SELECT n FROM before) AS recording_kept, tick FROM sim.world;

-- What replay cannot reproduce: an operator's direct write is no command.
-- A run with one (a wallet credited between ticks 5 and 6), recorded from
-- this database, replays to the first divergence at that tick and wallet.
SELECT tick FROM sim.rollback('rx-start');
SELECT sim.step(2);
UPDATE sim.wallet SET credits = credits + 1 WHERE faction_id = (SELECT pl.faction_id FROM sim.player pl);
SELECT sim.step(3);
SELECT sim.replay_capture(3, (SELECT journal_hw FROM sim.snapshot_store WHERE name = 'rx-start'));
SELECT tick FROM sim.rollback('rx-start');
SELECT ticks_replayed, matched, first_divergent_tick, table_name, entity_id = (SELECT pl.faction_id FROM sim.player pl) AS players_wallet
  FROM sim.replay();

-- The journal is part of a snapshot: a rollback restores it
SELECT count(*) FILTER (WHERE j.seq > (SELECT journal_hw FROM sim.snapshot_store WHERE name = 'rx-start')) AS after_snapshot,
       count(*) AS kept
  FROM sim.journal j;
SELECT name, part, source, target, filter FROM sim.snapshot_section
 WHERE name IN ('journal', 'replay_tick', 'replay_journal', 'replay_change') ORDER BY ord;

SELECT sim.drop_snapshot('rx-start');
SELECT sim.drop_snapshot('rx-import');
SELECT sim.reset_universe();
RESET client_min_messages;
