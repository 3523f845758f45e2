-- sim: hooks between the tables and the shared-memory cache.

CREATE FUNCTION sim.invalidate_cache() RETURNS void
LANGUAGE sql AS $$ SELECT $$;
