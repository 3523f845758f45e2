-- A trigger left disabled: one trigger of a member table.
DO $$
BEGIN
    EXECUTE (SELECT format('ALTER TABLE %s DISABLE TRIGGER %I', t.tgrelid::regclass, t.tgname)
               FROM pg_catalog.pg_trigger t JOIN pg_catalog.pg_depend d ON d.objid = t.tgrelid
              WHERE d.classid = 'pg_class'::regclass AND d.deptype = 'e'
                AND d.refobjid = (SELECT oid FROM pg_catalog.pg_extension WHERE extname = 'sim')
                AND NOT t.tgisinternal
              ORDER BY t.tgrelid::regclass::text, t.tgname LIMIT 1);
END
$$;
