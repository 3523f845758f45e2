-- A grant left out: sim_player may no longer execute one api function.
DO $$
BEGIN
    EXECUTE (SELECT format('REVOKE EXECUTE ON FUNCTION %s FROM sim_player', p.oid::regprocedure)
               FROM pg_catalog.pg_proc p
              WHERE p.pronamespace = 'api'::regnamespace AND pg_catalog.has_function_privilege('sim_player', p.oid, 'EXECUTE')
              ORDER BY p.oid::regprocedure::text LIMIT 1);
END
$$;
