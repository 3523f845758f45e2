--
-- errcodes: sim's own SQLSTATEs come from one registry (the module's,
-- include/sim/core/errcodes.h); sim.error_code shows it, every code the
-- extension's SQL functions raise is in it.  C raises the registry's own
-- ERRCODE_SIM_* (test/check_errcodes.sh checks no code is written elsewhere).
--
SET client_min_messages = warning;
CREATE EXTENSION IF NOT EXISTS sim CASCADE;
RESET client_min_messages;

SELECT * FROM sim.error_code ORDER BY sqlstate;
SELECT count(*) = count(DISTINCT sqlstate) AS codes_unique,
       count(*) = count(DISTINCT name) AS names_unique,
       bool_and(sqlstate ~ '^SM[0-9A-Z]{3}$') AS all_in_class_sm
  FROM sim.error_code;

-- every SMnnn that a function of the extension raises is registered
SELECT DISTINCT m[1] AS raised_but_not_registered
  FROM pg_proc p
 CROSS JOIN LATERAL regexp_matches(p.prosrc, '(SM[0-9]{3})', 'g') m
 WHERE p.pronamespace = 'sim'::regnamespace
   AND m[1] NOT IN (SELECT sqlstate FROM sim.error_code)
 ORDER BY 1;
-- (the search above finds the codes: the SQL side raises most of them)
SELECT count(DISTINCT m[1]) >= 8 AS raised_from_sql
  FROM pg_proc p
 CROSS JOIN LATERAL regexp_matches(p.prosrc, '(SM[0-9]{3})', 'g') m
 WHERE p.pronamespace = 'sim'::regnamespace;

-- who may read it: anonymous clients through api.error_codes; a role
-- granted none of sim's roles reads nothing
CREATE ROLE regress_errcodes_nobody;
SET ROLE regress_errcodes_nobody;
DO $$
BEGIN
    PERFORM count(*) FROM api.error_codes;
    RAISE NOTICE 'read without a sim role';
EXCEPTION WHEN insufficient_privilege THEN
    RAISE NOTICE 'without a sim role: %', SQLSTATE;
END
$$;
RESET ROLE;
DROP ROLE regress_errcodes_nobody;
SET ROLE sim_anon;
SELECT count(*) AS codes_seen_by_anonymous_clients FROM api.error_codes;
RESET ROLE;
SET ROLE sim_operator;
SELECT sim.levy(100, 0.07) AS levy_is_a_pure_function;
RESET ROLE;
