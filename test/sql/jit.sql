--
-- jit: with PostgreSQL's JIT forced on (expressions compiled and optimised,
-- functions inlined from the bitcode PostgreSQL and sim install wherever the
-- inliner takes them), every SQL path that evaluates a position gives the
-- kinematics kernel's values bit for bit, over ticks where ships burn,
-- coast, brake and rest.
--
-- The reference is sim.ship_positions(): the published spatial index, which
-- holds what the tick's kernel (AVX-512, AVX2 or scalar, as this CPU allows)
-- computed.  It runs as native code, never through the JIT (a set-returning
-- function).  Compared with it, at each checkpoint:
--   sim.ship_live                     leg_state in FROM, its arguments JIT-compiled
--   leg_state in a select list        a JIT-compiled function call (the one the JIT
--                                     inliner may import from sim's bitcode)
--   leg_state in WHERE                a JIT-compiled qual
--   leg_state with constant arguments folded by the planner, without JIT
--   ships_within(_xyz), ships_nearest(_xyz)   their distances and answers, against
--                                     sqrt(dx*dx + dy*dy + dz*dz) in SQL from the
--                                     kernel's positions
-- A float8 is equal when "=" says so and, separately, when float8send() gives
-- the same eight bytes (which "=" does not check for -0 and NaN).  Nothing
-- printed depends on the CPU.  Needs sim in shared_preload_libraries and a
-- PostgreSQL built with LLVM (Debian's is).
--
SET client_min_messages = warning;
CREATE EXTENSION IF NOT EXISTS sim CASCADE;
RESET client_min_messages;
SET extra_float_digits = 3;

-- The comparisons below run with the JIT forced on (jit_above_cost,
-- jit_inline_above_cost and jit_optimize_above_cost 0, set by
-- pg_temp.record_checkpoint for its own transaction); the ticks do not,
-- since their positions come from the kernel's native code and forcing the
-- JIT on every statement of a tick would make it take minutes.
SET jit = on;
SELECT pg_jit_available() AS jit_available;

SELECT sim.reset_universe();
SELECT sim.generate_universe(2026, 2, 120) IS NOT NULL AS generated;
-- only the commands below move ships
DELETE FROM sim.npc_personality;

-- Every ship undocks, fills its tank and flies towards its sector's centre,
-- by ship id in one of the three modes: legs from about 200 to 2,300 ticks,
-- triangular (burn, brake) and trapezoidal (burn, coast, brake)
SELECT count(sim.undock(id)) > 0 AS undocking FROM sim.ship WHERE state = 'docked';
SELECT sim.step(1 + (SELECT undock_ticks FROM sim.economy)) > 0 AS stepped;
SELECT state, count(*) FROM sim.ship GROUP BY state;
UPDATE sim.ship s SET fuel = c.fuel_capacity FROM sim.ship_class c WHERE c.id = s.class_id;
SELECT count(*) AS navigating
  FROM sim.ship s
  JOIN sim.sector sc ON sc.id = s.sector_id,
       sim.navigate(s.id, format('point:%s,%s,%s', ST_X(sc.center) + s.id % 97,
                                 ST_Y(sc.center) - s.id % 89, ST_Z(sc.center) + s.id % 83),
                    (ARRAY['drift', 'cruise', 'burn'])[1 + s.id % 3]) n
 WHERE s.state = 'idle';

-- One row per checkpoint and path
CREATE TEMP TABLE result (
    checkpoint      integer,
    path            text,
    compared        bigint,
    eq_mismatches   bigint,
    bit_mismatches  bigint
);
-- Ships per phase of their leg at each checkpoint
CREATE TEMP TABLE phase (checkpoint integer, phase text, ships bigint);

-- Every path against the kernel, as (path, rows compared, mismatches by =,
-- mismatches by bits).  A row missing on either side is a mismatch.
CREATE TEMP VIEW compare AS
WITH k AS (
    SELECT ship_id AS id, tick, x, y, z FROM sim.ship_positions()
), w AS (
    SELECT tick FROM sim.world
), live AS (
    SELECT id, ST_X(pos) AS x, ST_Y(pos) AS y, ST_Z(pos) AS z FROM sim.ship_live
), expr AS (
    SELECT id, (p).px AS x, (p).py AS y, (p).pz AS z
      FROM (SELECT s.id, sim.leg_state(s.x, s.y, s.z, s.dir_x, s.dir_y, s.dir_z, s.accel, s.t_burn,
                                       s.t_coast, s.t_brake, s.leg_start_tick, w.tick) AS p
              FROM sim.ship s, w
            OFFSET 0) q
), qual AS (
    -- the ships whose position, evaluated in the WHERE clause, equals the kernel's
    SELECT s.id, k.x, k.y, k.z
      FROM sim.ship s
     CROSS JOIN w
      JOIN k ON k.id = s.id
     WHERE (sim.leg_state(s.x, s.y, s.z, s.dir_x, s.dir_y, s.dir_z, s.accel, s.t_burn, s.t_coast,
                          s.t_brake, s.leg_start_tick, w.tick)).px = k.x
       AND float8send((sim.leg_state(s.x, s.y, s.z, s.dir_x, s.dir_y, s.dir_z, s.accel, s.t_burn,
                                     s.t_coast, s.t_brake, s.leg_start_tick, w.tick)).py) = float8send(k.y)
       AND (sim.leg_state(s.x, s.y, s.z, s.dir_x, s.dir_y, s.dir_z, s.accel, s.t_burn, s.t_coast,
                          s.t_brake, s.leg_start_tick, w.tick)).pz = k.z
), centre AS (
    -- every eighth ship's kernel position is a query centre
    SELECT id AS centre_id, x, y, z
      FROM (SELECT k.*, row_number() OVER (ORDER BY id) AS n FROM k) c
     WHERE n % 8 = 1
), dist AS (
    -- distances as grid.c and PostGIS define them, in SQL from the kernel's positions
    SELECT c.centre_id, k.id,
           sqrt((k.x - c.x) * (k.x - c.x) + (k.y - c.y) * (k.y - c.y) + (k.z - c.z) * (k.z - c.z)) AS d
      FROM centre c CROSS JOIN k
), within_sql AS (
    SELECT centre_id, id, d FROM dist WHERE d <= 150000
), nearest_sql AS (
    SELECT centre_id, id, d, rank
      FROM (SELECT dist.*, row_number() OVER (PARTITION BY centre_id ORDER BY d, id) AS rank FROM dist) r
     WHERE rank <= 5
), within_xyz AS (
    SELECT c.centre_id, h.ship_id AS id, h.distance AS d
      FROM centre c, sim.ships_within_xyz(c.x, c.y, c.z, 150000) h
), within_geom AS (
    SELECT c.centre_id, h.ship_id AS id, h.distance AS d
      FROM centre c, sim.ships_within(ST_MakePoint(c.x, c.y, c.z), 150000) h
), nearest_xyz AS (
    SELECT c.centre_id, h.ship_id AS id, h.distance AS d, h.rank
      FROM centre c, sim.ships_nearest_xyz(c.x, c.y, c.z, 5) WITH ORDINALITY h(ship_id, distance, rank)
), nearest_geom AS (
    SELECT c.centre_id, h.ship_id AS id, h.distance AS d, h.rank
      FROM centre c, sim.ships_nearest(ST_MakePoint(c.x, c.y, c.z), 5) WITH ORDINALITY h(ship_id, distance, rank)
)
SELECT 'kernel tick = sim.world.tick' AS path, count(*) AS compared,
       count(*) FILTER (WHERE k.tick <> w.tick) AS eq_mismatches,
       count(*) FILTER (WHERE k.tick <> w.tick) AS bit_mismatches
  FROM k CROSS JOIN w
UNION ALL
SELECT 'sim.ship_live', count(*),
       count(*) FILTER (WHERE NOT coalesce(a.x = k.x AND a.y = k.y AND a.z = k.z, false)),
       count(*) FILTER (WHERE NOT coalesce(float8send(a.x) = float8send(k.x) AND float8send(a.y) = float8send(k.y)
                                           AND float8send(a.z) = float8send(k.z), false))
  FROM live a FULL JOIN k USING (id)
UNION ALL
SELECT 'sim.leg_state in a select list', count(*),
       count(*) FILTER (WHERE NOT coalesce(a.x = k.x AND a.y = k.y AND a.z = k.z, false)),
       count(*) FILTER (WHERE NOT coalesce(float8send(a.x) = float8send(k.x) AND float8send(a.y) = float8send(k.y)
                                           AND float8send(a.z) = float8send(k.z), false))
  FROM expr a FULL JOIN k USING (id)
UNION ALL
SELECT 'sim.leg_state in WHERE', count(*),
       count(*) FILTER (WHERE a.id IS NULL OR k.id IS NULL),
       count(*) FILTER (WHERE a.id IS NULL OR k.id IS NULL)
  FROM qual a FULL JOIN k USING (id)
UNION ALL
SELECT 'sim.ships_within_xyz', count(*),
       count(*) FILTER (WHERE NOT coalesce(a.d = b.d, false)),
       count(*) FILTER (WHERE NOT coalesce(float8send(a.d) = float8send(b.d), false))
  FROM within_xyz a FULL JOIN within_sql b USING (centre_id, id)
UNION ALL
SELECT 'sim.ships_within', count(*),
       count(*) FILTER (WHERE NOT coalesce(a.d = b.d, false)),
       count(*) FILTER (WHERE NOT coalesce(float8send(a.d) = float8send(b.d), false))
  FROM within_geom a FULL JOIN within_sql b USING (centre_id, id)
UNION ALL
SELECT 'sim.ships_nearest_xyz', count(*),
       count(*) FILTER (WHERE NOT coalesce(a.id = b.id AND a.d = b.d, false)),
       count(*) FILTER (WHERE NOT coalesce(a.id = b.id AND float8send(a.d) = float8send(b.d), false))
  FROM nearest_xyz a FULL JOIN nearest_sql b USING (centre_id, rank)
UNION ALL
SELECT 'sim.ships_nearest', count(*),
       count(*) FILTER (WHERE NOT coalesce(a.id = b.id AND a.d = b.d, false)),
       count(*) FILTER (WHERE NOT coalesce(a.id = b.id AND float8send(a.d) = float8send(b.d), false))
  FROM nearest_geom a FULL JOIN nearest_sql b USING (centre_id, rank);

-- Record checkpoint n: the phases of the legs; then, with the JIT forced
-- on, every path of the view above, run through EXPLAIN ANALYZE to see that
-- the JIT compiled, optimised and inlined it, and sim.leg_state with constant
-- arguments (a VALUES list of every ship's leg as literals, which the
-- planner folds: evaluated at plan time, without JIT).  Returns whether the
-- JIT compiled, optimised and inlined the comparison.
CREATE FUNCTION pg_temp.record_checkpoint(n integer) RETURNS boolean
LANGUAGE plpgsql AS $$
DECLARE
    plan    json;
    lits    text;
BEGIN
    INSERT INTO pg_temp.phase
    SELECT n, CASE WHEN tau <= 0 OR tau >= t_burn + t_coast + t_brake THEN 'at rest'
                   WHEN tau < t_burn THEN 'burn'
                   WHEN tau < t_burn + t_coast THEN 'coast'
                   ELSE 'brake' END, count(*)
      FROM (SELECT (w.tick - s.leg_start_tick)::float8 AS tau, s.t_burn, s.t_coast, s.t_brake
              FROM sim.ship s, sim.world w) t
     GROUP BY 2;
    SELECT string_agg(format('(%1$s, (sim.leg_state(%2$s)).px, (sim.leg_state(%2$s)).py, (sim.leg_state(%2$s)).pz)',
                             s.id,
                             format('%s::float8, %s::float8, %s::float8, %s::float8, %s::float8, %s::float8, '
                                    '%s::float8, %s::float8, %s::float8, %s::float8, %s, %s',
                                    s.x, s.y, s.z, s.dir_x, s.dir_y, s.dir_z, s.accel, s.t_burn, s.t_coast,
                                    s.t_brake, s.leg_start_tick, w.tick)), ', ')
      INTO lits
      FROM sim.ship s, sim.world w;

    PERFORM set_config('jit_above_cost', '0', true),
            set_config('jit_inline_above_cost', '0', true),
            set_config('jit_optimize_above_cost', '0', true);
    EXECUTE format('EXPLAIN (ANALYZE, FORMAT JSON) INSERT INTO pg_temp.result SELECT %s, * FROM pg_temp.compare', n)
       INTO plan;
    EXECUTE format($q$
        INSERT INTO pg_temp.result
        SELECT %s, 'sim.leg_state with constant arguments', count(*),
               count(*) FILTER (WHERE NOT coalesce(v.x = k.x AND v.y = k.y AND v.z = k.z, false)),
               count(*) FILTER (WHERE NOT coalesce(float8send(v.x) = float8send(k.x)
                                                   AND float8send(v.y) = float8send(k.y)
                                                   AND float8send(v.z) = float8send(k.z), false))
          FROM (VALUES %s) v(id, x, y, z)
          FULL JOIN (SELECT ship_id AS id, x, y, z FROM sim.ship_positions()) k USING (id)$q$, n, lits);
    RETURN (plan -> 0 -> 'JIT' ->> 'Functions')::integer > 0
       AND (plan -> 0 -> 'JIT' -> 'Options' ->> 'Inlining')::boolean
       AND (plan -> 0 -> 'JIT' -> 'Options' ->> 'Optimization')::boolean;
END
$$;

-- Checkpoints: the tick that starts every leg; early burn; a tick of the
-- scalar kernel (the others run the variant this CPU runs best) with ships
-- burning, braking and arrived; then coasting and later
SELECT sim.step(1) > 0 AS stepped;
SELECT pg_temp.record_checkpoint(1) AS jit_inlined;
SELECT sim.step(2) > 0 AS stepped;
SELECT pg_temp.record_checkpoint(2) AS jit_inlined;
SET sim.kernel = scalar;
SELECT sim.step(170) > 0 AS stepped;
SELECT pg_temp.record_checkpoint(3) AS jit_inlined;
RESET sim.kernel;
SELECT sim.step(440) > 0 AS stepped;
SELECT pg_temp.record_checkpoint(4) AS jit_inlined;
SELECT sim.step(600) > 0 AS stepped;
SELECT pg_temp.record_checkpoint(5) AS jit_inlined;

-- The checkpoints saw every phase
SELECT p AS phase, EXISTS (SELECT 1 FROM phase WHERE phase.phase = p AND ships > 0) AS seen
  FROM unnest(ARRAY['burn', 'coast', 'brake', 'at rest']) p;

-- Every path, every checkpoint: nothing differs from the kernel
SELECT path, count(*) AS checkpoints, min(compared) > 0 AS compared_rows,
       sum(eq_mismatches) AS eq_mismatches, sum(bit_mismatches) AS bit_mismatches
  FROM result
 GROUP BY path
 ORDER BY path;
-- the positional paths compared every ship at every checkpoint
SELECT DISTINCT path, compared
  FROM result
 WHERE path LIKE 'sim.leg_state%' OR path IN ('sim.ship_live', 'kernel tick = sim.world.tick')
 ORDER BY path;

SELECT sim.reset_universe();
