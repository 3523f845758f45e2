-- SECURITY DEFINER lost: one api command function made SECURITY INVOKER.
DO $$
BEGIN
    EXECUTE (SELECT format('ALTER FUNCTION %s SECURITY INVOKER', p.oid::regprocedure)
               FROM pg_catalog.pg_proc p WHERE p.pronamespace = 'api'::regnamespace AND p.prosecdef
              ORDER BY p.oid::regprocedure::text LIMIT 1);
END
$$;
