-- An object that is no longer a member of the extension: ALTER EXTENSION ... DROP.
DO $$
BEGIN
    EXECUTE (SELECT format('ALTER EXTENSION sim DROP FUNCTION %s', p.oid::regprocedure)
               FROM pg_catalog.pg_proc p WHERE p.pronamespace = 'api'::regnamespace
              ORDER BY p.oid::regprocedure::text LIMIT 1);
END
$$;
