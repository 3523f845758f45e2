-- sim: the ticking engine's tables, functions and views.

ALTER TABLE sim.world ADD COLUMN paused boolean NOT NULL DEFAULT false;

-- Commands wait here until the next tick applies them, in id order.
-- Partitioned by issued_tick (sql/history.sql keeps the partitions and gives
-- each its primary key and indexes; a partition holding a pending command is
-- never dropped).
CREATE TABLE sim.command (
    id              bigint GENERATED ALWAYS AS IDENTITY,
    ship_id         bigint NOT NULL REFERENCES sim.ship ON DELETE CASCADE,
    kind            text NOT NULL CHECK (kind IN ('navigate', 'undock')),
    dest_kind       text CHECK (dest_kind IN ('station', 'body', 'point')),
    dest_id         bigint,
    dest_x          double precision,
    dest_y          double precision,
    dest_z          double precision,
    mode            text CHECK (mode IN ('drift', 'cruise', 'burn')),
    issued_by       name NOT NULL,
    player_id       bigint REFERENCES sim.player ON DELETE CASCADE,
    issued_tick     bigint NOT NULL,
    status          text NOT NULL DEFAULT 'pending' CHECK (status IN ('pending', 'applied', 'rejected')),
    applied_tick    bigint,
    error           text,
    CHECK ((status = 'pending') = (applied_tick IS NULL)),
    CHECK ((status = 'rejected') = (error IS NOT NULL)),
    CHECK (kind <> 'navigate' OR (dest_kind IS NOT NULL AND mode IS NOT NULL)),
    CHECK ((dest_kind IN ('station', 'body')) = (dest_id IS NOT NULL)),
    CHECK ((dest_kind = 'point') = (dest_x IS NOT NULL AND dest_y IS NOT NULL AND dest_z IS NOT NULL))
) PARTITION BY RANGE (issued_tick);
-- updated by the tick, published through its parent, which has no key: a
-- logical subscriber finds the row by all its columns
ALTER TABLE sim.command REPLICA IDENTITY FULL;
COMMENT ON TABLE sim.command IS 'Player and API commands; each is applied (or rejected with a reason) by the next tick';
-- At most one command per ship waits for the tick.  A partitioned table holds
-- no unique index without its partition key, so a ship's pending command is
-- also its row of sim.pending_command, inserted by the trigger below with
-- ON CONFLICT DO NOTHING: of two sessions queueing for one ship the second's
-- command row is skipped (its INSERT ... RETURNING returns no row, and the
-- command reports the pending one), or fails with 40001 under REPEATABLE
-- READ and SERIALIZABLE when its snapshot cannot see the first's.  The row
-- goes when the command is applied, rejected or deleted.
CREATE TABLE sim.pending_command (
    ship_id     bigint PRIMARY KEY REFERENCES sim.ship ON DELETE CASCADE,
    command_id  bigint NOT NULL UNIQUE
);
COMMENT ON TABLE sim.pending_command IS
    'The pending command of each ship that has one (kept by triggers on sim.command; at most one per ship)';
CREATE FUNCTION sim.command_queued() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    IF NEW.status <> 'pending' THEN
        RETURN NEW;
    END IF;
    INSERT INTO sim.pending_command (ship_id, command_id) VALUES (NEW.ship_id, NEW.id)
    ON CONFLICT (ship_id) DO NOTHING;
    IF NOT FOUND THEN
        RETURN NULL;    -- the ship has a pending command: this one is not queued
    END IF;
    RETURN NEW;
END
$$;
CREATE TRIGGER command_queued BEFORE INSERT ON sim.command
    FOR EACH ROW EXECUTE FUNCTION sim.command_queued();
CREATE FUNCTION sim.command_settled() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    DELETE FROM sim.pending_command p USING changed_rows c
     WHERE p.command_id = c.id AND (TG_OP = 'DELETE' OR c.status <> 'pending');
    RETURN NULL;
END
$$;
CREATE TRIGGER command_settled AFTER UPDATE ON sim.command
    REFERENCING NEW TABLE AS changed_rows FOR EACH STATEMENT EXECUTE FUNCTION sim.command_settled();
CREATE TRIGGER command_deleted AFTER DELETE ON sim.command
    REFERENCING OLD TABLE AS changed_rows FOR EACH STATEMENT EXECUTE FUNCTION sim.command_settled();

-- The issuer is whoever inserts the command (sim.current_player(): a
-- player, or NULL for an operator; anyone else cannot): the tick checks
-- ownership by it, since a player may command only its own ships.
CREATE FUNCTION sim.command_issuer() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    NEW.player_id := sim.current_player();
    NEW.issued_by := coalesce(sim.replay_issuer(),  -- sim.replay: the recorded issuer
                              (SELECT r.rolname FROM pg_catalog.pg_roles r WHERE r.oid = sim.acting_role()));
    RETURN NEW;
END
$$;
CREATE TRIGGER command_issuer BEFORE INSERT OR UPDATE OF issued_by, player_id ON sim.command
    FOR EACH ROW EXECUTE FUNCTION sim.command_issuer();

-- Legs of a multi-sector journey that follow the ship's current leg.
CREATE TABLE sim.flight_leg (
    ship_id         bigint NOT NULL REFERENCES sim.ship ON DELETE CASCADE,
    seq             integer NOT NULL CHECK (seq > 0),
    sector_id       integer NOT NULL REFERENCES sim.sector,
    gate_id         integer REFERENCES sim.jump_gate,
    x               double precision NOT NULL,
    y               double precision NOT NULL,
    z               double precision NOT NULL,
    dir_x           double precision NOT NULL,
    dir_y           double precision NOT NULL,
    dir_z           double precision NOT NULL,
    accel           double precision NOT NULL CHECK (accel >= 0),
    t_burn          double precision NOT NULL CHECK (t_burn >= 0),
    t_coast         double precision NOT NULL CHECK (t_coast >= 0),
    t_brake         double precision NOT NULL CHECK (t_brake >= 0),
    leg_start_tick  bigint NOT NULL,
    arrival_tick    bigint NOT NULL CHECK (arrival_tick >= leg_start_tick),
    PRIMARY KEY (ship_id, seq),
    CONSTRAINT flight_leg_finite
        CHECK (sim.finite(ARRAY[x, y, z, dir_x, dir_y, dir_z, accel, t_burn, t_coast, t_brake]))
);
COMMENT ON TABLE sim.flight_leg IS 'Later legs of a journey: each starts at the far end of gate_id (NULL: where the previous leg ended)';

ALTER TABLE sim.ship
    ADD COLUMN dest_kind text CHECK (dest_kind IN ('station', 'body', 'point')),
    ADD COLUMN dest_id bigint,
    ADD COLUMN leg_seq integer NOT NULL DEFAULT 0 CHECK (leg_seq >= 0);

-- One row per committed tick, kept for sim.tick_history ticks.
CREATE TABLE sim.tick_log (
    tick            bigint PRIMARY KEY,
    finished_at     timestamptz NOT NULL,
    duration_ms     double precision NOT NULL CHECK (duration_ms >= 0),
    ships_in_flight integer NOT NULL CHECK (ships_in_flight >= 0),
    arrivals        integer NOT NULL CHECK (arrivals >= 0),
    commands        integer NOT NULL CHECK (commands >= 0),
    source          text NOT NULL CHECK (source IN ('worker', 'step')),
    waited_ms       double precision NOT NULL DEFAULT 0 CHECK (waited_ms >= 0)
);
COMMENT ON TABLE sim.tick_log IS 'Timing and counts of recent ticks (retention: sim.tick_history)';
COMMENT ON COLUMN sim.tick_log.waited_ms IS
    'How long the tick waited for commands'' transactions (the tick guard) before it started; '
    'for sim.step(n), on its first tick';

-- Shared-memory cache control
CREATE OR REPLACE FUNCTION sim.invalidate_cache() RETURNS void
AS 'MODULE_PATHNAME', 'sim_invalidate_cache'
LANGUAGE C VOLATILE;
COMMENT ON FUNCTION sim.invalidate_cache() IS
    'Make the ticker reload its shared-memory world from the tables when this transaction commits';

CREATE FUNCTION sim.ship_changed() RETURNS trigger
AS 'MODULE_PATHNAME', 'sim_ship_changed'
LANGUAGE C;
-- Only what the shared world mirrors: fuel, cargo or names do not reload it.
CREATE TRIGGER ship_changed BEFORE INSERT OR DELETE OR TRUNCATE
    OR UPDATE OF id, state, sector_id, x, y, z, dir_x, dir_y, dir_z, accel, t_burn, t_coast, t_brake,
                 leg_start_tick, arrival_tick, wake_tick
    ON sim.ship
    FOR EACH STATEMENT EXECUTE FUNCTION sim.ship_changed();
CREATE TRIGGER flight_leg_changed BEFORE INSERT OR UPDATE OR DELETE OR TRUNCATE ON sim.flight_leg
    FOR EACH STATEMENT EXECUTE FUNCTION sim.ship_changed();
-- also under session_replication_role = replica (logical replication, restores)
ALTER TABLE sim.ship ENABLE ALWAYS TRIGGER ship_changed;
ALTER TABLE sim.flight_leg ENABLE ALWAYS TRIGGER flight_leg_changed;

-- Kinematics, from SQL: the scalar reference kernel
CREATE FUNCTION sim.leg_state(
    x double precision, y double precision, z double precision,
    dir_x double precision, dir_y double precision, dir_z double precision,
    accel double precision, t_burn double precision, t_coast double precision,
    t_brake double precision, leg_start_tick bigint, tick bigint,
    OUT px double precision, OUT py double precision, OUT pz double precision,
    OUT vx double precision, OUT vy double precision, OUT vz double precision)
AS 'MODULE_PATHNAME', 'sim_leg_state'
LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION sim.leg_state(double precision, double precision, double precision, double precision,
    double precision, double precision, double precision, double precision, double precision,
    double precision, bigint, bigint) IS
    'Position (km) and velocity (km/s) at a tick of a flight-plan leg';

CREATE VIEW sim.ship_live AS
SELECT s.id, s.name, s.faction_id, s.class_id, s.sector_id, s.state, s.docked_at,
       w.tick,
       ST_MakePoint(p.px, p.py, p.pz) AS pos,
       p.vx, p.vy, p.vz,
       sqrt(p.vx * p.vx + p.vy * p.vy + p.vz * p.vz) AS speed,
       s.arrival_tick, s.dest_kind, s.dest_id, s.fuel
  FROM sim.ship s
 CROSS JOIN sim.world w
 CROSS JOIN LATERAL sim.leg_state(s.x, s.y, s.z, s.dir_x, s.dir_y, s.dir_z, s.accel,
                                  s.t_burn, s.t_coast, s.t_brake, s.leg_start_tick, w.tick) p;
COMMENT ON VIEW sim.ship_live IS 'Every ship with its position and velocity at the current tick, from its flight plan';

-- Commands
CREATE FUNCTION sim.navigate(ship bigint, destination text, mode text DEFAULT 'cruise',
    OUT command_id bigint, OUT start_tick bigint, OUT arrival_tick bigint,
    OUT fuel double precision, OUT legs integer)
AS 'MODULE_PATHNAME', 'sim_navigate'
LANGUAGE C VOLATILE;
COMMENT ON FUNCTION sim.navigate(bigint, text, text) IS
    'Queue a flight to ''station:ID'', ''body:ID'' or ''point:X,Y,Z'' (km) in mode drift, cruise or burn';

CREATE FUNCTION sim.navigate(ship bigint, destination geometry, mode text DEFAULT 'cruise',
    OUT command_id bigint, OUT start_tick bigint, OUT arrival_tick bigint,
    OUT fuel double precision, OUT legs integer)
LANGUAGE plpgsql VOLATILE AS $$
BEGIN
    IF destination IS NULL OR GeometryType(destination) <> 'POINT' THEN
        RAISE EXCEPTION 'destination must be a point'
            USING ERRCODE = 'invalid_parameter_value';
    END IF;
    SELECT n.command_id, n.start_tick, n.arrival_tick, n.fuel, n.legs
      INTO command_id, start_tick, arrival_tick, fuel, legs
      FROM sim.navigate(ship, format('point:%s,%s,%s', ST_X(destination), ST_Y(destination),
                                     coalesce(ST_Z(destination), 0)), mode) n;
END
$$;
-- the point travels through text: print its coordinates exactly
ALTER FUNCTION sim.navigate(bigint, geometry, text) SET extra_float_digits = 3;
COMMENT ON FUNCTION sim.navigate(bigint, geometry, text) IS
    'Queue a flight to a point (km, global frame) in mode drift, cruise or burn';

CREATE FUNCTION sim.undock(ship bigint) RETURNS bigint
AS 'MODULE_PATHNAME', 'sim_undock'
LANGUAGE C VOLATILE;
COMMENT ON FUNCTION sim.undock(bigint) IS 'Queue undocking of a docked ship; returns the command id';

CREATE FUNCTION sim.route_xyz(from_sector integer, to_sector integer, mode text, ship_class integer,
    OUT step integer, OUT sector_id integer, OUT gate_id integer,
    OUT from_x double precision, OUT from_y double precision, OUT from_z double precision,
    OUT to_x double precision, OUT to_y double precision, OUT to_z double precision,
    OUT ticks double precision, OUT fuel double precision, OUT total_ticks double precision)
RETURNS SETOF record
AS 'MODULE_PATHNAME', 'sim_route_xyz'
LANGUAGE C STABLE;

CREATE FUNCTION sim.route(from_sector integer, to_sector integer, mode text DEFAULT 'cruise',
                          ship_class integer DEFAULT NULL)
RETURNS TABLE (step integer, sector_id integer, gate_id integer, from_pos geometry, to_pos geometry,
               ticks double precision, fuel double precision, total_ticks double precision)
LANGUAGE sql STABLE AS $$
    SELECT r.step, r.sector_id, r.gate_id,
           ST_MakePoint(r.from_x, r.from_y, r.from_z), ST_MakePoint(r.to_x, r.to_y, r.to_z),
           r.ticks, r.fuel, r.total_ticks
      FROM sim.route_xyz(from_sector, to_sector, mode, ship_class) r
$$;
COMMENT ON FUNCTION sim.route(integer, integer, text, integer) IS
    'Cheapest route (A* over the jump gates) between two sectors'' centres for a hull class (default: the first): one row per leg, gate_id is the gate jumped through before the leg';

-- Ticking
CREATE FUNCTION sim.step(n integer DEFAULT 1) RETURNS bigint
AS 'MODULE_PATHNAME', 'sim_step'
LANGUAGE C VOLATILE;
COMMENT ON FUNCTION sim.step(integer) IS 'Run n ticks in this transaction; returns the new tick';

CREATE FUNCTION sim.pause() RETURNS void
LANGUAGE plpgsql VOLATILE AS $$
BEGIN
    UPDATE sim.world SET paused = true;
    IF NOT FOUND THEN
        RAISE EXCEPTION 'there is no universe to pause'
            USING ERRCODE = 'object_not_in_prerequisite_state',
                  HINT = 'Create one with sim.generate_universe().';
    END IF;
END
$$;
COMMENT ON FUNCTION sim.pause() IS 'Stop the ticker after the current tick (sim.step still works)';

CREATE FUNCTION sim.resume() RETURNS void
LANGUAGE plpgsql VOLATILE AS $$
BEGIN
    UPDATE sim.world SET paused = false;
    IF NOT FOUND THEN
        RAISE EXCEPTION 'there is no universe to resume'
            USING ERRCODE = 'object_not_in_prerequisite_state',
                  HINT = 'Create one with sim.generate_universe().';
    END IF;
    PERFORM sim.wake_ticker();
END
$$;
COMMENT ON FUNCTION sim.resume() IS 'Let the ticker run again; its schedule restarts from now';

CREATE FUNCTION sim.wake_ticker() RETURNS void
AS 'MODULE_PATHNAME', 'sim_wake_ticker'
LANGUAGE C VOLATILE;

CREATE FUNCTION sim.ticker_state(
    OUT loaded boolean, OUT worker_pid integer, OUT cache_tick bigint, OUT cache_ships bigint,
    OUT lag_ms double precision, OUT ticks_skipped bigint, OUT last_error text,
    OUT last_error_at timestamptz, OUT kernel text,
    OUT command_waits bigint, OUT command_wait_at timestamptz, OUT command_wait_ms double precision,
    OUT command_wait_pid integer, OUT command_wait_action text, OUT command_holders_ended bigint,
    OUT commands_held_off boolean)
AS 'MODULE_PATHNAME', 'sim_ticker_state'
LANGUAGE C VOLATILE;

CREATE VIEW sim.status AS
SELECT w.tick,
       w.epoch,
       w.paused,
       current_setting('sim.enabled')::boolean AS enabled,
       (SELECT setting::integer FROM pg_catalog.pg_settings WHERE name = 'sim.tick_interval_ms') AS tick_interval_ms,
       t.worker_pid,
       (SELECT count(*) FROM sim.ship WHERE state = 'flying') AS ships_in_flight,
       (SELECT count(*) FROM sim.command WHERE status = 'pending') AS commands_pending,
       l.p50 AS tick_ms_p50,
       l.p99 AS tick_ms_p99,
       t.lag_ms,
       t.ticks_skipped,
       t.last_error,
       t.last_error_at,
       t.kernel,
       t.loaded AS cache_loaded,
       t.command_waits,
       t.command_wait_at,
       t.command_wait_ms,
       t.command_wait_pid,
       t.command_wait_action,
       t.command_holders_ended,
       t.commands_held_off
  FROM sim.world w
 CROSS JOIN sim.ticker_state() t
 CROSS JOIN LATERAL (
       SELECT percentile_cont(0.5) WITHIN GROUP (ORDER BY duration_ms) AS p50,
              percentile_cont(0.99) WITHIN GROUP (ORDER BY duration_ms) AS p99
         FROM (SELECT duration_ms FROM sim.tick_log ORDER BY tick DESC LIMIT 100) r) l;
COMMENT ON VIEW sim.status IS
    'The ticker at a glance: tick, epoch, timing over the last 100 ticks, lag, last error, last wait for commands';

-- Spatial queries over the published index
CREATE FUNCTION sim.ships_within_xyz(x double precision, y double precision, z double precision,
                                     radius double precision)
RETURNS TABLE (ship_id bigint, distance double precision)
AS 'MODULE_PATHNAME', 'sim_ships_within_xyz'
LANGUAGE C VOLATILE STRICT ROWS 50;  -- a neighbourhood, not the universe: plans join it by index

CREATE FUNCTION sim.ships_nearest_xyz(x double precision, y double precision, z double precision,
                                      k integer)
RETURNS TABLE (ship_id bigint, distance double precision)
AS 'MODULE_PATHNAME', 'sim_ships_nearest_xyz'
LANGUAGE C VOLATILE STRICT;

CREATE FUNCTION sim.ships_within(center geometry, radius double precision)
RETURNS TABLE (ship_id bigint, distance double precision)
AS 'MODULE_PATHNAME', 'sim_ships_within'
LANGUAGE C VOLATILE STRICT;
COMMENT ON FUNCTION sim.ships_within(geometry, double precision) IS
    'Ships within radius km of a point at the last published tick, from the shared-memory index';

CREATE FUNCTION sim.ships_nearest(center geometry, k integer)
RETURNS TABLE (ship_id bigint, distance double precision)
AS 'MODULE_PATHNAME', 'sim_ships_nearest'
LANGUAGE C VOLATILE STRICT;
COMMENT ON FUNCTION sim.ships_nearest(geometry, integer) IS
    'The k ships nearest a point at the last published tick, nearest first (ties by ship id)';

CREATE FUNCTION sim.ship_positions()
RETURNS TABLE (ship_id bigint, tick bigint, x double precision, y double precision, z double precision)
AS 'MODULE_PATHNAME', 'sim_ship_positions'
LANGUAGE C VOLATILE;
COMMENT ON FUNCTION sim.ship_positions() IS
    'Every ship''s position in the published index (the SIMD kernel''s output) and the tick it is for';
