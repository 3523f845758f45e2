-- sim: the procedural universe generator.
--
-- Every random choice is sim.rand_unit(seed, stream, key): a pure function,
-- so the same arguments produce the same rows, bit for bit, in any database.
-- Streams number the kinds of decision; keys are entity ids.  The ships and
-- their personalities, a million rows where the rest are hundreds, are drawn
-- by sim.generate_ships in C from the same generator (src/core/rng.c).

CREATE FUNCTION sim.rand_unit(seed bigint, stream bigint, key bigint)
RETURNS double precision
AS 'MODULE_PATHNAME', 'sim_rand_unit'
LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION sim.rand_unit(bigint, bigint, bigint) IS
    'Uniform double in [0, 1) determined by (seed, stream, key) alone';

CREATE FUNCTION sim.rand_int(seed bigint, stream bigint, key bigint, lo integer, hi integer)
RETURNS integer
AS 'MODULE_PATHNAME', 'sim_rand_int'
LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION sim.rand_int(bigint, bigint, bigint, integer, integer) IS
    'Uniform integer in [lo, hi] determined by (seed, stream, key) alone';

-- True when any universe content exists.
CREATE FUNCTION sim.universe_exists() RETURNS boolean
LANGUAGE sql STABLE AS $$
    SELECT EXISTS (SELECT 1 FROM sim.world) OR EXISTS (SELECT 1 FROM sim.sector)
        OR EXISTS (SELECT 1 FROM sim.faction) OR EXISTS (SELECT 1 FROM sim.good)
        OR EXISTS (SELECT 1 FROM sim.ship_class)
$$;

-- Empty every universe table.  Keeps the schema; the next generate starts afresh.
CREATE FUNCTION sim.reset_universe() RETURNS void
LANGUAGE plpgsql AS $$
DECLARE
    players bigint := (SELECT count(*) FROM sim.player);
BEGIN
    IF players > 0 THEN
        RAISE NOTICE 'dropping the % players of the universe', players
            USING DETAIL = 'A player plays a faction of the universe, which the reset removes.';
    END IF;
    TRUNCATE sim.world, sim.economy, sim.station_demand, sim.ship_event, sim.trade, sim.price_history,
             sim.market_order, sim.contract, sim.ledger, sim.bt_node, sim.bt_tree, sim.command, sim.flight_leg, sim.tick_log, sim.player, sim.npc_personality, sim.ship_cargo, sim.ship,
             sim.station_stock, sim.station_recipe, sim.station, sim.deposit,
             sim.body, sim.jump_gate, sim.sector, sim.recipe_input,
             sim.recipe_output, sim.recipe, sim.ship_class, sim.good,
             sim.wallet, sim.faction, sim.pending_command, sim.history_period, sim.market_period,
             sim.sector_market_period, sim.flow_period, sim.money_period, sim.wallet_period,
             sim.ship_period RESTART IDENTITY;
    PERFORM sim.reset_history();
    PERFORM sim.reset_changes();
    PERFORM sim.invalidate_cache();
END
$$;
COMMENT ON FUNCTION sim.reset_universe() IS 'Delete the whole universe (all rows of all world tables)';

-- Ships 1..ships of a new universe and their NPC personalities, homed at
-- its stations: src/generate.c draws them as the SQL here draws the rest and
-- writes them the way COPY does.
CREATE FUNCTION sim.generate_ships(seed bigint, ships integer, factions integer)
RETURNS bigint
AS 'MODULE_PATHNAME', 'sim_generate_ships'
LANGUAGE C VOLATILE STRICT;
COMMENT ON FUNCTION sim.generate_ships(bigint, integer, integer) IS
    'Write ships 1..ships and their NPC personalities for sim.generate_universe (changes muted, stations, classes and sim.economy in place)';

CREATE FUNCTION sim.generate_universe(
    seed bigint,
    sectors integer,
    ships integer,
    stations_per_sector integer DEFAULT 6,
    factions integer DEFAULT 8,
    reset boolean DEFAULT false)
RETURNS jsonb
LANGUAGE plpgsql AS $$
DECLARE
    m           integer;        -- lattice edge, in sectors
    spacing     constant double precision := 1.0e6;   -- km between lattice sites
    half        constant double precision := 2.5e5;   -- sector half-size, km
    nships      bigint;
    fleet_scale double precision := least(1.0, ships / 30000.0);
    min_slots   integer;            -- fewest berths a station has
    slot_scale  double precision;   -- grows the spread of berths with the fleet
    result      jsonb;
BEGIN
    IF sectors IS NULL OR ships IS NULL OR seed IS NULL
       OR stations_per_sector IS NULL OR factions IS NULL OR reset IS NULL THEN
        RAISE EXCEPTION 'generate_universe arguments must not be null'
            USING ERRCODE = 'invalid_parameter_value';
    END IF;
    IF sectors < 1 OR sectors > sim.limit('sectors') THEN
        RAISE EXCEPTION 'sectors must be between 1 and %, not %', sim.limit('sectors'), sectors
            USING ERRCODE = 'invalid_parameter_value',
                  HINT = 'A universe needs at least one sector.';
    END IF;
    IF ships < 1 OR ships > 10000000 THEN
        RAISE EXCEPTION 'ships must be between 1 and 10000000, not %', ships
            USING ERRCODE = 'invalid_parameter_value';
    END IF;
    IF stations_per_sector < 1 OR stations_per_sector > 100 THEN
        RAISE EXCEPTION 'stations_per_sector must be between 1 and 100, not %', stations_per_sector
            USING ERRCODE = 'invalid_parameter_value';
    END IF;
    IF factions < 2 OR factions > 64 THEN
        RAISE EXCEPTION 'factions must be between 2 and 64, not %', factions
            USING ERRCODE = 'invalid_parameter_value';
    END IF;
    IF sim.universe_exists() THEN
        IF NOT reset THEN
            RAISE EXCEPTION 'a universe already exists'
                USING ERRCODE = 'object_not_in_prerequisite_state',
                      DETAIL = 'generate_universe fills an empty universe only.',
                      HINT = 'Call sim.reset_universe() first, or pass reset => true to replace it.';
        END IF;
        PERFORM sim.reset_universe();
    END IF;

    -- a new universe starts the change record afresh: its rows are the first state
    PERFORM sim.mute_changes(true);
    m := ceil(power(sectors, 1.0 / 3) - 1e-9)::integer;

    INSERT INTO sim.world (seed, params, tick)
    VALUES (seed, jsonb_build_object('sectors', sectors, 'ships', ships,
                                     'stations_per_sector', stations_per_sector,
                                     'factions', factions), 0);

    -- Catalogue: goods, recipes (ore -> metal -> components -> ship parts, ...)
    INSERT INTO sim.good (id, name, category, tier, base_price, volume) VALUES
        (1,  'ore',         'raw',        0,   12, 1.0),
        (2,  'silicate',    'raw',        0,   10, 1.0),
        (3,  'ice',         'raw',        0,   14, 1.0),
        (4,  'gas',         'raw',        0,   14, 1.5),
        (5,  'metal',       'refined',    1,   40, 0.5),
        (6,  'silicon',     'refined',    1,   45, 0.5),
        (7,  'water',       'refined',    1,   30, 1.0),
        (8,  'fuel',        'consumable', 1,   55, 1.0),
        (9,  'food',        'consumable', 2,   60, 0.8),
        (10, 'components',  'component',  2,  180, 0.4),
        (11, 'electronics', 'component',  2,  260, 0.2),
        (12, 'hull_plates', 'component',  2,  150, 1.2),
        (13, 'ship_parts',  'product',    3, 1400, 2.0);

    INSERT INTO sim.recipe (id, name, cycle_ticks) VALUES
        (1, 'smelt ore',            60),
        (2, 'refine silicate',      60),
        (3, 'melt ice',             30),
        (4, 'crack gas',            45),
        (5, 'grow food',           120),
        (6, 'assemble components', 180),
        (7, 'etch electronics',    240),
        (8, 'roll hull plates',    150),
        (9, 'build ship parts',    600),
        (10, 'split ice',           30);
    INSERT INTO sim.recipe_input (recipe_id, good_id, qty) VALUES
        (1, 1, 4), (2, 2, 4), (3, 3, 2), (4, 4, 3), (5, 7, 3),
        (6, 5, 3), (6, 6, 1), (7, 6, 3), (7, 5, 1), (8, 5, 4),
        (9, 10, 4), (9, 11, 2), (9, 12, 3), (10, 3, 2);
    INSERT INTO sim.recipe_output (recipe_id, good_id, qty) VALUES
        (1, 5, 2), (2, 6, 2), (3, 7, 2), (4, 8, 2), (5, 9, 2),
        (6, 10, 2), (7, 11, 1), (8, 12, 2), (9, 13, 1), (10, 8, 2);

    INSERT INTO sim.ship_class (id, name, role, max_speed, max_accel, cargo_capacity,
                                fuel_capacity, fuel_per_dv, mining_rate, sensor_range) VALUES
        (1, 'Prospector',  'miner',   500,  2.0,  400,  600, 0.025,  5.0, 150),
        (2, 'Excavator',   'miner',   350,  1.2, 1200, 1000, 0.045, 12.0, 100),
        (3, 'Courier',     'trader', 1500,  6.0,  150,  500, 0.010, 0,    200),
        (4, 'Merchantman', 'trader',  900,  3.0,  800,  900, 0.020, 0,    150),
        (5, 'Freighter',   'hauler',  600,  1.5, 4000, 1600, 0.050, 0,    100),
        (6, 'Bulk Barge',  'hauler',  400,  0.8, 9000, 2400, 0.080, 0,     80),
        (7, 'Cutter',      'patrol', 2000,  8.0,   50,  700, 0.012, 0,    600);

    -- Factions and their wallets
    INSERT INTO sim.faction (id, name, kind, color)
    SELECT f,
           (ARRAY['Aurelian Compact', 'Kessler Combine', 'Free Miners Guild', 'Orion Directorate',
                  'Helix Mercantile', 'Vanta Syndicate', 'Tethys Union', 'Corvid Holdings'])[1 + (f - 1) % 8]
             || CASE WHEN f > 8 THEN ' ' || ((f - 1) / 8 + 1)::text ELSE '' END,
           (ARRAY['state', 'corporation', 'guild', 'state', 'corporation', 'pirate', 'state', 'corporation'])[1 + (f - 1) % 8],
           '#' || lpad(to_hex(sim.rand_int(seed, 1, f, 0, 16777215)), 6, '0')
      FROM generate_series(1, factions) f;
    INSERT INTO sim.wallet (faction_id, credits)
    SELECT f, 1000000 * sim.rand_int(seed, 2, f, 10, 500)::bigint
      FROM generate_series(1, factions) f;

    -- Sectors on a jittered cubic lattice; jitter keeps cubes disjoint
    INSERT INTO sim.sector (id, name, center, half_size, security)
    SELECT i,
           (ARRAY['Vega', 'Altair', 'Deneb', 'Rigel', 'Sirius', 'Procyon', 'Mira', 'Castor', 'Pollux',
                  'Antares', 'Capella', 'Hadar', 'Acrux', 'Mimosa', 'Shaula', 'Bellatrix'])
               [sim.rand_int(seed, 3, i, 1, 16)]
             || ' ' || (ARRAY['Reach', 'Drift', 'Expanse', 'Gate', 'Verge', 'Deep', 'March', 'Hold'])
               [sim.rand_int(seed, 4, i, 1, 8)] || ' ' || i::text,
           ST_MakePoint(((i - 1) % m) * spacing + (sim.rand_unit(seed, 5, i) - 0.5) * 0.2 * spacing,
                        (((i - 1) / m) % m) * spacing + (sim.rand_unit(seed, 6, i) - 0.5) * 0.2 * spacing,
                        ((i - 1) / (m * m)) * spacing + (sim.rand_unit(seed, 7, i) - 0.5) * 0.2 * spacing),
           half,
           round(sim.rand_unit(seed, 8, i)::numeric, 3)::double precision
      FROM generate_series(1, sectors) i;

    -- Gates: a spanning tree along the lattice, plus extra lattice links.
    -- Each end sits 90% of the way from its sector's centre to its face.
    WITH lattice AS (
        SELECT i, (i - 1) % m AS lx, ((i - 1) / m) % m AS ly, (i - 1) / (m * m) AS lz
          FROM generate_series(1, sectors) i
    ), links AS (
        -- tree: each sector links to its predecessor along x, else y, else z
        SELECT CASE WHEN lx > 0 THEN i - 1 WHEN ly > 0 THEN i - m ELSE i - m * m END AS a, i AS b
          FROM lattice WHERE i > 1
        UNION
        -- extras: the y neighbour of sectors whose x predecessor made the tree link
        SELECT i - m, i FROM lattice
         WHERE lx > 0 AND ly > 0 AND sim.rand_unit(seed, 9, i) < 0.35
        UNION
        SELECT i - m * m, i FROM lattice
         WHERE (lx > 0 OR ly > 0) AND lz > 0 AND sim.rand_unit(seed, 10, i) < 0.25
    ), ends AS (
        SELECT l.a, l.b, sa.center AS ca, sb.center AS cb,
               ST_3DDistance(sa.center, sb.center) AS d
          FROM links l
          JOIN sim.sector sa ON sa.id = l.a
          JOIN sim.sector sb ON sb.id = l.b
    )
    INSERT INTO sim.jump_gate (id, sector_a, pos_a, sector_b, pos_b, jump_ticks)
    SELECT row_number() OVER (ORDER BY a, b),
           a,
           ST_MakePoint(ST_X(ca) + (ST_X(cb) - ST_X(ca)) / d * 0.9 * half,
                        ST_Y(ca) + (ST_Y(cb) - ST_Y(ca)) / d * 0.9 * half,
                        ST_Z(ca) + (ST_Z(cb) - ST_Z(ca)) / d * 0.9 * half),
           b,
           ST_MakePoint(ST_X(cb) + (ST_X(ca) - ST_X(cb)) / d * 0.9 * half,
                        ST_Y(cb) + (ST_Y(ca) - ST_Y(cb)) / d * 0.9 * half,
                        ST_Z(cb) + (ST_Z(ca) - ST_Z(cb)) / d * 0.9 * half),
           10 + sim.rand_int(seed, 11, a::bigint * 100003 + b, 0, 20)
      FROM ends;

    -- Bodies: a star, planets with moons, asteroid fields with asteroids
    INSERT INTO sim.body (id, sector_id, parent_id, kind, name, pos, radius)
    SELECT s.id * 1000, s.id, NULL, 'star', split_part(s.name, ' ', 1) || ' Prime ' || s.id,
           s.center, 20000 + 20000 * sim.rand_unit(seed, 12, s.id)
      FROM sim.sector s;

    INSERT INTO sim.body (id, sector_id, parent_id, kind, name, pos, radius)
    SELECT s.id * 1000 + k, s.id, NULL, 'planet',
           split_part(s.name, ' ', 1) || ' ' || s.id || '-' || k,
           ST_MakePoint(ST_X(s.center) + r * cos(a), ST_Y(s.center) + r * sin(a),
                        ST_Z(s.center) + (sim.rand_unit(seed, 15, s.id * 1000 + k) - 0.5) * 4000),
           2000 + 40000 * sim.rand_unit(seed, 16, s.id * 1000 + k) ^ 3
      FROM sim.sector s,
           generate_series(1, sim.rand_int(seed, 13, s.id, 2, 7)) k,
           LATERAL (SELECT 40000.0 + 20000.0 * k AS r,
                           2 * pi() * sim.rand_unit(seed, 14, s.id * 1000 + k) AS a) o;

    INSERT INTO sim.body (id, sector_id, parent_id, kind, name, pos, radius)
    SELECT p.sector_id * 1000 + 200 + (p.id % 1000) * 10 + j, p.sector_id, p.id, 'moon', p.name || chr(96 + j),
           ST_MakePoint(ST_X(p.pos) + r * cos(a), ST_Y(p.pos) + r * sin(a), ST_Z(p.pos)),
           200 + 1800 * sim.rand_unit(seed, 19, p.id::bigint * 10 + j)
      FROM sim.body p,
           generate_series(1, sim.rand_int(seed, 17, p.id, 0, 2)) j,
           LATERAL (SELECT p.radius + 3000.0 * j AS r,
                           2 * pi() * sim.rand_unit(seed, 18, p.id::bigint * 10 + j) AS a) o
     WHERE p.kind = 'planet';

    INSERT INTO sim.body (id, sector_id, parent_id, kind, name, pos, radius)
    SELECT s.id * 1000 + 100 + k, s.id, NULL, 'asteroid_field',
           split_part(s.name, ' ', 1) || ' Belt ' || s.id || '-' || k,
           ST_MakePoint(ST_X(s.center) + r * cos(a), ST_Y(s.center) + r * sin(a),
                        ST_Z(s.center) + (sim.rand_unit(seed, 22, s.id * 1000 + k) - 0.5) * 10000),
           8000
      FROM sim.sector s,
           generate_series(1, sim.rand_int(seed, 20, s.id, 1, 3)) k,
           LATERAL (SELECT 200000.0 + 10000.0 * k AS r,
                           2 * pi() * sim.rand_unit(seed, 21, s.id * 1000 + k) AS a) o;

    INSERT INTO sim.body (id, sector_id, parent_id, kind, name, pos, radius)
    SELECT f.sector_id * 1000 + 300 + (f.id % 1000 - 101) * 20 + j, f.sector_id, f.id, 'asteroid', f.name || '/' || j,
           ST_MakePoint(ST_X(f.pos) + (sim.rand_unit(seed, 24, f.id::bigint * 100 + j) - 0.5) * 12000,
                        ST_Y(f.pos) + (sim.rand_unit(seed, 25, f.id::bigint * 100 + j) - 0.5) * 12000,
                        ST_Z(f.pos) + (sim.rand_unit(seed, 26, f.id::bigint * 100 + j) - 0.5) * 3000),
           0.5 + 40 * sim.rand_unit(seed, 27, f.id::bigint * 100 + j) ^ 2
      FROM sim.body f,
           generate_series(1, sim.rand_int(seed, 23, f.id, 4, 12)) j
     WHERE f.kind = 'asteroid_field';

    -- Deposits: asteroids hold ore, silicate or ice; some planets hold gas
    INSERT INTO sim.deposit (body_id, good_id, richness, remaining)
    SELECT b.id, g, round((0.1 + 0.9 * sim.rand_unit(seed, 29, b.id::bigint * 8 + g))::numeric, 3)::double precision,
           sim.rand_int(seed, 30, b.id::bigint * 8 + g, 10000, 1000000)
      FROM sim.body b, generate_series(1, 3) g
     WHERE b.kind = 'asteroid' AND sim.rand_unit(seed, 28, b.id::bigint * 8 + g) < 0.55;
    INSERT INTO sim.deposit (body_id, good_id, richness, remaining)
    SELECT b.id, 4, round((0.1 + 0.9 * sim.rand_unit(seed, 29, b.id::bigint * 8 + 4))::numeric, 3)::double precision,
           sim.rand_int(seed, 30, b.id::bigint * 8 + 4, 100000, 5000000)
      FROM sim.body b
     WHERE b.kind = 'planet' AND b.radius > 20000;

    -- Stations: the first in each sector is a trade hub; each sits near a
    -- planet or field; 20-120 berths, times slot_scale in a large fleet and
    -- at least min_slots.  Berths grow with the fleet so that the ships dock
    -- stays keep docked fit: the spread of sizes grows once the average of 70
    -- berths a station falls short of half the fleet's share of a station,
    -- and none has fewer than a quarter of that share
    min_slots := ceil(ships / (4.0 * sectors * stations_per_sector));
    slot_scale := greatest(1.0, ships / (140.0 * sectors * stations_per_sector));
    INSERT INTO sim.station (id, name, faction_id, sector_id, body_id, kind, pos, docking_slots, storage_capacity)
    SELECT st.id,
           (ARRAY['Haven', 'Forge', 'Spire', 'Anchor', 'Bastion', 'Crucible', 'Harbor', 'Lantern'])
               [sim.rand_int(seed, 31, st.id, 1, 8)] || ' ' || st.id,
           CASE WHEN sim.rand_unit(seed, 32, st.id) < 0.8
                THEN sim.rand_int(seed, 33, st.sector_id, 1, factions)
                ELSE sim.rand_int(seed, 34, st.id, 1, factions) END,
           st.sector_id, b.id, st.kind,
           ST_MakePoint(ST_X(b.pos) + (b.radius + 500 + 2500 * sim.rand_unit(seed, 36, st.id)) * ux,
                        ST_Y(b.pos) + (b.radius + 500 + 2500 * sim.rand_unit(seed, 36, st.id)) * uy,
                        ST_Z(b.pos) + (b.radius + 500 + 2500 * sim.rand_unit(seed, 36, st.id)) * uz),
           greatest(min_slots, ceil(10 * sim.rand_int(seed, 37, st.id, 2, 12) * slot_scale))::integer,
           100000 * sim.rand_int(seed, 38, st.id, 5, 40)
      FROM (SELECT (s.id - 1) * stations_per_sector + k AS id, s.id AS sector_id,
                   CASE WHEN k = 1 THEN 'trade_hub'
                        ELSE (ARRAY['refinery', 'factory', 'shipyard', 'farm', 'outpost', 'refinery', 'factory'])
                                 [sim.rand_int(seed, 35, (s.id - 1) * stations_per_sector + k, 1, 7)] END AS kind
              FROM sim.sector s, generate_series(1, stations_per_sector) k) st
      CROSS JOIN LATERAL (
            SELECT b.id, b.pos, b.radius
              FROM sim.body b
             WHERE b.sector_id = st.sector_id AND b.kind IN ('planet', 'asteroid_field')
             ORDER BY sim.rand_unit(seed, 39, st.id::bigint * 100000000 + b.id), b.id
             LIMIT 1) b
      CROSS JOIN LATERAL (
            SELECT sqrt(1 - zz * zz) * cos(ph) AS ux, sqrt(1 - zz * zz) * sin(ph) AS uy, zz AS uz
              FROM (SELECT 2 * sim.rand_unit(seed, 40, st.id) - 1 AS zz,
                           2 * pi() * sim.rand_unit(seed, 41, st.id) AS ph) r) u;

    -- Recipes per station kind
    INSERT INTO sim.station_recipe (station_id, recipe_id)
    SELECT DISTINCT st.id, r
      FROM sim.station st,
           LATERAL (SELECT CASE st.kind
                             WHEN 'refinery' THEN ARRAY[1, 10, 2, 3, 4]
                             WHEN 'factory'  THEN ARRAY[6, 7, 8]
                             WHEN 'shipyard' THEN ARRAY[9, 8]
                             WHEN 'farm'     THEN ARRAY[5, 3]
                             WHEN 'outpost'  THEN ARRAY[10, 1, 3]
                             ELSE ARRAY[]::integer[] END AS rs) k,
           LATERAL unnest(k.rs[1:1 + sim.rand_int(seed, 42, st.id, 0, greatest(cardinality(k.rs) - 1, 0))]) r;

    -- Starting stock: each good a station uses or makes (a hub trades all
    -- tier 0-2 goods), together filling between 10% and 50% of its storage
    -- and targets of 30% of it, both in proportion to the fleet up to 30,000
    -- ships (fleet_scale), so that what the ships move shows in the prices
    WITH used AS (
        SELECT sr.station_id, ri.good_id FROM sim.station_recipe sr JOIN sim.recipe_input ri USING (recipe_id)
        UNION
        SELECT sr.station_id, ro.good_id FROM sim.station_recipe sr JOIN sim.recipe_output ro USING (recipe_id)
        UNION
        SELECT st.id, g.id FROM sim.station st JOIN sim.good g ON g.tier <= 2 WHERE st.kind = 'trade_hub'
        UNION
        SELECT st.id, 8 FROM sim.station st
    ), counted AS (
        SELECT station_id, good_id, count(*) OVER (PARTITION BY station_id) AS n FROM used
    )
    INSERT INTO sim.station_stock (station_id, good_id, qty, target)
    SELECT c.station_id, c.good_id,
           floor(st.storage_capacity * fleet_scale
                 * (0.1 + 0.4 * sim.rand_unit(seed, 43, c.station_id::bigint * 100 + c.good_id)) / c.n)::bigint,
           greatest(1, floor(st.storage_capacity * fleet_scale * 0.3 / c.n))::bigint
      FROM counted c JOIN sim.station st ON st.id = c.station_id;

    -- Populations eat, drink and burn fuel: a share of the target per cycle
    -- (a hub's 1/100, another station's 1/300); shipyards refit the fleet:
    -- one ship part per 500 ships (at least two) every 300 ticks
    INSERT INTO sim.economy DEFAULT VALUES;
    INSERT INTO sim.station_demand (station_id, good_id, qty, cycle_ticks)
    SELECT s.station_id, s.good_id,
           greatest(1, s.target / CASE WHEN st.kind = 'trade_hub' THEN 100 ELSE 300 END)::integer,
           60 + 10 * sim.rand_int(seed, 44, s.station_id::bigint * 100 + s.good_id, 0, 6)
      FROM sim.station_stock s JOIN sim.station st ON st.id = s.station_id
     WHERE s.good_id IN (7, 8, 9);
    INSERT INTO sim.station_demand (station_id, good_id, qty, cycle_ticks)
    SELECT s.station_id, s.good_id, greatest(2, ships / 500), 300
      FROM sim.station_stock s JOIN sim.station st ON st.id = s.station_id
     WHERE s.good_id = 13 AND st.kind = 'shipyard';

    -- Ships and their NPC pilots' personalities (src/generate.c): role by
    -- weight, a class of that role, a home station; the first half of each
    -- station's slots are taken by docked ships, the rest idle nearby; pilots
    -- first decide within their first cooldown, spread over it
    nships := sim.generate_ships(seed, ships, factions);

    -- The seed stock and credits are the economy's first faucet
    INSERT INTO sim.ledger (tick, flow, reason, good_id, amount)
    SELECT 0, 'faucet', 'seed', good_id, sum(qty)
      FROM sim.station_stock GROUP BY good_id HAVING sum(qty) > 0 ORDER BY good_id;
    INSERT INTO sim.ledger (tick, flow, reason, amount, faction_id)
    SELECT 0, 'faucet', 'seed', credits, faction_id
      FROM sim.wallet WHERE credits > 0 ORDER BY faction_id;
    -- the balanced economy (docs/gameplay.md, "The economy in balance"); the
    -- monetary rule steers the money supply back to what was seeded; recipes
    -- run 40 batches a cycle per 2,000 ships (at least 40), as demand grows
    UPDATE sim.economy
       SET budget_period_ticks = 100, population_pay_ppm = 250000,
           money_anchor = (SELECT sum(credits) FROM sim.wallet), anchor_pull_ppm = 10000,
           docking_fee = 100, tow_fee = 5000, dock_stay_ticks = 400, handling_rate = 10,
           recipe_batches = least(100000, greatest(40, ships / 50)), mining_speed = 0.07;

    PERFORM sim.install_default_trees();
    PERFORM sim.invalidate_cache();

    SELECT jsonb_build_object(
               'seed', seed,
               'sectors', (SELECT count(*) FROM sim.sector),
               'gates', (SELECT count(*) FROM sim.jump_gate),
               'bodies', (SELECT count(*) FROM sim.body),
               'stations', (SELECT count(*) FROM sim.station),
               'factions', (SELECT count(*) FROM sim.faction),
               'ships', nships)
      INTO result;
    PERFORM sim.mute_changes(false);
    PERFORM sim.reset_changes();
    RETURN result;
END
$$;
COMMENT ON FUNCTION sim.generate_universe(bigint, integer, integer, integer, integer, boolean) IS
    'Fill an empty universe procedurally and deterministically from a seed';

-- A digest of every world table's content, for comparing universes.
CREATE FUNCTION sim.universe_digest()
RETURNS TABLE (table_name text, row_count bigint, md5 text)
LANGUAGE plpgsql STABLE AS $$
DECLARE
    t text;
BEGIN
    FOREACH t IN ARRAY ARRAY['world', 'faction', 'wallet', 'sector', 'jump_gate', 'good', 'recipe',
                             'recipe_input', 'recipe_output', 'body', 'deposit', 'station',
                             'station_recipe', 'station_stock', 'ship_class', 'ship', 'ship_cargo',
                             'npc_personality', 'flight_leg', 'player', 'economy', 'station_demand',
                             'market_order', 'contract', 'trade', 'price_history', 'ledger',
                             'ship_event', 'bt_tree', 'bt_node', 'history_period', 'market_period',
                             'sector_market_period', 'flow_period', 'money_period', 'wallet_period',
                             'ship_period']
    LOOP
        table_name := t;
        -- the world's epoch names the universe, not its state: a rolled-back
        -- or imported universe has a new one and the same digest
        EXECUTE format('SELECT count(*), md5(coalesce(string_agg(r::text, E''\n'' ORDER BY r::text COLLATE "C"), '''')) FROM %s r',
                       CASE WHEN t = 'world' THEN '(SELECT to_jsonb(w) - ''epoch'' AS world FROM sim.world w)'
                            ELSE format('sim.%I', t) END)
           INTO row_count, md5;
        RETURN NEXT;
    END LOOP;
END
$$;
ALTER FUNCTION sim.universe_digest() SET extra_float_digits = 3;
COMMENT ON FUNCTION sim.universe_digest() IS
    'Row count and MD5 of the sorted text of every world table (the world''s epoch left out): equal digests mean equal universes';
