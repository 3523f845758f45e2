--
-- vocabulary: the ship states, NPC roles and flight-leg columns have one
-- source (include/sim/core/vocab.h, SIM_LEG_FIELDS in kinematics.h).  The
-- tables the build generated hold the library's lists; the CHECKs, the
-- transitions and the change record follow them; and sim.check_vocabulary()
-- (run at install and before a backend's first tick) rejects, with SM011, a
-- table or a schema that disagrees.
--
SET client_min_messages = warning;
CREATE EXTENSION IF NOT EXISTS sim CASCADE;
RESET client_min_messages;
SELECT sim.reset_universe();

CREATE FUNCTION pg_temp.try(stmt text) RETURNS text
LANGUAGE plpgsql AS $$
DECLARE
    code    text;
    msg     text;
    detail  text;
BEGIN
    EXECUTE stmt;
    RETURN 'ok';
EXCEPTION WHEN others THEN
    GET STACKED DIAGNOSTICS code = RETURNED_SQLSTATE, msg = MESSAGE_TEXT, detail = PG_EXCEPTION_DETAIL;
    RETURN code || ': ' || msg || coalesce(E'\nDETAIL: ' || nullif(detail, ''), '');
END
$$;

--- The lists, as the library knows them
SELECT vocabulary, code, name, type FROM sim.vocabulary() ORDER BY vocabulary, code;

-- the generated tables hold exactly them
SELECT 'ship_state' AS vocabulary, code::integer, name, NULL::text AS type FROM sim.ship_state
UNION ALL SELECT 'npc_role', code, name, NULL FROM sim.npc_role
UNION ALL SELECT 'leg_field', pos, name, type FROM sim.leg_field
EXCEPT SELECT * FROM sim.vocabulary();
SELECT * FROM sim.vocabulary()
EXCEPT (SELECT 'ship_state', code::integer, name, NULL FROM sim.ship_state
        UNION ALL SELECT 'npc_role', code, name, NULL FROM sim.npc_role
        UNION ALL SELECT 'leg_field', pos, name, type FROM sim.leg_field);
-- and so do the functions the CHECKs call
SELECT sim.ship_states() = ARRAY(SELECT name FROM sim.ship_state ORDER BY code) AS states_agree,
       sim.npc_roles() = ARRAY(SELECT name FROM sim.npc_role ORDER BY code) AS roles_agree;
SELECT sim.check_vocabulary();

--- Every CHECK on a state or a role tests against the library's list
SELECT conrelid::regclass AS tab, conname, pg_get_constraintdef(oid) AS def
  FROM pg_constraint
 WHERE connamespace = 'sim'::regnamespace AND contype = 'c'
   AND pg_get_constraintdef(oid) ~ 'ship_states|npc_roles'
 ORDER BY 1, 2;

--- Unknown states and roles are rejected as before (23514), transitions
--- may name only known states (23503)
BEGIN;
INSERT INTO sim.faction (id, name, kind, color) VALUES (1, 'Testers', 'corporation', '#112233');
INSERT INTO sim.sector (id, name, center, half_size, security) VALUES
    (1, 'Alpha', ST_MakePoint(0, 0, 0), 1000, 0.5);
INSERT INTO sim.ship_class (id, name, role, max_speed, max_accel, cargo_capacity,
                            fuel_capacity, fuel_per_dv, mining_rate) VALUES
    (1, 'Hull', 'miner', 100, 1, 50, 100, 0.1, 1);
INSERT INTO sim.ship (id, name, faction_id, class_id, role, sector_id, state, fuel, x, y, z)
VALUES (1, 'Test', 1, 1, 'trader', 1, 'idle', 10, 0, 0, 0);
SELECT pg_temp.try($$UPDATE sim.ship SET state = 'parked' WHERE id = 1$$) AS unknown_state;
SELECT pg_temp.try($$UPDATE sim.ship SET role = 'pirate' WHERE id = 1$$) AS unknown_role;
SELECT pg_temp.try($$UPDATE sim.ship_class SET role = 'pirate' WHERE id = 1$$) AS unknown_hull_role;
SELECT pg_temp.try($$INSERT INTO sim.bt_tree (id, name, role) VALUES (9, 'pirates', 'pirate')$$) AS unknown_tree_role;
SELECT pg_temp.try($$INSERT INTO sim.ship_transition VALUES ('idle', 'parked', 'test')$$) AS unknown_transition;
ROLLBACK;

--- The change record codes states as sim.ship_state, and its ship fields
--- hold the leg's columns in order
SELECT code, label FROM sim.change_code WHERE kind = 1 AND field = 'state' ORDER BY code;
SELECT fields FROM sim.change_kind WHERE name = 'ship';
SELECT c.code, sim.change_data(1::smallint, ARRAY[c.code] || array_fill(0::double precision, ARRAY[18])) ->> 'state'
       AS decoded
  FROM generate_series(0, 6) c(code);
-- the trigger codes a state with the same constant list as before
SELECT prosrc ~ E'array_position\\(''\\{docked,undocking,idle,flying,docking,orbiting,mining\\}''::text\\[\\], n\\.state\\) - 1'
       AS state_coded
  FROM pg_proc WHERE oid = 'sim.record_ship_change()'::regprocedure;

--- A table or a schema that disagrees is found (SM011)
BEGIN;
INSERT INTO sim.ship_state (code, name) VALUES (7, 'parked');
SELECT pg_temp.try('SELECT sim.check_vocabulary()') AS state_not_in_library;
ROLLBACK;
BEGIN;
UPDATE sim.npc_role SET name = 'pirate' WHERE name = 'patrol';
SELECT pg_temp.try('SELECT sim.check_vocabulary()') AS role_renamed;
ROLLBACK;
BEGIN;
UPDATE sim.leg_field SET type = 'double precision' WHERE name = 'leg_start_tick';
SELECT pg_temp.try('SELECT sim.check_vocabulary()') AS leg_type_changed;
ROLLBACK;
BEGIN;
UPDATE sim.change_code SET label = 'parked' WHERE kind = 1 AND field = 'state' AND code = 6;
SELECT pg_temp.try('SELECT sim.check_vocabulary()') AS record_codes_differ;
ROLLBACK;
BEGIN;
ALTER TABLE sim.flight_leg RENAME COLUMN t_coast TO t_glide;
SELECT pg_temp.try('SELECT sim.check_vocabulary()') AS leg_column_missing;
ROLLBACK;
BEGIN;
ALTER TABLE sim.ship DROP CONSTRAINT ship_plan_finite;
SELECT pg_temp.try('SELECT sim.check_vocabulary()') AS finite_check_missing;
ROLLBACK;
BEGIN;
ALTER FUNCTION sim.leg_state(double precision, double precision, double precision, double precision,
    double precision, double precision, double precision, double precision, double precision,
    double precision, bigint, bigint) RENAME TO old_leg_state;
SELECT pg_temp.try('SELECT sim.check_vocabulary()') AS leg_state_missing;
ROLLBACK;
SELECT sim.check_vocabulary();

--- The tick checks before this backend's first tick
SELECT sim.generate_universe(3, 1, 20) IS NOT NULL AS generated;
BEGIN;
INSERT INTO sim.ship_state (code, name) VALUES (7, 'parked');
SELECT pg_temp.try('SELECT sim.step(1)') AS tick_refused;
ROLLBACK;
SELECT sim.step(1) AS ticked;
SELECT sim.reset_universe();
