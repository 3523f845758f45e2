-- A function's volatility not changed: one STABLE member function made VOLATILE.
DO $$
BEGIN
    EXECUTE (SELECT format('ALTER FUNCTION %s VOLATILE', p.oid::regprocedure)
               FROM pg_catalog.pg_proc p JOIN pg_catalog.pg_depend d ON d.objid = p.oid
              WHERE d.classid = 'pg_proc'::regclass AND d.deptype = 'e'
                AND d.refobjid = (SELECT oid FROM pg_catalog.pg_extension WHERE extname = 'sim')
                AND p.provolatile = 's' AND p.prokind = 'f'
              ORDER BY p.oid::regprocedure::text LIMIT 1);
END
$$;
