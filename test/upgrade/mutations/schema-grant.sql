-- A schema privilege not granted: sim_anon loses USAGE on report.
REVOKE USAGE ON SCHEMA report FROM sim_anon;
