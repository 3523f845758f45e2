--
-- api_boundary: the trust boundary between players, replayed as PostgREST
-- plays it.  An authenticator login (NOINHERIT, granted the three roles)
-- runs every request as PostgREST does -- SET LOCAL ROLE, then
-- request.jwt.claims as a transaction-local setting, then the query -- for
-- player A, player B, sim_anon and sim_player without claims, against every
-- view and function of api; then every direct access to sim's tables, and
-- the attacks the trust boundary was built against.
--
SET client_min_messages = warning;
CREATE EXTENSION IF NOT EXISTS sim CASCADE;
SELECT sim.reset_universe();
RESET client_min_messages;
SELECT sim.generate_universe(11, 3, 80) IS NOT NULL AS generated;

CREATE ROLE regress_api_authenticator LOGIN NOINHERIT;
GRANT sim_anon, sim_player, sim_operator TO regress_api_authenticator;
CREATE ROLE regress_api_login LOGIN;      -- a player's own login
CREATE ROLE regress_api_stranger LOGIN;   -- granted sim_player, but nobody's login
GRANT sim_player TO regress_api_stranger;
CREATE ROLE regress_api_group;            -- a group the player's login belongs to
GRANT sim_player TO regress_api_group;
GRANT regress_api_group TO regress_api_login;

-- Players A and B, each with a starter ship; C plays through its login
CREATE TEMP TABLE who AS
SELECT sim.create_player('Regress A', credits => 50000) AS a,
       sim.create_player('Regress B', credits => 50000) AS b,
       sim.create_player('Regress C', login => 'regress_api_login') AS c;
SELECT p.name, p.login, f.kind, w.credits, s.state, s.docked_at IS NOT NULL AS docked,
       s.fuel = k.fuel_capacity AS full_tank, npc.ship_id IS NULL AS no_npc_pilot
  FROM sim.player p
  JOIN sim.faction f ON f.id = p.faction_id
  JOIN sim.wallet w ON w.faction_id = p.faction_id
  JOIN sim.ship s ON s.faction_id = p.faction_id
  JOIN sim.ship_class k ON k.id = s.class_id
  LEFT JOIN sim.npc_personality npc ON npc.ship_id = s.id
 ORDER BY p.id;
SELECT pg_has_role('regress_api_login', 'sim_player', 'USAGE') AS login_plays;
SELECT * FROM sim.audit();

-- What each player owns, for the checks below
CREATE TEMP TABLE own AS
SELECT x.who, p.id AS player, p.faction_id,
       (SELECT array_agg(s.id ORDER BY s.id) FROM sim.ship s WHERE s.faction_id = p.faction_id) AS ships
  FROM who, LATERAL (VALUES ('A', who.a), ('B', who.b), ('C', who.c)) x(who, id)
  JOIN sim.player p ON p.id = x.id;
GRANT SELECT ON who, own TO PUBLIC;

-- One request, as PostgREST sends it: the role, the claims, the query.
-- Returns the query's one value, or the error's SQLSTATE and message.
CREATE FUNCTION pg_temp.request(role text, sub text, q text) RETURNS text
LANGUAGE plpgsql AS $$
DECLARE
    result  text;
    code    text;
    msg     text;
BEGIN
    PERFORM set_config('role', role, true);
    PERFORM set_config('request.jwt.claims',
                       CASE WHEN sub IS NULL THEN '' ELSE json_build_object('role', role, 'sub', sub)::text END,
                       true);
    BEGIN
        EXECUTE q INTO result;
    EXCEPTION WHEN others THEN
        GET STACKED DIAGNOSTICS code = RETURNED_SQLSTATE, msg = MESSAGE_TEXT;
        result := code || ': ' || msg;
    END;
    PERFORM set_config('request.jwt.claims', '', true);
    PERFORM set_config('role', 'none', true);
    RETURN result;
END
$$;
-- The four callers
CREATE TEMP TABLE caller AS
SELECT 'A' AS caller, 'sim_player' AS role, (SELECT a::text FROM who) AS sub, 1 AS ord
UNION ALL SELECT 'B', 'sim_player', (SELECT b::text FROM who), 2
UNION ALL SELECT 'anon', 'sim_anon', NULL, 3
UNION ALL SELECT 'no claims', 'sim_player', NULL, 4;
GRANT SELECT ON caller TO PUBLIC;

-- A and B each trade, place an order and take a contract, so that every
-- private view has rows of both
SELECT sim.step(2) AS tick;
CREATE TEMP TABLE offered AS
SELECT o.who, sim.offer_contract('procurement', s.docked_at,
                                 (SELECT m.good_id FROM sim.station_stock m WHERE m.station_id = s.docked_at
                                   ORDER BY m.good_id LIMIT 1), 5, 100, 1000) AS contract
  FROM own o JOIN sim.ship s ON s.id = o.ships[1]
 WHERE o.who IN ('A', 'B');
GRANT SELECT ON offered TO PUBLIC;
CREATE TEMP TABLE good AS
SELECT o.who, (SELECT m.good_id FROM sim.station_stock m WHERE m.station_id = s.docked_at AND m.qty > 100
                ORDER BY m.good_id LIMIT 1) AS good
  FROM own o JOIN sim.ship s ON s.id = o.ships[1];
GRANT SELECT ON good TO PUBLIC;
SET SESSION AUTHORIZATION regress_api_authenticator;
SELECT c.caller,
       pg_temp.request(c.role, c.sub, format('SELECT trade_id IS NOT NULL FROM api.buy(%s, %s, 3)', o.ships[1], g.good)) AS buy,
       pg_temp.request(c.role, c.sub, format($$SELECT api.place_order(%s, %s, 'sell', 1, 1000000) IS NOT NULL$$,
                                             o.ships[1], g.good)) AS order_placed,
       pg_temp.request(c.role, c.sub, format('SELECT api.accept_contract(%s, %s) IS NULL', f.contract, o.ships[1]))
           AS contract_taken
  FROM caller c JOIN own o ON o.who = c.caller JOIN good g ON g.who = c.caller JOIN offered f ON f.who = c.caller
 ORDER BY c.ord;
RESET SESSION AUTHORIZATION;
SELECT * FROM sim.audit();

---
--- Every view of api, as each caller: rows seen, and of them the caller's own
---
CREATE TEMP TABLE private_view (name text, mine text);
INSERT INTO private_view VALUES
    ('my_ships', 'v.id = ANY (o.ships)'), ('my_cargo', 'v.ship_id = ANY (o.ships)'),
    ('my_wallet', 'v.faction_id = o.faction_id'), ('my_orders', 'v.ship_id = ANY (o.ships)'),
    ('my_contracts', 'v.ship_id = ANY (o.ships)'), ('my_trades', 'v.ship_id = ANY (o.ships)'),
    ('contacts', 'NOT (v.id = ANY (o.ships))');
GRANT SELECT ON private_view TO PUBLIC;
-- every view of api is either private (above) or public: no other kind
SELECT c.relname AS unclassified_view
  FROM pg_class c
 WHERE c.relnamespace = 'api'::regnamespace AND c.relkind = 'v'
   AND c.relname NOT IN (SELECT name FROM private_view)
   AND c.relname NOT IN ('goods', 'factions', 'sectors', 'jump_gates', 'bodies', 'stations', 'market',
                         'contracts_offered', 'price_history', 'error_codes', 'input_limits');
SELECT c.relname AS view_without_security_barrier
  FROM pg_class c
 WHERE c.relnamespace = 'api'::regnamespace AND c.relkind = 'v'
   AND NOT coalesce(c.reloptions @> ARRAY['security_barrier=true'], false);
SET SESSION AUTHORIZATION regress_api_authenticator;
-- private views: a player sees its own rows only; anon may not read them;
-- sim_player without claims sees nothing
SELECT v.name, c.caller,
       pg_temp.request(c.role, c.sub,
                       format('SELECT count(*) || '' rows, '' || count(*) FILTER (WHERE %s) || '' own'' FROM api.%I v, own o WHERE o.who = %L',
                              v.mine, v.name, c.caller)) AS seen
  FROM private_view v, caller c
 WHERE v.name <> 'contacts'
 ORDER BY v.name, c.ord;
-- public views: the same rows for everyone
SELECT v.name,
       count(DISTINCT pg_temp.request(c.role, c.sub, format('SELECT count(*) FROM api.%I', v.name))) AS answers,
       min(pg_temp.request(c.role, c.sub, format('SELECT count(*) FROM api.%I', v.name)))::bigint > 0 AS rows
  FROM (VALUES ('goods'), ('factions'), ('sectors'), ('jump_gates'), ('bodies'), ('stations'), ('market'),
               ('contracts_offered'), ('price_history'), ('error_codes'), ('input_limits')) v(name), caller c
 GROUP BY v.name ORDER BY v.name;
RESET SESSION AUTHORIZATION;

---
--- Contacts: other factions' ships within the sensor range of one of the
--- player's ships, from the spatial index -- the same as a brute-force scan
---
UPDATE sim.ship_class SET sensor_range = 100000;   -- wide enough to see ships of every kind
SELECT sim.step(1) AS tick;
CREATE TEMP TABLE brute AS
SELECT DISTINCT w.who, o.id
  FROM own w
  JOIN sim.ship_live m ON m.id = ANY (w.ships)
  JOIN sim.ship_class k ON k.id = m.class_id
  JOIN sim.ship_live o ON o.faction_id <> w.faction_id
 WHERE ST_3DDistance(m.pos, o.pos) <= k.sensor_range;
GRANT SELECT ON brute TO PUBLIC;
SELECT who, count(*) > 0 AS some_in_range, count(*) < (SELECT count(*) FROM sim.ship) - 1 AS not_all
  FROM brute GROUP BY who ORDER BY who;
SET SESSION AUTHORIZATION regress_api_authenticator;
SELECT c.caller,
       pg_temp.request(c.role, c.sub,
           format($$SELECT (SELECT array_agg(id ORDER BY id) FROM api.contacts)
                    IS NOT DISTINCT FROM (SELECT array_agg(id ORDER BY id) FROM brute WHERE who = %L)$$, c.caller))
           AS same_as_brute_force,
       pg_temp.request(c.role, c.sub,
           $$SELECT count(*) FROM api.contacts t, own o WHERE o.who = 'A' AND t.id = ANY (o.ships)$$) AS a_s_ships_seen
  FROM caller c ORDER BY c.ord;
RESET SESSION AUTHORIZATION;
UPDATE sim.ship_class SET sensor_range = 150;

---
--- Every function of api: no overloads; the commands refuse another
--- player's ship, anonymous clients and a sim_player without claims
---
SELECT p.proname, count(*) AS overloads
  FROM pg_proc p WHERE p.pronamespace = 'api'::regnamespace
 GROUP BY p.proname HAVING count(*) > 1;
SELECT p.proname, p.provolatile = 's' AS stable, p.prosecdef AS security_definer,
       obj_description(p.oid, 'pg_proc') IS NOT NULL AS commented
  FROM pg_proc p WHERE p.pronamespace = 'api'::regnamespace ORDER BY p.proname;
CREATE TEMP TABLE call (name text, q text);
INSERT INTO call VALUES
    ('navigate', $$SELECT command_id FROM api.navigate(%s, 'point:0,0,0')$$),
    ('undock', 'SELECT api.undock(%s)'),
    ('dock', 'SELECT api.dock(%s, 1)'),
    ('mine', 'SELECT api.mine(%s, 1)'),
    ('refuel', 'SELECT units FROM api.refuel(%s)'),
    ('buy', 'SELECT trade_id FROM api.buy(%s, 1, 1)'),
    ('sell', 'SELECT trade_id FROM api.sell(%s, 1, 1)'),
    ('transfer_cargo', 'SELECT api.transfer_cargo(%s, (SELECT ships[1] FROM own WHERE who = ''A''), 1, 1)'),
    ('jettison', 'SELECT api.jettison(%s, 1, 1)'),
    ('place_order', $$SELECT api.place_order(%s, 1, 'buy', 1, 1)$$),
    ('cancel_order', 'SELECT api.cancel_order((SELECT b_order FROM b_order WHERE ship = %s))'),
    ('accept_contract', 'SELECT api.accept_contract((SELECT contract FROM offered WHERE who = ''spare''), %s)'),
    ('deliver_contract', 'SELECT api.deliver_contract((SELECT contract FROM offered WHERE who = ''B''), %s)'),
    ('ships_near', 'SELECT count(*) FROM api.ships_near(%s)'),
    ('ships_in_view', 'SELECT count(*) FROM api.ships_in_view(''{1,0,0,0,0,1,0,0,0,0,1,0,0,0,0,1}'', 1 + 0 * %s)'),
    ('route', 'SELECT count(*) FROM api.route(1, 2, ''cruise'', NULL + %s)'),
    ('quote', 'SELECT count(*) FROM api.quote(1, 1, 1 + 0 * %s)');
GRANT SELECT ON call TO PUBLIC;
INSERT INTO offered
SELECT 'spare', sim.offer_contract('procurement', s.docked_at,
                                   (SELECT m.good_id FROM sim.station_stock m WHERE m.station_id = s.docked_at
                                     ORDER BY m.good_id LIMIT 1), 5, 100, 1000)
  FROM own o JOIN sim.ship s ON s.id = o.ships[1] WHERE o.who = 'B';
CREATE TEMP TABLE b_order AS
SELECT o.id AS b_order, o.ship_id AS ship FROM sim.market_order o JOIN own w ON o.ship_id = w.ships[1] AND w.who = 'B';
GRANT SELECT ON b_order TO PUBLIC;
-- every function of api is called here
SELECT p.proname AS untested_function
  FROM pg_proc p WHERE p.pronamespace = 'api'::regnamespace AND p.proname NOT IN (SELECT name FROM call);
CREATE TEMP TABLE far AS
SELECT min(s.id) AS id FROM sim.ship s, own a, sim.ship m
 WHERE a.who = 'A' AND m.id = a.ships[1] AND s.state <> 'docked' AND s.faction_id <> m.faction_id;
GRANT SELECT ON far TO PUBLIC;
CREATE TEMP TABLE digest_before AS SELECT md5(string_agg(u::text, ',')) AS d FROM sim.universe_digest() u;
SET SESSION AUTHORIZATION regress_api_authenticator;
-- with B's ship (cancel_order: B's order; deliver_contract: B's contract)
SELECT k.name, c.caller,
       regexp_replace(pg_temp.request(c.role, c.sub, format(k.q, (SELECT o.ships[1] FROM own o WHERE o.who = 'B'))),
                      '[0-9]+', 'N', 'g') AS with_b_s_ship
  FROM call k, caller c
 WHERE c.caller <> 'B'
 ORDER BY k.name, c.ord;
RESET SESSION AUTHORIZATION;
-- a ship, order or contract that does not exist is refused like another's:
-- a player learns nothing of what is not its own, not even its owner
SET SESSION AUTHORIZATION regress_api_authenticator;
SELECT k.name, pg_temp.request(c.role, c.sub, format(k.q, 999999)) AS with_no_such_ship
  FROM call k, caller c
 WHERE c.caller = 'A' AND k.name IN ('navigate', 'buy', 'dock', 'ships_near')
 ORDER BY k.name;
SELECT pg_temp.request(c.role, c.sub, 'SELECT api.cancel_order(999999)') AS no_such_order,
       pg_temp.request(c.role, c.sub, 'SELECT api.deliver_contract(999999)') AS no_such_contract
  FROM caller c WHERE c.caller = 'A';
-- giving to another faction's ship elsewhere: where it is stays unsaid
SELECT pg_temp.request(c.role, c.sub, format('SELECT api.transfer_cargo(%s, %s, %s, 1)', a.ships[1], f.id, g.good))
           AS give_to_a_ship_elsewhere
  FROM caller c, own a, far f, good g
 WHERE c.caller = 'A' AND a.who = 'A' AND g.who = 'A';
RESET SESSION AUTHORIZATION;
SELECT d = (SELECT md5(string_agg(u::text, ',')) FROM sim.universe_digest() u) AS nothing_changed FROM digest_before;

---
--- Direct access to sim: refused to sim_player and sim_anon, table by table
---
SELECT r.rolname, count(*) AS tables,
       count(*) FILTER (WHERE has_table_privilege(r.rolname, c.oid, 'SELECT')
                           OR has_table_privilege(r.rolname, c.oid, 'INSERT')
                           OR has_table_privilege(r.rolname, c.oid, 'UPDATE')
                           OR has_table_privilege(r.rolname, c.oid, 'DELETE')) AS reachable
  FROM pg_class c, pg_roles r
 WHERE c.relnamespace = 'sim'::regnamespace AND c.relkind IN ('r', 'p', 'v', 'S')
   AND r.rolname IN ('sim_player', 'sim_anon', 'regress_api_login', 'regress_api_authenticator')
 GROUP BY r.rolname ORDER BY r.rolname;
SET SESSION AUTHORIZATION regress_api_authenticator;
SELECT c.caller, count(*) AS statements,
       count(*) FILTER (WHERE pg_temp.request(c.role, c.sub, s.q) LIKE '42501:%') AS refused_42501
  FROM caller c,
       (SELECT format(t.q, r.relname) AS q
          FROM pg_class r,
               (VALUES ('SELECT count(*) FROM (SELECT 1 FROM sim.%I LIMIT 1) x'),
                       ('INSERT INTO sim.%I DEFAULT VALUES'),
                       ('UPDATE sim.%I SET ctid = ctid WHERE false'),
                       ('DELETE FROM sim.%I WHERE false')) t(q)
         WHERE r.relnamespace = 'sim'::regnamespace AND r.relkind IN ('r', 'p')) s
 GROUP BY c.caller, c.ord ORDER BY c.ord;
RESET SESSION AUTHORIZATION;
-- the functions of sim the API roles may execute: those api's views call
SELECT p.oid::regprocedure AS executable_by_api_roles
  FROM pg_proc p
 WHERE p.pronamespace = 'sim'::regnamespace
   AND (has_function_privilege('sim_player', p.oid, 'EXECUTE') OR has_function_privilege('sim_anon', p.oid, 'EXECUTE'))
 ORDER BY p.oid::regprocedure::text;
-- not the tick guard, the spatial queries or the raw positions
SELECT f, has_function_privilege('sim_player', f, 'EXECUTE') AS player,
       has_function_privilege('sim_anon', f, 'EXECUTE') AS anon,
       has_function_privilege('public', f, 'EXECUTE') AS everyone
  FROM unnest(ARRAY['sim.tick_guard()', 'sim.ship_positions()',
                    'sim.ships_within_xyz(double precision, double precision, double precision, double precision)',
                    'sim.ships_nearest_xyz(double precision, double precision, double precision, integer)',
                    'sim.ships_within(geometry, double precision)', 'sim.ships_nearest(geometry, integer)',
                    'sim.create_player(text, name, bigint, integer, integer)', 'sim.step(integer)']::regprocedure[]) f;

---
--- Every SECURITY DEFINER function of the extension: pinned to
--- pg_catalog, pg_temp
---
SELECT p.oid::regprocedure AS security_definer, p.proconfig
  FROM pg_proc p
  JOIN pg_depend d ON d.classid = 'pg_proc'::regclass AND d.objid = p.oid AND d.deptype = 'e'
  JOIN pg_extension e ON e.oid = d.refobjid AND e.extname = 'sim'
 WHERE p.prosecdef
 ORDER BY p.oid::regprocedure::text;

---
--- Identity fails closed
---
-- a role that is neither a player nor an operator, though granted sim_player
SET ROLE regress_api_stranger;
SELECT pg_temp.request('regress_api_stranger', NULL, format('SELECT trade_id FROM api.buy(%s, 1, 1)', o.ships[1])) AS stranger
  FROM own o WHERE o.who = 'A';
RESET ROLE;
-- a player's login plays its player; through a group role it is nobody
SET SESSION AUTHORIZATION regress_api_login;
SELECT player, faction FROM api.my_wallet;
SELECT count(*) AS own_ships FROM api.my_ships;
SET ROLE regress_api_group;
SELECT count(*) AS ships_through_a_group FROM api.my_ships;
SELECT pg_temp.request('regress_api_group', NULL, format('SELECT api.undock(%s)', o.ships[1])) AS through_a_group
  FROM own o WHERE o.who = 'C';
RESET ROLE;
-- a player's login cannot speak for another player with claims
SELECT pg_temp.request('sim_player', o.player::text, 'SELECT count(*) FROM api.my_ships') AS my_ships_as_a,
       pg_temp.request('sim_player', o.player::text, format('SELECT api.undock(%s)', o.ships[1])) AS undock_as_a
  FROM own o WHERE o.who = 'A';
RESET SESSION AUTHORIZATION;
-- neither can a login granted sim_player that inherits it
SET SESSION AUTHORIZATION regress_api_stranger;
SELECT pg_temp.request('sim_player', o.player::text, format('SELECT api.undock(%s)', o.ships[1])) AS stranger_as_a
  FROM own o WHERE o.who = 'A';
RESET SESSION AUTHORIZATION;
-- nor can a NOINHERIT login that is a member of a player's login (it
-- inherits sim_player through it, but was not granted it as an authenticator)
CREATE ROLE regress_api_eve LOGIN NOINHERIT IN ROLE regress_api_login;
SET SESSION AUTHORIZATION regress_api_eve;
SELECT pg_temp.request('sim_player', o.player::text, 'SELECT count(*) FROM api.my_ships') AS eve_sees_a,
       pg_temp.request('sim_player', o.player::text, format('SELECT api.undock(%s)', o.ships[1])) AS eve_as_a
  FROM own o WHERE o.who = 'A';
RESET SESSION AUTHORIZATION;
DROP ROLE regress_api_eve;
-- a player's login role dropped without its player breaks nobody else's requests
CREATE ROLE regress_api_gone LOGIN;
SELECT sim.create_player('Gone', login => 'regress_api_gone') IS NOT NULL AS created;
DROP ROLE regress_api_gone;
SET SESSION AUTHORIZATION regress_api_authenticator;
SELECT pg_temp.request('sim_player', o.player::text, 'SELECT count(*) FROM api.my_ships') AS a_s_ships_after_a_login_went
  FROM own o WHERE o.who = 'A';
RESET SESSION AUTHORIZATION;
-- claims that name nobody
SET SESSION AUTHORIZATION regress_api_authenticator;
SELECT s AS sub, pg_temp.request('sim_player', s, 'SELECT count(*) FROM api.my_ships') AS my_ships,
       pg_temp.request('sim_player', s, 'SELECT api.undock(1)') AS undock
  FROM unnest(ARRAY['999999', '-1', '1 OR 1=1', 'x', '99999999999999999999']) s;
RESET SESSION AUTHORIZATION;

-- a faction a player plays cannot be deleted from under it
SELECT pg_temp.request('postgres', NULL, format('DELETE FROM sim.faction WHERE id = %s', o.faction_id)) AS delete_faction
  FROM own o WHERE o.who = 'A';

---
--- Search paths hold no schema a player may write to: with CREATE on
--- PostGIS's schema, a player shadows what sim's functions call, and none
--- of it runs
---
GRANT CREATE ON SCHEMA public TO regress_api_login;
SET SESSION AUTHORIZATION regress_api_login;
CREATE FUNCTION public.array_position(a text[], e text) RETURNS integer
LANGUAGE plpgsql AS $$
BEGIN
    PERFORM set_config('regress.shadow_ran', 'array_position', false);
    RETURN NULL;
END
$$;
CREATE FUNCTION public.coalesce_it(a bigint) RETURNS bigint LANGUAGE sql AS 'SELECT a';
CREATE FUNCTION public.st_x(g text) RETURNS double precision
LANGUAGE plpgsql AS $$
BEGIN
    PERFORM set_config('regress.shadow_ran', 'st_x', false);
    RETURN 0;
END
$$;
CREATE FUNCTION public.format(f text, VARIADIC a bigint[]) RETURNS text
LANGUAGE plpgsql AS $$
BEGIN
    PERFORM set_config('regress.shadow_ran', 'format', false);
    RETURN f;
END
$$;
-- and temporary tables named as sim's
CREATE TEMP TABLE wallet (faction_id integer, credits bigint);
CREATE TEMP TABLE player (id bigint, faction_id integer, login name);
SET search_path = pg_temp, public, sim;
SELECT count(*) AS own_ships FROM api.my_ships;
SELECT trade_id IS NOT NULL AS bought
  FROM api.buy((SELECT o.ships[1] FROM own o WHERE o.who = 'C'), (SELECT good FROM good WHERE who = 'C'), 1);
SELECT api.undock((SELECT o.ships[1] FROM own o WHERE o.who = 'C')) IS NOT NULL AS queued;
RESET search_path;
RESET SESSION AUTHORIZATION;
-- the tick applies the undock (the ship's change record is written by a
-- SECURITY DEFINER trigger that calls array_position)
SELECT sim.step(1) AS tick;
SELECT status, error FROM sim.command c JOIN own o ON c.ship_id = o.ships[1] WHERE o.who = 'C' ORDER BY c.id DESC LIMIT 1;
SELECT coalesce(current_setting('regress.shadow_ran', true), '') AS shadow_ran;
SELECT rolsuper AS login_became_superuser FROM pg_roles WHERE rolname = 'regress_api_login';
DROP FUNCTION public.array_position(text[], text), public.coalesce_it(bigint), public.st_x(text),
    public.format(text, bigint[]);
REVOKE CREATE ON SCHEMA public FROM regress_api_login;
SELECT * FROM sim.audit();

---
--- A faction's open orders are bounded: a player cannot flood the book
---
SET SESSION AUTHORIZATION regress_api_authenticator;
SELECT pg_temp.request(c.role, c.sub,
           format($$SELECT count(api.place_order(%s, %s, 'buy', 1, 1))
                      FROM generate_series(1, %s - (SELECT count(*) FROM api.my_orders WHERE status = 'open'))$$,
                  o.ships[1], g.good, 1000)) AS placed_up_to_the_limit,
       pg_temp.request(c.role, c.sub,
           format($$SELECT api.place_order(%s, %s, 'buy', 1, 1)$$, o.ships[1], g.good)) AS one_more
  FROM caller c JOIN own o ON o.who = c.caller JOIN good g ON g.who = c.caller
 WHERE c.caller = 'A';
RESET SESSION AUTHORIZATION;
SELECT count(*) AS a_s_open_orders FROM sim.market_order m JOIN own o ON m.faction_id = o.faction_id
 WHERE o.who = 'A' AND m.status = 'open';
SELECT * FROM sim.audit();

---
--- Players come and go: dropped or reset, they are nobody, never operators
---
SELECT sim.drop_player(b) FROM who;
SELECT * FROM sim.audit();
SELECT count(*) AS b_ships_left FROM sim.ship s JOIN own o ON s.faction_id = o.faction_id WHERE o.who = 'B';
-- a new player's ship never takes a dropped one's id (history names ships
-- by id), not even the highest
CREATE TEMP TABLE last_player AS SELECT sim.create_player('Last') AS player;
CREATE TEMP TABLE last_ship AS
SELECT s.id, l.player FROM last_player l JOIN sim.player p ON p.id = l.player JOIN sim.ship s ON s.faction_id = p.faction_id;
SELECT s.id = (SELECT max(id) FROM sim.ship) AS highest_id FROM last_ship s;
SELECT sim.drop_player(player) FROM last_ship;
CREATE TEMP TABLE created AS SELECT sim.create_player('After') AS id;
SELECT s.id > (SELECT id FROM last_ship) AS new_ship_id
  FROM created c JOIN sim.player p ON p.id = c.id JOIN sim.ship s ON s.faction_id = p.faction_id;
SET SESSION AUTHORIZATION regress_api_authenticator;
SELECT pg_temp.request('sim_player', (SELECT b::text FROM who), 'SELECT count(*) FROM api.my_ships') AS dropped_b_ships,
       pg_temp.request('sim_player', (SELECT b::text FROM who),
                       format('SELECT api.undock(%s)', (SELECT o.ships[1] FROM own o WHERE o.who = 'A'))) AS dropped_b_commands;
RESET SESSION AUTHORIZATION;
SELECT pg_has_role('regress_api_login', 'sim_player', 'MEMBER') AS login_still_plays;
SET client_min_messages = notice;
SELECT sim.generate_universe(12, 2, 20, reset => true) IS NOT NULL AS regenerated;
RESET client_min_messages;
SET SESSION AUTHORIZATION regress_api_login;
SELECT pg_temp.request('regress_api_login', NULL, 'SELECT api.undock(1)') AS after_reset;
RESET SESSION AUTHORIZATION;
-- create_player's refusals (a login that could SET ROLE sim_operator among them)
CREATE ROLE regress_api_opgroup NOINHERIT IN ROLE sim_operator;
CREATE ROLE regress_api_opmember LOGIN IN ROLE regress_api_opgroup;
CREATE ROLE regress_api_creator LOGIN CREATEROLE;
CREATE ROLE regress_api_signaller LOGIN IN ROLE pg_signal_backend;
SELECT pg_temp.request('postgres', NULL, q) AS refused
  FROM unnest(ARRAY[$$SELECT sim.create_player('')$$, $$SELECT sim.create_player(repeat('x', 65))$$,
                    $$SELECT sim.create_player('x', credits => -1)$$,
                    $$SELECT sim.create_player('x', login => 'regress_api_nobody')$$,
                    $$SELECT sim.create_player('x', login => 'regress_api_authenticator')$$,
                    $$SELECT sim.create_player('x', login => 'sim_operator')$$,
                    $$SELECT sim.create_player('x', login => 'regress_api_group')$$,
                    $$SELECT sim.create_player('x', login => 'regress_api_opmember')$$,
                    $$SELECT sim.create_player('x', login => 'regress_api_creator')$$,
                    $$SELECT sim.create_player('x', login => 'regress_api_signaller')$$,
                    $$SELECT sim.create_player('x', station => 999999)$$,
                    $$SELECT sim.create_player('x', ship_class => 999999)$$]) q;
SELECT sim.create_player('Twice') IS NOT NULL AS created;
SELECT pg_temp.request('postgres', NULL, $$SELECT sim.create_player('Twice')$$) AS twice;
SET ROLE regress_api_login;
SELECT pg_temp.request('regress_api_login', NULL, $$SELECT sim.create_player('Mine')$$) AS by_a_player;
RESET ROLE;
DROP ROLE regress_api_opmember, regress_api_opgroup, regress_api_creator, regress_api_signaller;

SELECT count(sim.drop_player(p.id)) AS dropped FROM sim.player p;
SELECT * FROM sim.audit();
DROP OWNED BY regress_api_authenticator, regress_api_login, regress_api_stranger, regress_api_group;
DROP ROLE regress_api_authenticator, regress_api_login, regress_api_stranger, regress_api_group;

-- The roles are the cluster's: a second database's CREATE EXTENSION finds
-- them and leaves them as they are
SELECT current_database() AS here \gset
CREATE DATABASE regress_sim_second;
\c regress_sim_second
SET client_min_messages = warning;
CREATE EXTENSION sim CASCADE;
RESET client_min_messages;
SELECT r.rolname, r.rolcanlogin, has_schema_privilege(r.rolname, 'api', 'USAGE') AS uses_api
  FROM pg_roles r WHERE r.rolname IN ('sim_operator', 'sim_player', 'sim_anon') ORDER BY r.rolname;
\c :here
DROP DATABASE regress_sim_second;
