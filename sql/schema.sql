-- sim: the world schema.
--
-- Units everywhere: lengths in kilometres (km), time in ticks (one tick is
-- one simulated second), speeds in km/s, accelerations in km/s^2, money in
-- whole credits, goods in whole units.  All positions are in one global
-- Cartesian frame; sectors are disjoint cubes in that frame.  The lists of
-- ship states and roles are the library's (include/sim/core/vocab.h): the
-- CHECKs below test against sim.ship_states() and sim.npc_roles(), declared
-- in the generated sql/vocab.sql that precedes this file.

-- True when no element is NaN or infinite (PostgreSQL's NaN passes x >= 0).
CREATE FUNCTION sim.finite(v double precision[]) RETURNS boolean
AS 'MODULE_PATHNAME', 'sim_finite'
LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;

-- sim's own SQLSTATEs (class SM): the registry compiled into the module
-- (include/sim/core/errcodes.h), the one list C, SQL and docs/errors.md use.
CREATE FUNCTION sim.error_codes(OUT sqlstate text, OUT name text, OUT meaning text)
RETURNS SETOF record
AS 'MODULE_PATHNAME', 'sim_error_codes'
LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
CREATE VIEW sim.error_code AS SELECT e.sqlstate, e.name, e.meaning FROM sim.error_codes() e;
COMMENT ON VIEW sim.error_code IS 'sim''s own SQLSTATEs (class SM): code, name and meaning';

-- Bounded inputs and messages (src/bounds.c): the limits compiled into the
-- module (include/sim/core/limits.h), the one list C, SQL and
-- docs/errors.md use.
CREATE FUNCTION sim.limits(OUT name text, OUT value integer, OUT meaning text)
RETURNS SETOF record
AS 'MODULE_PATHNAME', 'sim_limits'
LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
CREATE VIEW sim.input_limit AS SELECT l.name, l.value, l.meaning FROM sim.limits() l;
COMMENT ON VIEW sim.input_limit IS 'sim''s input limits: name, value and what each bounds';

CREATE FUNCTION sim.limit(name text) RETURNS integer
AS 'MODULE_PATHNAME', 'sim_limit'
LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION sim.limit(text) IS 'The value of an input limit by name (sim.input_limit lists them)';

-- The one rule for quoting a caller's text in an error, notice, detail or
-- hint: the C helper SimEcho, so SQL and C cut alike.  Every RAISE that
-- quotes text a caller chose passes it through sim.echo.
CREATE FUNCTION sim.echo(t text) RETURNS text
AS 'MODULE_PATHNAME', 'sim_echo'
LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION sim.echo(text) IS
    'A text as messages quote it: its first sim.limit(''echo_chars'') characters, then an ellipsis if it was longer';

-- value, or 54000 when it has more elements than the named limit (the C
-- helper SimRequireArrayLimit, which C functions call directly).
CREATE FUNCTION sim.bounded_array(value anyarray, name text, limit_name text) RETURNS anyarray
AS 'MODULE_PATHNAME', 'sim_bounded_array'
LANGUAGE C IMMUTABLE PARALLEL SAFE;
COMMENT ON FUNCTION sim.bounded_array(anyarray, text, text) IS
    'The array unchanged, or 54000 (program_limit_exceeded) when it has more elements than the limit limit_name';

-- A new universe epoch (docs/lifecycle.md): a random integer in
-- [1, 2^53 - 1], exact in a JavaScript number and in a JSON reader that
-- parses numbers as doubles.
CREATE FUNCTION sim.new_epoch() RETURNS bigint
LANGUAGE sql VOLATILE
RETURN 1 + ((('x' || substr(md5(gen_random_uuid()::text), 1, 16))::bit(64)::bigint
             & 9007199254740991) % 9007199254740991);
COMMENT ON FUNCTION sim.new_epoch() IS
    'A new random universe epoch in [1, 2^53 - 1] (exact as a JSON number)';

-- The universe: at most one row, present once a universe is generated.
CREATE TABLE sim.world (
    id          boolean PRIMARY KEY DEFAULT true CHECK (id),
    seed        bigint NOT NULL,
    params      jsonb NOT NULL,
    tick        bigint NOT NULL DEFAULT 0 CHECK (tick >= 0 AND tick < 9007199254740992),
    epoch       bigint NOT NULL DEFAULT sim.new_epoch() CHECK (epoch BETWEEN 1 AND 9007199254740991)
);
COMMENT ON TABLE sim.world IS 'The universe: its seed, generation parameters and current tick (one row at most)';
COMMENT ON COLUMN sim.world.epoch IS
    'The universe''s epoch: new on generation, import and rollback; carried by notifications, change rows and deltas';

CREATE TABLE sim.faction (
    id          integer PRIMARY KEY,
    name        text NOT NULL UNIQUE CHECK (name <> ''),
    kind        text NOT NULL CHECK (kind IN ('state', 'corporation', 'guild', 'pirate', 'player')),
    color       text NOT NULL CHECK (color ~ '^#[0-9a-f]{6}$')
);
COMMENT ON TABLE sim.faction IS 'Owners of stations and ships';

CREATE TABLE sim.wallet (
    faction_id  integer PRIMARY KEY REFERENCES sim.faction ON DELETE CASCADE,
    credits     bigint NOT NULL CHECK (credits >= 0)
);
COMMENT ON TABLE sim.wallet IS 'Credits of each faction; never negative';

CREATE TABLE sim.sector (
    id          integer PRIMARY KEY,
    name        text NOT NULL UNIQUE CHECK (name <> ''),
    center      geometry(PointZ) NOT NULL
        CHECK (sim.finite(ARRAY[ST_X(center), ST_Y(center), ST_Z(center)])),
    half_size   double precision NOT NULL CHECK (half_size > 0 AND half_size < 'Infinity'),
    security    double precision NOT NULL CHECK (security BETWEEN 0 AND 1),
    -- the region: the cube's diagonal, for the non-overlap constraint and box queries
    bounds      geometry(LineStringZ) NOT NULL
        GENERATED ALWAYS AS (
            ST_MakeLine(
                ST_MakePoint(ST_X(center) - half_size, ST_Y(center) - half_size, ST_Z(center) - half_size),
                ST_MakePoint(ST_X(center) + half_size, ST_Y(center) + half_size, ST_Z(center) + half_size))
        ) STORED,
    EXCLUDE USING gist (bounds gist_geometry_ops_nd WITH &&&)
);
COMMENT ON TABLE sim.sector IS 'Star systems: disjoint cubes of the global frame, linked by jump gates';
CREATE INDEX sector_center_gist ON sim.sector USING gist (center gist_geometry_ops_nd);

CREATE TABLE sim.jump_gate (
    id          integer PRIMARY KEY,
    sector_a    integer NOT NULL REFERENCES sim.sector,
    pos_a       geometry(PointZ) NOT NULL CHECK (sim.finite(ARRAY[ST_X(pos_a), ST_Y(pos_a), ST_Z(pos_a)])),
    sector_b    integer NOT NULL REFERENCES sim.sector,
    pos_b       geometry(PointZ) NOT NULL CHECK (sim.finite(ARRAY[ST_X(pos_b), ST_Y(pos_b), ST_Z(pos_b)])),
    jump_ticks  integer NOT NULL CHECK (jump_ticks > 0),
    CHECK (sector_a < sector_b),
    UNIQUE (sector_a, sector_b)
);
COMMENT ON TABLE sim.jump_gate IS 'A two-way jump link between two sectors; one end in each';
CREATE INDEX jump_gate_sector_b ON sim.jump_gate (sector_b);
CREATE INDEX jump_gate_pos_a_gist ON sim.jump_gate USING gist (pos_a gist_geometry_ops_nd);
CREATE INDEX jump_gate_pos_b_gist ON sim.jump_gate USING gist (pos_b gist_geometry_ops_nd);

CREATE TABLE sim.good (
    id          integer PRIMARY KEY,
    name        text NOT NULL UNIQUE CHECK (name <> ''),
    category    text NOT NULL CHECK (category IN ('raw', 'refined', 'component', 'product', 'consumable')),
    tier        integer NOT NULL CHECK (tier BETWEEN 0 AND 3),
    base_price  bigint NOT NULL CHECK (base_price > 0),
    volume      double precision NOT NULL CHECK (volume > 0)
);
COMMENT ON TABLE sim.good IS 'The goods catalogue; tier 0 is raw, each recipe output is one tier above its highest input';

CREATE TABLE sim.recipe (
    id          integer PRIMARY KEY,
    name        text NOT NULL UNIQUE CHECK (name <> ''),
    cycle_ticks integer NOT NULL CHECK (cycle_ticks > 0)
);
COMMENT ON TABLE sim.recipe IS 'A production process: inputs become outputs once per cycle';

CREATE TABLE sim.recipe_input (
    recipe_id   integer NOT NULL REFERENCES sim.recipe ON DELETE CASCADE,
    good_id     integer NOT NULL REFERENCES sim.good,
    qty         integer NOT NULL CHECK (qty > 0),
    PRIMARY KEY (recipe_id, good_id)
);

CREATE TABLE sim.recipe_output (
    recipe_id   integer NOT NULL REFERENCES sim.recipe ON DELETE CASCADE,
    good_id     integer NOT NULL REFERENCES sim.good,
    qty         integer NOT NULL CHECK (qty > 0),
    PRIMARY KEY (recipe_id, good_id)
);

CREATE TABLE sim.body (
    id          integer PRIMARY KEY,
    sector_id   integer NOT NULL REFERENCES sim.sector,
    parent_id   integer REFERENCES sim.body,
    kind        text NOT NULL CHECK (kind IN ('star', 'planet', 'moon', 'asteroid_field', 'asteroid')),
    name        text NOT NULL UNIQUE CHECK (name <> ''),
    pos         geometry(PointZ) NOT NULL CHECK (sim.finite(ARRAY[ST_X(pos), ST_Y(pos), ST_Z(pos)])),
    radius      double precision NOT NULL CHECK (radius > 0 AND radius < 'Infinity'),
    CHECK ((kind IN ('moon', 'asteroid')) = (parent_id IS NOT NULL))
);
COMMENT ON TABLE sim.body IS 'Stars, planets, moons, asteroid fields and asteroids';
CREATE INDEX body_sector ON sim.body (sector_id);
CREATE INDEX body_parent ON sim.body (parent_id);
CREATE INDEX body_pos_gist ON sim.body USING gist (pos gist_geometry_ops_nd);

CREATE TABLE sim.deposit (
    body_id     integer NOT NULL REFERENCES sim.body ON DELETE CASCADE,
    good_id     integer NOT NULL REFERENCES sim.good,
    richness    double precision NOT NULL CHECK (richness > 0 AND richness <= 1),
    remaining   bigint NOT NULL CHECK (remaining >= 0),
    PRIMARY KEY (body_id, good_id)
);
COMMENT ON TABLE sim.deposit IS 'Minable resources of a body: richness scales the mining rate';

CREATE TABLE sim.station (
    id              integer PRIMARY KEY,
    name            text NOT NULL UNIQUE CHECK (name <> ''),
    faction_id      integer NOT NULL REFERENCES sim.faction,
    sector_id       integer NOT NULL REFERENCES sim.sector,
    body_id         integer REFERENCES sim.body,
    kind            text NOT NULL CHECK (kind IN ('trade_hub', 'refinery', 'factory', 'shipyard', 'farm', 'outpost')),
    pos             geometry(PointZ) NOT NULL CHECK (sim.finite(ARRAY[ST_X(pos), ST_Y(pos), ST_Z(pos)])),
    docking_slots   integer NOT NULL CHECK (docking_slots > 0),
    storage_capacity bigint NOT NULL CHECK (storage_capacity > 0),
    -- the sum of the station's sim.station_stock, kept by their triggers:
    -- the one row every writer of the station's stock updates (see below)
    stock_held      bigint NOT NULL DEFAULT 0,
    CONSTRAINT station_storage CHECK (stock_held >= 0 AND stock_held <= storage_capacity)
);
COMMENT ON TABLE sim.station IS 'Stations: docks, markets and factories';
CREATE INDEX station_sector ON sim.station (sector_id);
CREATE INDEX station_faction ON sim.station (faction_id);
CREATE INDEX station_pos_gist ON sim.station USING gist (pos gist_geometry_ops_nd);

CREATE TABLE sim.station_recipe (
    station_id  integer NOT NULL REFERENCES sim.station ON DELETE CASCADE,
    recipe_id   integer NOT NULL REFERENCES sim.recipe,
    PRIMARY KEY (station_id, recipe_id)
);
COMMENT ON TABLE sim.station_recipe IS 'The recipes each station runs';

CREATE TABLE sim.station_stock (
    station_id  integer NOT NULL REFERENCES sim.station ON DELETE CASCADE,
    good_id     integer NOT NULL REFERENCES sim.good,
    qty         bigint NOT NULL CHECK (qty >= 0),
    PRIMARY KEY (station_id, good_id)
);
COMMENT ON TABLE sim.station_stock IS 'Goods held by stations; their sum never exceeds the station''s storage capacity';

CREATE TABLE sim.ship_class (
    id              integer PRIMARY KEY,
    name            text NOT NULL UNIQUE CHECK (name <> ''),
    role            text NOT NULL CHECK (role = ANY (sim.npc_roles())),
    max_speed       double precision NOT NULL CHECK (max_speed > 0),
    max_accel       double precision NOT NULL CHECK (max_accel > 0),
    cargo_capacity  bigint NOT NULL CHECK (cargo_capacity >= 0),
    fuel_capacity   double precision NOT NULL CHECK (fuel_capacity > 0),
    fuel_per_dv     double precision NOT NULL CHECK (fuel_per_dv >= 0),
    mining_rate     double precision NOT NULL CHECK (mining_rate >= 0),
    sensor_range    double precision NOT NULL DEFAULT 100 CHECK (sensor_range >= 0),
    CONSTRAINT ship_class_finite
        CHECK (sim.finite(ARRAY[max_speed, max_accel, fuel_capacity, fuel_per_dv, mining_rate, sensor_range]))
);
COMMENT ON TABLE sim.ship_class IS 'Hull designs: performance and capacities';
COMMENT ON COLUMN sim.ship_class.sensor_range IS 'How far (km) the hull sees other ships: a player''s contacts (api.contacts)';

CREATE TABLE sim.ship (
    id              bigint PRIMARY KEY,
    name            text NOT NULL CHECK (name <> ''),
    faction_id      integer NOT NULL REFERENCES sim.faction,
    class_id        integer NOT NULL REFERENCES sim.ship_class,
    role            text NOT NULL CHECK (role = ANY (sim.npc_roles())),
    sector_id       integer NOT NULL REFERENCES sim.sector,
    state           text NOT NULL CHECK (state = ANY (sim.ship_states())),
    docked_at       integer REFERENCES sim.station,
    body_id         integer REFERENCES sim.body,
    wake_tick       bigint CHECK (wake_tick >= 0),
    fuel            double precision NOT NULL CHECK (fuel >= 0),
    -- flight plan: the current leg (see docs/schema.md); a ship at rest has a
    -- zero leg whose origin is its position
    x               double precision NOT NULL,
    y               double precision NOT NULL,
    z               double precision NOT NULL,
    dir_x           double precision NOT NULL DEFAULT 0,
    dir_y           double precision NOT NULL DEFAULT 0,
    dir_z           double precision NOT NULL DEFAULT 0,
    accel           double precision NOT NULL DEFAULT 0 CHECK (accel >= 0),
    t_burn          double precision NOT NULL DEFAULT 0 CHECK (t_burn >= 0),
    t_coast         double precision NOT NULL DEFAULT 0 CHECK (t_coast >= 0),
    t_brake         double precision NOT NULL DEFAULT 0 CHECK (t_brake >= 0),
    leg_start_tick  bigint NOT NULL DEFAULT 0 CHECK (leg_start_tick >= 0),
    arrival_tick    bigint CHECK (arrival_tick >= leg_start_tick),
    -- the sum of the ship's sim.ship_cargo, kept by their triggers: the one
    -- row every writer of the hold updates (see below)
    cargo_held      bigint NOT NULL DEFAULT 0 CHECK (cargo_held >= 0),
    CONSTRAINT ship_docked_at_station
        CHECK ((state IN ('docked', 'undocking', 'docking')) = (docked_at IS NOT NULL)),
    CONSTRAINT ship_at_body CHECK ((state IN ('orbiting', 'mining')) = (body_id IS NOT NULL)),
    CONSTRAINT ship_flying_has_arrival CHECK ((state = 'flying') = (arrival_tick IS NOT NULL)),
    CONSTRAINT ship_flying_has_no_wake CHECK (state <> 'flying' OR wake_tick IS NULL),
    CONSTRAINT ship_at_rest_has_no_burn
        CHECK (state = 'flying' OR (accel = 0 AND t_burn = 0 AND t_coast = 0 AND t_brake = 0)),
    CONSTRAINT ship_plan_finite
        CHECK (sim.finite(ARRAY[fuel, x, y, z, dir_x, dir_y, dir_z, accel, t_burn, t_coast, t_brake]))
);
COMMENT ON TABLE sim.ship IS 'Ships: owner, hull, discrete state, fuel and current flight-plan leg';
CREATE INDEX ship_faction ON sim.ship (faction_id);
CREATE INDEX ship_sector ON sim.ship (sector_id);
CREATE INDEX ship_docked_at ON sim.ship (docked_at) WHERE docked_at IS NOT NULL;
CREATE INDEX ship_body ON sim.ship (body_id) WHERE body_id IS NOT NULL;
CREATE INDEX ship_arrival ON sim.ship (arrival_tick) WHERE arrival_tick IS NOT NULL;

CREATE TABLE sim.ship_cargo (
    ship_id     bigint NOT NULL REFERENCES sim.ship ON DELETE CASCADE,
    good_id     integer NOT NULL REFERENCES sim.good,
    qty         bigint NOT NULL CHECK (qty > 0),
    PRIMARY KEY (ship_id, good_id)
);
COMMENT ON TABLE sim.ship_cargo IS 'Goods aboard ships; their sum never exceeds the hull''s cargo capacity';

CREATE TABLE sim.npc_personality (
    ship_id     bigint PRIMARY KEY REFERENCES sim.ship ON DELETE CASCADE,
    greed       double precision NOT NULL CHECK (greed BETWEEN 0 AND 1),
    fear        double precision NOT NULL CHECK (fear BETWEEN 0 AND 1),
    loyalty     double precision NOT NULL CHECK (loyalty BETWEEN 0 AND 1)
);
COMMENT ON TABLE sim.npc_personality IS 'Traits of the NPC pilot of a ship, each in [0, 1]';

-- Capacity invariants that span rows.  A ship's hold and a station's storage
-- bound sums over many rows (sim.ship_cargo, sim.station_stock).  Each sum
-- is also kept on the row that owns the capacity -- sim.ship.cargo_held,
-- sim.station.stock_held -- by the statement triggers below, which fire for
-- every writer (commands, the tick's set-based statements, an operator's
-- SQL).  So:
--   - the bound is checked on that one row: a station's by its CHECK
--     constraint station_storage, a ship's (whose capacity is its hull's) by
--     the trigger ship_updated (sql/deltas.sql);
--   - every change to a hold or to a station's stock updates the owning row.
--     Two concurrent writers of one hold or one station's stock therefore
--     meet on one row, whatever rows of goods they touch: under READ
--     COMMITTED the second waits and adds to the first's committed total;
--     under REPEATABLE READ and SERIALIZABLE it fails with SQLSTATE 40001
--     (could not serialize access due to concurrent update).  A sum over
--     the goods' rows, read in a snapshot, would miss the other's new row;
--     the old triggers did, and let two transfers fill a hold to 1260/1200.
-- The commands (economy_commands.sql) lock the owning row first and read
-- the tally from it; sim.audit() checks that every tally equals its sum.

-- One tally trigger per owner, made from one template: %1$s is the owner
-- table, %2$s the key column of the goods' rows, %3$s the tally column,
-- %4$s the goods' table, %5$s the function's name.
DO $do$
DECLARE
    t   text[];
BEGIN
    FOREACH t SLICE 1 IN ARRAY ARRAY[['ship', 'ship_id', 'cargo_held', 'ship_cargo', 'tally_ship_cargo'],
                                     ['station', 'station_id', 'stock_held', 'station_stock', 'tally_station_stock']] LOOP
        EXECUTE format($fn$
CREATE FUNCTION sim.%5$s() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP = 'INSERT' THEN
        UPDATE sim.%1$s t SET %3$s = t.%3$s + d.qty
          FROM (SELECT n.%2$s AS id, sum(n.qty) AS qty FROM new_rows n
                 GROUP BY n.%2$s HAVING sum(n.qty) <> 0) d
         WHERE t.id = d.id;
    ELSIF TG_OP = 'DELETE' THEN
        UPDATE sim.%1$s t SET %3$s = t.%3$s - d.qty
          FROM (SELECT o.%2$s AS id, sum(o.qty) AS qty FROM old_rows o
                 GROUP BY o.%2$s HAVING sum(o.qty) <> 0) d
         WHERE t.id = d.id;
    ELSIF TG_OP = 'UPDATE' THEN
        UPDATE sim.%1$s t SET %3$s = t.%3$s + d.qty
          FROM (SELECT x.id, sum(x.qty) AS qty
                  FROM (SELECT n.%2$s AS id, n.qty FROM new_rows n
                        UNION ALL SELECT o.%2$s, -o.qty FROM old_rows o) x
                 GROUP BY x.id HAVING sum(x.qty) <> 0) d
         WHERE t.id = d.id;
    ELSE    -- TRUNCATE
        UPDATE sim.%1$s t SET %3$s = 0 WHERE t.%3$s <> 0;
    END IF;
    RETURN NULL;
END
$$$fn$, t[1], t[2], t[3], t[4], t[5]);
        EXECUTE format('COMMENT ON FUNCTION sim.%s() IS %L', t[5],
                       format('Trigger: keep sim.%s.%s equal to the sum of its sim.%s rows', t[1], t[3], t[4]));
        EXECUTE format('CREATE TRIGGER %1$s_tally_ins AFTER INSERT ON sim.%1$s REFERENCING NEW TABLE AS new_rows '
                       'FOR EACH STATEMENT EXECUTE FUNCTION sim.%2$s()', t[4], t[5]);
        EXECUTE format('CREATE TRIGGER %1$s_tally_upd AFTER UPDATE ON sim.%1$s '
                       'REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows '
                       'FOR EACH STATEMENT EXECUTE FUNCTION sim.%2$s()', t[4], t[5]);
        EXECUTE format('CREATE TRIGGER %1$s_tally_del AFTER DELETE ON sim.%1$s REFERENCING OLD TABLE AS old_rows '
                       'FOR EACH STATEMENT EXECUTE FUNCTION sim.%2$s()', t[4], t[5]);
        EXECUTE format('CREATE TRIGGER %1$s_tally_trunc AFTER TRUNCATE ON sim.%1$s '
                       'FOR EACH STATEMENT EXECUTE FUNCTION sim.%2$s()', t[4], t[5]);
    END LOOP;
END
$do$;

-- A new ship or station holds nothing yet (the goods' rows reference it, so
-- they come after it): its tally starts at 0 whatever the insert says.  So a
-- restore, which inserts the dumped tally and then the goods' rows (whose
-- triggers add them up again), ends with the right tally.
CREATE FUNCTION sim.tally_starts_empty() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    IF TG_TABLE_NAME = 'ship' THEN
        NEW.cargo_held := 0;
    ELSE
        NEW.stock_held := 0;
    END IF;
    RETURN NEW;
END
$$;
COMMENT ON FUNCTION sim.tally_starts_empty() IS
    'Trigger: a ship''s or station''s tally of goods starts at 0 (its goods'' rows are inserted after it)';
CREATE TRIGGER ship_tally_ins BEFORE INSERT ON sim.ship
    FOR EACH ROW WHEN (NEW.cargo_held <> 0) EXECUTE FUNCTION sim.tally_starts_empty();
CREATE TRIGGER station_tally_ins BEFORE INSERT ON sim.station
    FOR EACH ROW WHEN (NEW.stock_held <> 0) EXECUTE FUNCTION sim.tally_starts_empty();

-- The station's CHECK station_storage is the invariant; this raises first,
-- saying which bound the row broke (it fires only on a row that breaks it).
CREATE FUNCTION sim.check_station_storage() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP = 'UPDATE' AND NEW.storage_capacity < OLD.storage_capacity
       AND NEW.stock_held <= OLD.stock_held THEN
        RAISE EXCEPTION 'station % holds % units, over the new storage capacity of %',
            NEW.id, NEW.stock_held, NEW.storage_capacity
            USING ERRCODE = 'check_violation';
    END IF;
    RAISE EXCEPTION 'station % would hold % units, over its storage capacity of %',
        NEW.id, NEW.stock_held, NEW.storage_capacity
        USING ERRCODE = 'check_violation',
              HINT = 'Remove goods from the station or raise its storage_capacity.';
END
$$;

CREATE TRIGGER station_storage_upd BEFORE UPDATE ON sim.station
    FOR EACH ROW WHEN (NEW.stock_held > NEW.storage_capacity)
    EXECUTE FUNCTION sim.check_station_storage();

-- A hold over its hull's capacity, after goods came aboard (the tally grew)
-- or after a change of hull, and fuel over the tank after an UPDATE: checked
-- by the one trigger on sim.ship's updates, sim.ship_updated (sql/deltas.sql).

CREATE FUNCTION sim.check_class_limits() RETURNS trigger
LANGUAGE plpgsql AS $$
DECLARE
    bad record;
BEGIN
    SELECT sh.id, c.id AS class_id INTO bad
      FROM changed c
      JOIN sim.ship sh ON sh.class_id = c.id
     WHERE sh.fuel > c.fuel_capacity
        OR sh.cargo_held > c.cargo_capacity
     LIMIT 1;
    IF FOUND THEN
        RAISE EXCEPTION 'ship % holds more fuel or cargo than the new limits of class %',
            bad.id, bad.class_id
            USING ERRCODE = 'check_violation';
    END IF;
    RETURN NULL;
END
$$;

CREATE TRIGGER ship_class_limits_upd AFTER UPDATE ON sim.ship_class
    REFERENCING NEW TABLE AS changed
    FOR EACH STATEMENT EXECUTE FUNCTION sim.check_class_limits();

CREATE FUNCTION sim.check_ship_fuel() RETURNS trigger
LANGUAGE plpgsql AS $$
DECLARE
    bad record;
BEGIN
    SELECT sh.id, sh.fuel, c.fuel_capacity INTO bad
      FROM changed sh JOIN sim.ship_class c ON c.id = sh.class_id
     WHERE sh.fuel > c.fuel_capacity
     LIMIT 1;
    IF FOUND THEN
        RAISE EXCEPTION 'ship % would hold % fuel, over its tank of %',
            bad.id, bad.fuel, bad.fuel_capacity
            USING ERRCODE = 'check_violation';
    END IF;
    RETURN NULL;
END
$$;

CREATE TRIGGER ship_fuel_ins AFTER INSERT ON sim.ship
    REFERENCING NEW TABLE AS changed
    FOR EACH STATEMENT EXECUTE FUNCTION sim.check_ship_fuel();
