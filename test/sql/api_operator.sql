--
-- api_operator: the ticker over the API (api.ticker, api.tick_times) and
-- the operator's controls (api.pause, api.resume, api.step), requested as
-- an API server does -- an authenticator login (NOINHERIT, granted the three
-- roles) that SET LOCAL ROLEs per request and sets request.jwt.claims --
-- by an operator, a player, an anonymous client and sim_player without
-- claims; then by a player's own login and a login granted nothing.  Who
-- may call what, each refusal's SQLSTATE and hint, that a refused call
-- changes nothing, that step advances the tick and pause/resume flip
-- sim.world.paused, and api.step's bounds.
--
SET client_min_messages = warning;
CREATE EXTENSION IF NOT EXISTS sim CASCADE;
SELECT sim.reset_universe();
RESET client_min_messages;
SELECT sim.generate_universe(21, 2, 40) IS NOT NULL AS generated;
SELECT sim.step(2) AS tick;

CREATE ROLE regress_op_authenticator LOGIN NOINHERIT;
GRANT sim_anon, sim_player, sim_operator TO regress_op_authenticator;
CREATE ROLE regress_op_login LOGIN;       -- a player's own login
CREATE ROLE regress_op_nobody LOGIN;      -- granted none of sim's roles
CREATE TEMP TABLE who AS
SELECT sim.create_player('Regress Op A') AS a,
       sim.create_player('Regress Op L', login => 'regress_op_login') AS l;
GRANT SELECT ON who TO PUBLIC;

-- One request: the role, the claims, the query.  Returns the query's one
-- value, or the error's SQLSTATE, message and hint.
CREATE FUNCTION pg_temp.request(role text, sub text, q text) RETURNS text
LANGUAGE plpgsql AS $$
DECLARE
    result  text;
    code    text;
    msg     text;
    hint    text;
BEGIN
    IF role IS NOT NULL THEN
        PERFORM set_config('role', role, true);
    END IF;
    PERFORM set_config('request.jwt.claims',
                       CASE WHEN sub IS NULL THEN '' ELSE json_build_object('role', role, 'sub', sub)::text END,
                       true);
    BEGIN
        EXECUTE q INTO result;
    EXCEPTION WHEN others THEN
        GET STACKED DIAGNOSTICS code = RETURNED_SQLSTATE, msg = MESSAGE_TEXT, hint = PG_EXCEPTION_HINT;
        result := code || ': ' || msg || coalesce(' (hint: ' || nullif(hint, '') || ')', '');
    END;
    PERFORM set_config('request.jwt.claims', '', true);
    IF role IS NOT NULL THEN
        PERFORM set_config('role', 'none', true);
    END IF;
    RETURN result;
END
$$;
CREATE TEMP TABLE caller AS
SELECT 'operator' AS caller, 'sim_operator' AS role, NULL::text AS sub, 1 AS ord
UNION ALL SELECT 'player', 'sim_player', (SELECT a::text FROM who), 2
UNION ALL SELECT 'anon', 'sim_anon', NULL, 3
UNION ALL SELECT 'no claims', 'sim_player', NULL, 4;
GRANT SELECT ON caller TO PUBLIC;
CREATE TEMP TABLE world_before AS SELECT w.tick, w.paused FROM sim.world w;
GRANT SELECT ON world_before TO PUBLIC;

---
--- Who may call what: every caller but the operator is refused with 42501
--- and the hint, and nothing changes
---
SET SESSION AUTHORIZATION regress_op_authenticator;
SELECT c.caller, f.q,
       pg_temp.request(c.role, c.sub, f.q) AS answer
  FROM caller c,
       (VALUES (1, 'SELECT api.pause()'), (2, 'SELECT api.step(1)'), (3, 'SELECT api.step(0)'),
               (4, 'SELECT api.resume()')) f(n, q)
 WHERE c.caller <> 'operator'
 ORDER BY c.ord, f.n;
RESET SESSION AUTHORIZATION;
SELECT w.tick = b.tick AS tick_unchanged, w.paused = b.paused AS paused_unchanged
  FROM sim.world w, world_before b;
SELECT count(*) AS step_ticks_logged FROM sim.tick_log WHERE tick > (SELECT tick FROM world_before);
-- a player acting through its own login, and a login granted nothing
SET SESSION AUTHORIZATION regress_op_login;
SELECT pg_temp.request(NULL, NULL, 'SELECT api.pause()') AS player_login_pause,
       pg_temp.request(NULL, NULL, 'SELECT api.step(5)') AS player_login_step;
SELECT pg_temp.request(NULL, NULL, 'SELECT count(*) FROM api.my_ships') AS player_login_plays;
RESET SESSION AUTHORIZATION;
SET SESSION AUTHORIZATION regress_op_nobody;
SELECT pg_temp.request(NULL, NULL, 'SELECT api.pause()') AS nobody_pause,
       pg_temp.request(NULL, NULL, 'SELECT tick FROM api.ticker') AS nobody_ticker;
RESET SESSION AUTHORIZATION;
SELECT w.tick = b.tick AS tick_unchanged, w.paused = b.paused AS paused_unchanged
  FROM sim.world w, world_before b;

---
--- The operator pauses, steps and resumes: sim.world, sim.tick_log and
--- api.ticker agree
---
SET SESSION AUTHORIZATION regress_op_authenticator;
SELECT pg_temp.request('sim_operator', NULL, 'SELECT api.pause()') AS pause;
SELECT pg_temp.request('sim_operator', NULL, 'SELECT paused::text FROM api.ticker') AS ticker_paused;
RESET SESSION AUTHORIZATION;
SELECT paused AS world_paused FROM sim.world;
SET SESSION AUTHORIZATION regress_op_authenticator;
SELECT pg_temp.request('sim_operator', NULL, 'SELECT api.step(3)')::bigint - (SELECT tick FROM world_before)
           AS step_3_advanced_by,
       pg_temp.request('sim_operator', NULL, 'SELECT api.step()')::bigint - (SELECT tick FROM world_before)
           AS step_default_advanced_by;
RESET SESSION AUTHORIZATION;
SELECT w.tick - b.tick AS world_advanced_by, w.paused AS still_paused
  FROM sim.world w, world_before b;
SELECT array_agg(l.tick - b.tick ORDER BY l.tick) AS new_ticks_logged,
       bool_and(l.source = 'step') AS all_by_step
  FROM sim.tick_log l, world_before b WHERE l.tick > b.tick;
SET SESSION AUTHORIZATION regress_op_authenticator;
SELECT pg_temp.request('sim_operator', NULL, 'SELECT api.resume()') AS resume;
RESET SESSION AUTHORIZATION;
SELECT paused AS world_paused FROM sim.world;
-- pausing twice, resuming twice: no error, the same state
SET SESSION AUTHORIZATION regress_op_authenticator;
SELECT pg_temp.request('sim_operator', NULL, 'SELECT api.resume()') AS resume_again;
RESET SESSION AUTHORIZATION;
SELECT paused AS world_paused FROM sim.world;

---
--- api.step's bounds: 1 to sim.api_step_ticks(); outside them 22023 and
--- nothing runs (not even a tick of a refused call)
---
SELECT sim.api_step_ticks() AS api_step_ticks,
       sim.api_step_ticks() <= sim.limit('step_ticks') AS within_sim_step_limit;
CREATE TEMP TABLE tick_before AS SELECT w.tick, sim.api_step_ticks() AS step_max FROM sim.world w;
GRANT SELECT ON tick_before TO PUBLIC;
SET SESSION AUTHORIZATION regress_op_authenticator;
SELECT q.label,
       regexp_replace(pg_temp.request('sim_operator', NULL, format('SELECT api.step(%s)', q.n)),
                      '\m' || (SELECT step_max FROM tick_before)::text || '\M', 'LIMIT', 'g') AS answer
  FROM (VALUES (1, 'zero', '0'), (2, 'negative', '-1'), (3, 'null', 'NULL'),
               (4, 'one past the limit', (SELECT step_max + 1 FROM tick_before)::text),
               (5, 'int max', '2147483647'), (6, 'int min', '-2147483648')) q(ord, label, n)
 ORDER BY q.ord;
RESET SESSION AUTHORIZATION;
SELECT w.tick = b.tick AS tick_unchanged FROM sim.world w, tick_before b;
-- the limit itself runs (as many ticks as it says)
SET SESSION AUTHORIZATION regress_op_authenticator;
SELECT pg_temp.request('sim_operator', NULL, format('SELECT api.step(%s)', b.step_max))::bigint - b.tick
           = b.step_max AS limit_runs
  FROM tick_before b;
RESET SESSION AUTHORIZATION;
SELECT w.tick - b.tick = b.step_max AS world_agrees FROM sim.world w, tick_before b;

---
--- api.ticker and api.tick_times: every API role reads them; the error
--- columns only for the operator
---
CREATE TEMP TABLE truth AS
SELECT s.tick, s.paused, s.tick_interval_ms, s.ships_in_flight, s.commands_pending, s.ticks_skipped,
       s.last_error, (SELECT count(*) FROM sim.tick_log) AS logged
  FROM sim.status s;
GRANT SELECT ON truth TO PUBLIC;
SET SESSION AUTHORIZATION regress_op_authenticator;
SELECT c.caller,
       pg_temp.request(c.role, c.sub,
           $$SELECT (count(*) = 1 AND bool_and((t.tick, t.paused, t.tick_interval_ms, t.ships_in_flight,
                                                t.commands_pending, t.ticks_skipped)
                                               IS NOT DISTINCT FROM
                                               (x.tick, x.paused, x.tick_interval_ms, x.ships_in_flight,
                                                x.commands_pending, x.ticks_skipped)))::text
               FROM api.ticker t, truth x$$) AS ticker_as_sim_status,
       pg_temp.request(c.role, c.sub,
           $$SELECT bool_and(t.tick_ms_p50 >= 0 AND t.tick_ms_p99 >= t.tick_ms_p50)::text FROM api.ticker t$$)
           AS percentiles,
       pg_temp.request(c.role, c.sub,
           $$SELECT (count(*) FILTER (WHERE t.last_error IS NOT NULL OR t.last_error_at IS NOT NULL))::text
               FROM api.ticker t$$) AS errors_shown,
       pg_temp.request(c.role, c.sub,
           $$SELECT ((SELECT count(*) FROM api.tick_times) = x.logged
                     AND (SELECT max(tick) FROM api.tick_times) = x.tick)::text FROM truth x$$) AS tick_times_as_log
  FROM caller c ORDER BY c.ord;
RESET SESSION AUTHORIZATION;
-- A failed tick, as the ticker records it in shared memory, stands in for
-- one here (in this transaction only): sim.status reports an error.  The
-- operator sees it; nobody else does.
BEGIN;
DO $$
BEGIN
    EXECUTE 'CREATE OR REPLACE VIEW sim.status AS '
            || regexp_replace(regexp_replace(pg_get_viewdef('sim.status'::regclass),
                                             't\.last_error,', $q$'tick 7 failed (regress)'::text AS last_error,$q$),
                              't\.last_error_at,', $q$'2026-01-02 03:04:05+00'::timestamptz AS last_error_at,$q$);
END
$$;
SELECT last_error, last_error_at FROM sim.status;
SET SESSION AUTHORIZATION regress_op_authenticator;
SELECT c.caller,
       pg_temp.request(c.role, c.sub,
           $$SELECT coalesce(t.last_error, 'NULL') || ' at ' || coalesce(t.last_error_at::text, 'NULL')
               FROM api.ticker t$$) AS last_error_seen
  FROM caller c ORDER BY c.ord;
RESET SESSION AUTHORIZATION;
ROLLBACK;
SELECT last_error IS NULL AS no_error_after_rollback FROM sim.status;

---
--- Grants and shape
---
SELECT f, has_function_privilege('sim_anon', f, 'EXECUTE') AS anon,
       has_function_privilege('sim_player', f, 'EXECUTE') AS player,
       has_function_privilege('sim_operator', f, 'EXECUTE') AS operator,
       has_function_privilege('public', f, 'EXECUTE') AS everyone,
       p.prosecdef AS security_definer, p.provolatile AS volatility
  FROM unnest(ARRAY['api.pause()', 'api.resume()', 'api.step(integer)', 'sim.ticker_summary()',
                    'sim.require_operator(text)', 'sim.api_step_ticks()', 'sim.step(integer)',
                    'sim.pause()', 'sim.ticker_state()']::regprocedure[]) f
  JOIN pg_proc p ON p.oid = f
 ORDER BY f::text;
SELECT c.oid::regclass AS view, c.reloptions @> ARRAY['security_barrier=true'] AS security_barrier,
       has_table_privilege('sim_anon', c.oid, 'SELECT') AS anon,
       has_table_privilege('sim_player', c.oid, 'SELECT') AS player,
       has_table_privilege('sim_anon', c.oid, 'INSERT') OR has_table_privilege('sim_player', c.oid, 'UPDATE')
           AS writable
  FROM pg_class c WHERE c.oid IN ('api.ticker'::regclass, 'api.tick_times'::regclass)
 ORDER BY 1;

---
--- Hostile operators: inside a REPEATABLE READ transaction a step is
--- refused (sim.step's rule); with no universe, pause names what is missing
---
SET SESSION AUTHORIZATION regress_op_authenticator;
BEGIN ISOLATION LEVEL REPEATABLE READ;
SELECT pg_temp.request('sim_operator', NULL, 'SELECT api.step(1)') AS step_in_repeatable_read;
COMMIT;
RESET SESSION AUTHORIZATION;
SET client_min_messages = warning;
SELECT sim.reset_universe();
RESET client_min_messages;
SET SESSION AUTHORIZATION regress_op_authenticator;
SELECT pg_temp.request('sim_operator', NULL, 'SELECT api.pause()') AS pause_no_universe,
       pg_temp.request('sim_operator', NULL, 'SELECT api.step(1)') AS step_no_universe,
       pg_temp.request('sim_anon', NULL, 'SELECT count(*) FROM api.ticker') AS ticker_rows_no_universe;
RESET SESSION AUTHORIZATION;

-- (the reset dropped the players)
SELECT count(*) AS players_left FROM sim.player;
DROP OWNED BY regress_op_login, regress_op_authenticator, regress_op_nobody;
DROP ROLE regress_op_login, regress_op_authenticator, regress_op_nobody;
