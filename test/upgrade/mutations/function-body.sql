-- An upgrade script that forgot to replace a function: one member
-- PL/pgSQL function's body differs (a space more).
DO $$
DECLARE
    f   oid;
BEGIN
    SELECT p.oid INTO f FROM pg_catalog.pg_proc p JOIN pg_catalog.pg_depend d ON d.objid = p.oid
     WHERE d.classid = 'pg_proc'::regclass AND d.deptype = 'e'
                AND d.refobjid = (SELECT oid FROM pg_catalog.pg_extension WHERE extname = 'sim')
                AND p.prolang = (SELECT oid FROM pg_language WHERE lanname = 'plpgsql')
     ORDER BY p.oid::regprocedure::text LIMIT 1;
    EXECUTE replace(pg_catalog.pg_get_functiondef(f), 'AS $function$', 'AS $function$ ');
END
$$;
