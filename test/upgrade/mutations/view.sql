-- A view not replaced: one report view's query differs (same columns).
DO $$
DECLARE
    v   regclass;
BEGIN
    SELECT c.oid INTO v FROM pg_catalog.pg_class c
     WHERE c.relnamespace = 'report'::regnamespace AND c.relkind = 'v' ORDER BY c.relname LIMIT 1;
    EXECUTE format('CREATE OR REPLACE VIEW %s AS SELECT * FROM (%s) AS upgrade_forgotten', v,
                   rtrim(pg_catalog.pg_get_viewdef(v), ';'));
END
$$;
