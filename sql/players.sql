-- sim: players and the roles they act as.
--
-- Three roles, created here unless the cluster has them already (roles are
-- cluster-wide; a second database's CREATE EXTENSION finds them):
--   sim_operator  runs the universe: every sim function and table;
--   sim_player    plays: the api schema only, as the player its JWT's sub
--                 claim names (or, for a login role in sim.player, as that
--                 player);
--   sim_anon      reads the public part of api.
-- An API server logs in as a NOINHERIT role granted all three (docs/api.md).
DO $$
DECLARE
    r   text;
BEGIN
    FOREACH r IN ARRAY ARRAY['sim_operator', 'sim_player', 'sim_anon'] LOOP
        IF NOT EXISTS (SELECT 1 FROM pg_catalog.pg_roles WHERE rolname = r) THEN
            EXECUTE format('CREATE ROLE %I NOLOGIN', r);
        END IF;
    END LOOP;
END
$$;

CREATE FUNCTION sim.acting_role() RETURNS regrole
AS 'MODULE_PATHNAME', 'sim_acting_role'
LANGUAGE C STABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION sim.acting_role() IS
    'The role the client acts as: its login role or the role SET ROLE chose (unlike current_user, not changed by SECURITY DEFINER)';

CREATE FUNCTION sim.acting_as_operator() RETURNS boolean
AS 'MODULE_PATHNAME', 'sim_acting_as_operator'
LANGUAGE C STABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION sim.acting_as_operator() IS
    'True when the acting role is a superuser or has the privileges of sim_operator';
