-- sim: pin every function's search_path to pg_catalog, sim and the schema
-- PostGIS lives in (known only at install time).
DO $$
DECLARE
    gis     text := (SELECT n.nspname FROM pg_extension e JOIN pg_namespace n ON n.oid = e.extnamespace
                      WHERE e.extname = 'postgis');
    f       regprocedure;
BEGIN
    FOR f IN SELECT p.oid::regprocedure FROM pg_proc p
              WHERE p.pronamespace = 'sim'::regnamespace AND p.prolang <> 13 /* C */
                AND p.prolang <> 12 /* internal */
    LOOP
        EXECUTE format('ALTER FUNCTION %s SET search_path = pg_catalog, sim, %I', f, gis);
    END LOOP;
END
$$;
