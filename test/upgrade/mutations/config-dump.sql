-- A table not registered with pg_extension_config_dump: pg_dump would leave
-- its rows out.  (Only the catalog can unregister one.)
UPDATE pg_catalog.pg_extension SET extconfig = extconfig[2:], extcondition = extcondition[2:] WHERE extname = 'sim';
