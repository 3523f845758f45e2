-- A role the extension creates is not as a fresh install makes it.
ALTER ROLE sim_anon CONNECTION LIMIT 5;
