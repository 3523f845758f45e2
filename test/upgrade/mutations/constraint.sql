-- A constraint not added: one CHECK constraint of a member table dropped.
DO $$
BEGIN
    EXECUTE (SELECT format('ALTER TABLE %s DROP CONSTRAINT %I', c.conrelid::regclass, c.conname)
               FROM pg_catalog.pg_constraint c JOIN pg_catalog.pg_depend d ON d.objid = c.conrelid
              WHERE d.classid = 'pg_class'::regclass AND d.deptype = 'e'
                AND d.refobjid = (SELECT oid FROM pg_catalog.pg_extension WHERE extname = 'sim')
                AND c.contype = 'c'
              ORDER BY c.conrelid::regclass::text, c.conname LIMIT 1);
END
$$;
