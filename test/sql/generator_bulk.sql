--
-- generator_bulk: the generator's bulk path for ships (sim.generate_ships,
-- src/generate.c) writes rows like COPY and stands in for the triggers on
-- sim.ship.  It must refuse to run when the rows would be recorded as
-- changes, when a trigger it does not know is on the table, and on bad
-- arguments; and the same seed gives the same ships whether the table was
-- empty (indexes built at the end) or not (index entries row by row).
--
SET client_min_messages = warning;
CREATE EXTENSION IF NOT EXISTS sim CASCADE;
RESET client_min_messages;
SELECT sim.reset_universe();

-- "ok", or the SQLSTATE and message of the error a statement raises
CREATE FUNCTION pg_temp.try(stmt text) RETURNS text
LANGUAGE plpgsql AS $$
DECLARE
    code    text;
    msg     text;
BEGIN
    EXECUTE stmt;
    RETURN 'ok';
EXCEPTION WHEN others THEN
    GET STACKED DIAGNOSTICS code = RETURNED_SQLSTATE, msg = MESSAGE_TEXT;
    RETURN code || ': ' || msg;
END
$$;

SELECT sim.generate_universe(7, 3, 500) ->> 'ships' AS ships;
SELECT md5(string_agg(s::text, E'\n' ORDER BY s.id)) AS ships_md5 INTO TEMP first FROM sim.ship s;
SELECT md5(string_agg(p::text, E'\n' ORDER BY p.ship_id)) AS npc_md5 INTO TEMP first_npc FROM sim.npc_personality p;

-- outside the generator, changes are recorded: the bulk path refuses
SELECT pg_temp.try('SELECT sim.generate_ships(7, 10, 8)') AS not_muted;

-- bad arguments
BEGIN;
SELECT sim.mute_changes(true);
SELECT pg_temp.try('SELECT sim.generate_ships(7, -1, 8)') AS negative_ships,
       pg_temp.try('SELECT sim.generate_ships(7, 10000001, 8)') AS too_many_ships,
       pg_temp.try('SELECT sim.generate_ships(7, 10, 0)') AS no_factions;
-- ships 1..500 exist: a second load collides on the primary key
SELECT pg_temp.try('SELECT sim.generate_ships(7, 10, 8)') AS duplicate_ids;
ROLLBACK;

-- a trigger on INSERT that the bulk path does not stand in for stops it
CREATE FUNCTION pg_temp.noop() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN RETURN NULL; END $$;
CREATE TRIGGER zz_unknown AFTER INSERT ON sim.ship FOR EACH ROW EXECUTE FUNCTION pg_temp.noop();
SELECT pg_temp.try('SELECT sim.generate_universe(7, 3, 500, reset => true)') AS unknown_trigger;
DROP TRIGGER zz_unknown ON sim.ship;
SELECT count(*) AS ships_left FROM sim.ship;

-- Rows deleted but pages kept: the index entries are written row by row,
-- and the ships are the same as from an empty table.
BEGIN;
DELETE FROM sim.npc_personality;
DELETE FROM sim.ship;
SELECT sim.mute_changes(true);
SELECT sim.generate_ships(7, 500, 8) AS rewritten;
SELECT (SELECT md5(string_agg(s::text, E'\n' ORDER BY s.id)) FROM sim.ship s) = f.ships_md5 AS same_ships,
       (SELECT md5(string_agg(p::text, E'\n' ORDER BY p.ship_id)) FROM sim.npc_personality p) = n.npc_md5 AS same_personalities
  FROM first f, first_npc n;
-- the indexes hold every row either way
SET LOCAL enable_seqscan = off;
SELECT count(*) AS by_faction_index FROM sim.ship WHERE faction_id BETWEEN 1 AND 8;
ROLLBACK;

SELECT sim.reset_universe();
