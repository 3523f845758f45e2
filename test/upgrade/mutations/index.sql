-- An index not created: one index of a member table that backs no constraint dropped.
DO $$
BEGIN
    EXECUTE (SELECT format('DROP INDEX %s', x.indexrelid::regclass)
               FROM pg_catalog.pg_index x JOIN pg_catalog.pg_depend d ON d.objid = x.indrelid
              WHERE d.classid = 'pg_class'::regclass AND d.deptype = 'e'
               AND d.refobjid = (SELECT oid FROM pg_catalog.pg_extension WHERE extname = 'sim')
                AND NOT EXISTS (SELECT 1 FROM pg_catalog.pg_constraint c WHERE c.conindid = x.indexrelid)
              ORDER BY x.indexrelid::regclass::text LIMIT 1);
END
$$;
