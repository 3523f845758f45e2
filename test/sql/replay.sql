--
-- replay: the command journal and sim.replay (sql/replay.sql).  One
-- universe (seed 42) is played once with players' and an operator's
-- commands and NPCs trading; the run's tick log, journal and change record
-- after tick 0 become the recording (sim.replay_capture).  Then the same
-- seed is generated again and replayed: every tick matches, and the
-- replayed universe equals the recorded one.  Then what replay needs to be
-- exact is taken away, one at a time -- the recorded order of commands, the
-- recorded player's authority, the economy's rules, the seed -- and the
-- report must name the first divergent tick and entity, which the test
-- finds on its own from the change rows.  Last, who may call what.
--
SET client_min_messages = warning;  -- kept: replayed create_player notices role grants again
CREATE EXTENSION IF NOT EXISTS sim CASCADE;
CREATE FUNCTION pg_temp.fails(q text) RETURNS text LANGUAGE plpgsql AS $$
BEGIN
    EXECUTE q;
    RETURN 'no error';
EXCEPTION WHEN OTHERS THEN
    RETURN SQLSTATE;
END
$$;
-- a player's request as an API server sends it (role sim_player, the JWT's
-- claims), or as a player's own login
CREATE FUNCTION pg_temp.as_player(role text, sub bigint, q text) RETURNS text
LANGUAGE plpgsql AS $$
DECLARE
    result  text;
BEGIN
    PERFORM set_config('role', role, true);
    PERFORM set_config('request.jwt.claims', CASE WHEN sub IS NULL THEN '' ELSE json_build_object('sub', sub::text)::text END, true);
    EXECUTE q INTO result;
    PERFORM set_config('request.jwt.claims', '', true);
    PERFORM set_config('role', 'none', true);
    RETURN result;
END
$$;
DO $$
BEGIN
    IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = 'regress_replay_bob') THEN
        CREATE ROLE regress_replay_bob LOGIN;
    END IF;
    IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = 'regress_replay_stranger') THEN
        CREATE ROLE regress_replay_stranger LOGIN;
    END IF;
END
$$;

-- Run 1: players A (through a JWT) and B (through its login) share a
-- station; C is created and dropped by the operator.
SELECT sim.generate_universe(42, 6, 150, reset => true) IS NOT NULL AS generated;
CREATE TEMP TABLE setup AS
SELECT s.id AS station,
       (SELECT k.good_id FROM sim.station_stock k WHERE k.station_id = s.id AND k.qty >= 50
         ORDER BY k.good_id LIMIT 1) AS good,
       (SELECT o.id FROM sim.station o WHERE o.sector_id = s.sector_id AND o.id <> s.id ORDER BY o.id LIMIT 1) AS other
  FROM sim.station s
 WHERE EXISTS (SELECT 1 FROM sim.station_stock k WHERE k.station_id = s.id AND k.qty >= 50)
   AND EXISTS (SELECT 1 FROM sim.station o WHERE o.sector_id = s.sector_id AND o.id <> s.id)
   AND s.docking_slots - (SELECT count(*) FROM sim.ship sh WHERE sh.docked_at = s.id) >= 3
 ORDER BY s.id LIMIT 1;
CREATE TEMP TABLE who AS
SELECT sim.create_player('Replay A', credits => 200000, station => (SELECT station FROM setup)) AS a,
       sim.create_player('Replay B', login => 'regress_replay_bob', station => (SELECT station FROM setup)) AS b,
       sim.create_player('Replay C') AS c;
CREATE TEMP TABLE ships AS
SELECT (SELECT s.id FROM sim.ship s JOIN sim.player p ON p.faction_id = s.faction_id WHERE p.id = who.a) AS a,
       (SELECT s.id FROM sim.ship s JOIN sim.player p ON p.faction_id = s.faction_id WHERE p.id = who.b) AS b
  FROM who;
GRANT SELECT ON setup, who, ships TO PUBLIC;
SELECT sim.step(2);
-- tick 3: A then B buy the same good at the same station: the second pays
-- the price the first left
SELECT pg_temp.as_player('sim_player', (SELECT a FROM who),
    format('SELECT price FROM api.buy(%s, %s, 8)', (SELECT a FROM ships), (SELECT good FROM setup))) IS NOT NULL AS a_bought;
SELECT pg_temp.as_player('regress_replay_bob', NULL,
    format('SELECT price FROM api.buy(%s, %s, 8)', (SELECT b FROM ships), (SELECT good FROM setup))) IS NOT NULL AS b_bought;
SELECT pg_temp.as_player('sim_player', (SELECT a FROM who),
    format('SELECT api.place_order(%s, %s, ''sell'', 2, 1000000)', (SELECT a FROM ships), (SELECT good FROM setup))) IS NOT NULL AS a_ordered;
SELECT sim.step(1);
-- tick 4: an order cancelled, a sale, a jettison, undocking; the operator
-- buys for an NPC ship and drops player C
SELECT trade_id IS NOT NULL AS operator_bought
  FROM (SELECT s.id AS ship, k.good_id AS good FROM sim.ship s
          JOIN sim.station_stock k ON k.station_id = s.docked_at
         WHERE s.state = 'docked' AND k.qty >= 10 AND s.faction_id NOT IN (SELECT faction_id FROM sim.player)
         ORDER BY s.id, k.good_id LIMIT 1) n,
       sim.buy(n.ship, n.good, 1);
SELECT pg_temp.as_player('sim_player', (SELECT a FROM who),
    format('SELECT api.cancel_order(%s)', (SELECT max(o.id) FROM sim.market_order o))) IS NULL AS a_cancelled;
SELECT pg_temp.as_player('regress_replay_bob', NULL,
    format('SELECT price FROM api.sell(%s, %s, 3)', (SELECT b FROM ships), (SELECT good FROM setup))) IS NOT NULL AS b_sold;
SELECT pg_temp.as_player('regress_replay_bob', NULL,
    format('SELECT api.jettison(%s, %s, 1)', (SELECT b FROM ships), (SELECT good FROM setup))) AS b_jettisoned;
SELECT pg_temp.as_player('sim_player', (SELECT a FROM who),
    format('SELECT api.undock(%s)', (SELECT a FROM ships))) IS NOT NULL AS a_undocks;
SELECT sim.drop_player((SELECT c FROM who));
SELECT sim.step(1);
SELECT pg_temp.as_player('regress_replay_bob', NULL,
    format('SELECT api.undock(%s)', (SELECT b FROM ships))) IS NOT NULL AS b_undocks;
SELECT sim.step(12);
-- tick 17: A flies to another station, once its undocking is done
SELECT s.state FROM sim.ship s WHERE s.id = (SELECT a FROM ships);
SELECT pg_temp.as_player('sim_player', (SELECT a FROM who),
    format('SELECT (api.navigate(%s, ''station:%s'')).command_id', (SELECT a FROM ships), (SELECT other FROM setup))) IS NOT NULL AS a_flies;
SELECT sim.step(13);
-- commands between ticks and ticks are in the recording as they happened
SELECT j.tick, j.command, j.player_id = (SELECT a FROM who) AS by_a, j.player_id = (SELECT b FROM who) AS by_b,
       j.issued_by
  FROM sim.journal j ORDER BY j.seq;
SELECT count(*) > 0 AS npcs_traded FROM sim.trade t JOIN sim.faction f ON f.id = t.buyer_faction WHERE f.kind <> 'player';
SELECT sim.replay_capture(0);
CREATE TEMP TABLE run1 AS SELECT (SELECT epoch FROM sim.world) AS epoch;
CREATE TEMP TABLE run1_digest AS SELECT * FROM sim.universe_digest();
CREATE TEMP TABLE run1_command AS
SELECT c.id, c.ship_id, c.kind, c.player_id, c.issued_by, c.status, c.applied_tick FROM sim.command c;

CREATE TEMP TABLE run1_player AS SELECT p.id, p.name, p.login, p.faction_id, p.created_tick FROM sim.player p;

-- Replay: the same seed again, then the recording.  Roles belong to the
-- cluster, and a recording may come from anywhere: a replayed create_player
-- binds no login and grants nothing (B's login lost sim_player meanwhile,
-- and does not get it back), a replayed drop_player revokes nothing.
SELECT sim.generate_universe(42, 6, 150, reset => true) IS NOT NULL AS generated;
REVOKE sim_player FROM regress_replay_bob;
SELECT * FROM sim.replay();
SELECT pg_has_role('regress_replay_bob', 'sim_player', 'MEMBER') AS replay_granted_a_role;
SELECT (SELECT array_agg(d ORDER BY d.table_name) FROM sim.universe_digest() d WHERE d.table_name <> 'player')::text
     = (SELECT array_agg(d ORDER BY d.table_name) FROM run1_digest d WHERE d.table_name <> 'player')::text AS same_universe,
       (SELECT epoch FROM sim.world) <> (SELECT epoch FROM run1) AS another_epoch;
SELECT r.name, r.login AS recorded_login, p.login AS replayed_login,
       (p.id, p.name, p.faction_id, p.created_tick) = (r.id, r.name, r.faction_id, r.created_tick) AS same_player
  FROM run1_player r FULL JOIN sim.player p USING (id) ORDER BY r.id;
-- every tick's hash, the replayed journal and the queued commands' issuers
SELECT count(*) AS ticks, count(*) FILTER (WHERE l.state_hash = r.state_hash) AS same_hash
  FROM sim.replay_tick r LEFT JOIN sim.tick_log l USING (tick);
SELECT (SELECT array_agg(ROW(j.tick, j.command, j.args - 'login', j.player_id, j.issued_by)::text ORDER BY j.seq) FROM sim.journal j)
     = (SELECT array_agg(ROW(j.tick, j.command, j.args - 'login', j.player_id, j.issued_by)::text ORDER BY j.seq) FROM sim.replay_journal j)
       AS same_journal;
SELECT (SELECT array_agg(c ORDER BY c.id) FROM (SELECT c.id, c.ship_id, c.kind, c.player_id, c.issued_by, c.status, c.applied_tick FROM sim.command c) c)::text
     = (SELECT array_agg(c ORDER BY c.id) FROM run1_command c)::text AS same_commands;
SELECT sim.replay_player() IS NULL AS identity_cleared, sim.replay_issuer() IS NULL AS issuer_cleared;
-- replay needs the universe at the recording's start
SELECT pg_temp.fails('SELECT * FROM sim.replay()') AS replayed_twice;
-- no wall-clock input: replayed again, later, the hashes are the same
-- while every tick's clock reading differs
CREATE TEMP TABLE replay1 AS SELECT l.tick, l.state_hash, l.finished_at FROM sim.tick_log l;
SELECT sim.generate_universe(42, 6, 150, reset => true) IS NOT NULL AS generated;
SELECT matched, ticks_replayed FROM sim.replay();
SELECT count(*) AS ticks, count(*) FILTER (WHERE l.state_hash = p.state_hash) AS same_hash,
       count(*) FILTER (WHERE l.finished_at <> p.finished_at) AS other_clock
  FROM replay1 p JOIN sim.tick_log l USING (tick);
-- ticks: the first n recorded ticks
SELECT sim.generate_universe(42, 6, 150, reset => true) IS NOT NULL AS generated;
SELECT * FROM sim.replay(ticks => 4);
SELECT tick FROM sim.world;

-- The first divergence, found independently: the first tick whose change
-- rows differ between the recording and the replayed universe, and there
-- the first entity (kind, id, sub_id) whose rows differ.
CREATE FUNCTION pg_temp.first_difference(OUT tick bigint, OUT kind smallint, OUT id bigint, OUT sub_id integer)
LANGUAGE sql AS $$
    WITH r AS (SELECT c.tick, c.kind, c.id, c.sub_id,
                      array_agg(ROW(c.sector_id, c.val)::text ORDER BY c.seq) AS rows
                 FROM sim.replay_change c WHERE c.tick <= (SELECT w.tick FROM sim.world w) GROUP BY 1, 2, 3, 4),
         a AS (SELECT c.tick, c.kind, c.id, c.sub_id,
                      array_agg(ROW(c.sector_id, c.val)::text ORDER BY c.seq) AS rows
                 FROM sim.change c GROUP BY 1, 2, 3, 4)
    SELECT coalesce(r.tick, a.tick), coalesce(r.kind, a.kind), coalesce(r.id, a.id), coalesce(r.sub_id, a.sub_id)
      FROM r FULL JOIN a ON a.tick = r.tick AND a.kind = r.kind AND a.id = r.id AND a.sub_id = r.sub_id
     WHERE r.rows IS DISTINCT FROM a.rows
     ORDER BY 1, 2, 3, 4 LIMIT 1
$$;
CREATE TEMP TABLE report (what text, ticks_replayed bigint, matched boolean, first_divergent_tick bigint,
                          table_name text, entity_kind text, entity_id bigint, sub_id integer,
                          expected jsonb, actual jsonb);
CREATE FUNCTION pg_temp.check_report(w text) RETURNS TABLE (what text, matched boolean, tick_found boolean,
                                                             entity_found boolean, names_table text)
LANGUAGE sql AS $$
    SELECT r.what, r.matched, r.first_divergent_tick = d.tick AND r.ticks_replayed = d.tick,
           r.entity_kind = (SELECT k.name FROM sim.change_kind k WHERE k.kind = d.kind)
           AND r.entity_id = d.id AND r.sub_id = d.sub_id,
           r.table_name
      FROM report r, pg_temp.first_difference() d
     WHERE r.what = w
$$;

-- Another economy rule: the tax rate
SELECT sim.generate_universe(42, 6, 150, reset => true) IS NOT NULL AS generated;
UPDATE sim.economy SET tax_rate = tax_rate + 0.01;
INSERT INTO report SELECT 'tax rate', * FROM sim.replay();
SELECT * FROM pg_temp.check_report('tax rate');
SELECT r.first_divergent_tick, r.table_name, r.entity_kind, r.entity_id, r.sub_id, r.expected, r.actual
  FROM report r WHERE r.what = 'tax rate';

-- Seeded randomness: an NPC's draws are keyed by (ship, stream, tick), so
-- they replay (the matched runs above had NPCs trading); what a draw is
-- compared with is state -- each NPC's loyalty -- and changing it diverges
-- where an NPC first decides otherwise
SELECT sim.generate_universe(42, 6, 150, reset => true) IS NOT NULL AS generated;
UPDATE sim.npc_personality SET loyalty = 1 - loyalty;
SELECT sim.invalidate_cache();
INSERT INTO report SELECT 'loyalty', * FROM sim.replay();
SELECT * FROM pg_temp.check_report('loyalty');

-- Commands in the recorded order: B's purchase before A's at the same
-- station and tick diverges at that tick (each pays the other's price)
SELECT sim.generate_universe(42, 6, 150, reset => true) IS NOT NULL AS generated;
CREATE TEMP TABLE kept_journal AS SELECT * FROM sim.replay_journal;
UPDATE sim.replay_journal j SET seq = -j.seq WHERE j.command = 'buy';
INSERT INTO report SELECT 'order', * FROM sim.replay();
SELECT * FROM pg_temp.check_report('order');
SELECT first_divergent_tick = (SELECT min(tick) FROM kept_journal WHERE command = 'buy') AS at_the_purchases
  FROM report WHERE what = 'order';

-- The recorded player's authority: A's purchase recorded as B's is refused
-- as B (A's ship is not B's) -- replay reports the command and the error
SELECT sim.generate_universe(42, 6, 150, reset => true) IS NOT NULL AS generated;
TRUNCATE sim.replay_journal;
INSERT INTO sim.replay_journal SELECT * FROM kept_journal;
UPDATE sim.replay_journal j SET player_id = (SELECT b FROM who)
 WHERE j.seq = (SELECT min(k.seq) FROM kept_journal k WHERE k.command = 'buy');
INSERT INTO report SELECT 'authority', * FROM sim.replay();
SELECT r.matched, r.first_divergent_tick = (SELECT min(tick) FROM kept_journal WHERE command = 'buy') AS at_the_purchase,
       r.table_name, r.entity_kind, r.actual ->> 'sqlstate' AS error
  FROM report r WHERE r.what = 'authority';
-- ... and as the operator (no player) the same command succeeds: authority
-- is the recorded player's, not the replayer's
SELECT sim.generate_universe(42, 6, 150, reset => true) IS NOT NULL AS generated;
TRUNCATE sim.replay_journal;
INSERT INTO sim.replay_journal SELECT * FROM kept_journal;
SELECT matched FROM sim.replay();

-- Refusals: no recording, an empty one, a universe elsewhere, the ticker
SELECT pg_temp.fails('SELECT * FROM sim.replay(''\x''::bytea)') AS empty_recording;
SELECT pg_temp.fails('SELECT * FROM sim.replay(ticks => 0)') AS no_ticks;
SELECT sim.step(1);
SELECT pg_temp.fails('SELECT * FROM sim.replay()') AS not_at_start;
SELECT sim.generate_universe(42, 6, 150, reset => true) IS NOT NULL AS generated;
UPDATE sim.world SET state_hash = sha256('another universe');
SELECT pg_temp.fails('SELECT * FROM sim.replay()') AS another_start_hash;
TRUNCATE sim.replay_tick, sim.replay_journal, sim.replay_change;
SELECT pg_temp.fails('SELECT * FROM sim.replay()') AS nothing_recorded;

-- The journal is raw history, partitioned and trimmed with the others
SELECT key_column, member FROM sim.history_table WHERE name = 'journal';
SELECT count(*) > 0 AS partitioned FROM sim.history_partition WHERE parent = 'journal';

-- Every journalled command's function writes its journal line
SELECT j.command
  FROM sim.journal_command j JOIN pg_proc p ON p.oid = j.fn
 WHERE p.prolang <> (SELECT oid FROM pg_language WHERE lanname = 'c')
   AND position(format('sim.journal_write(%L', j.command) IN p.prosrc) = 0;
SELECT j.command, l.lanname FROM sim.journal_command j JOIN pg_proc p ON p.oid = j.fn
  JOIN pg_language l ON l.oid = p.prolang WHERE l.lanname <> 'plpgsql' ORDER BY 1;
-- a command writes one journal row; a failed one none (it aborts with its
-- transaction)
CREATE TEMP TABLE npc AS
SELECT s.id AS ship, k.good_id AS good FROM sim.ship s JOIN sim.station_stock k ON k.station_id = s.docked_at
 WHERE s.state = 'docked' AND k.qty >= 10 ORDER BY s.id, k.good_id LIMIT 1;
SELECT count(*) AS journal_before FROM sim.journal;
SELECT trade_id IS NOT NULL AS bought FROM npc, sim.buy(npc.ship, npc.good, 1);
SELECT count(*) AS journal_after_buy FROM sim.journal;
SELECT pg_temp.fails(format('SELECT sim.buy(%s, %s, 1000000000)', ship, good)) AS too_much FROM npc;
SELECT count(*) AS journal_after_failure FROM sim.journal;
SELECT j.command, j.args = jsonb_build_object('ship', npc.ship, 'good', npc.good, 'qty', 1, 'max_price', NULL) AS args,
       j.player_id, j.issued_by, j.tick = (SELECT tick + 1 FROM sim.world) AS next_tick
  FROM sim.journal j, npc;

-- Who may call what.  Players and sim_anon cannot reach schema sim at all;
-- an operator replays; replay_command runs only journalled commands with
-- their own arguments, and its identity is gone when it returns.
SELECT pg_temp.fails(format('SELECT pg_temp.as_player(''sim_player'', %s, ''SELECT count(*) FROM sim.replay()'')', (SELECT a FROM who))) AS player_replays;
SELECT pg_temp.fails(format('SELECT pg_temp.as_player(''sim_player'', %s, ''SELECT sim.replay_command(''''buy'''', ''''{}'''', %s, ''''x'''')'')', (SELECT a FROM who), (SELECT b FROM who))) AS player_impersonates;
SELECT pg_temp.fails('SELECT pg_temp.as_player(''regress_replay_stranger'', NULL, ''SELECT sim.replay_player()'')') AS stranger_reads_identity;
SELECT pg_temp.fails('SELECT pg_temp.as_player(''regress_replay_bob'', NULL, ''SELECT count(*) FROM sim.journal'')') AS player_reads_journal;
SELECT pg_temp.fails('SELECT pg_temp.as_player(''sim_anon'', NULL, ''SELECT count(*) FROM sim.replay_journal'')') AS anon_reads_recording;
SELECT pg_temp.fails('SELECT sim.replay_command(''pg_terminate_backend'', ''{"pid": 1}'', NULL, ''postgres'')') AS not_a_command;
SELECT pg_temp.fails('SELECT sim.replay_command(''buy'', ''{"ship": 1, "good": 1, "qty": 1, "evil": 1}'', NULL, ''postgres'')') AS unknown_argument;
SELECT pg_temp.fails('SELECT sim.replay_command(''buy'', ''{"ship": "1); DROP TABLE sim.ship; --", "good": 1, "qty": 1}'', NULL, ''postgres'')') AS injected_value;
SELECT count(*) > 0 AS ships_remain FROM sim.ship;
SELECT pg_temp.fails('SELECT sim.replay_command(''buy'', NULL, NULL, ''postgres'')') AS null_args;
SELECT sim.replay_player() IS NULL AS identity_cleared_after_errors;
-- every function and table of the journal and replay: operators only
SELECT f AS fn, has_function_privilege('sim_operator', f, 'EXECUTE') AS operator,
       has_function_privilege('sim_player', f, 'EXECUTE') AS player,
       has_function_privilege('sim_anon', f, 'EXECUTE') AS anon,
       has_function_privilege('public', f, 'EXECUTE') AS public
  FROM unnest(ARRAY['sim.replay(bytea,integer)', 'sim.replay_command(text,jsonb,bigint,name)',
                    'sim.replay_player()', 'sim.replay_issuer()', 'sim.journal_write(text,jsonb)',
                    'sim.journal_call(text,jsonb)', 'sim.replay_capture(bigint,bigint)',
                    'sim.replay_tick_hash(bigint,bytea)', 'sim.change_table(smallint)',
                    'sim.change_row_json(smallint,integer,double precision[])']) f
 ORDER BY 1;
SELECT t AS tab, has_table_privilege('sim_operator', t, 'SELECT') AS operator,
       has_table_privilege('sim_player', t, 'SELECT') AS player, has_table_privilege('sim_anon', t, 'SELECT') AS anon
  FROM unnest(ARRAY['sim.journal', 'sim.journal_command', 'sim.replay_tick', 'sim.replay_journal', 'sim.replay_change']) t
 ORDER BY 1;
SELECT sim.reset_universe();
RESET client_min_messages;
