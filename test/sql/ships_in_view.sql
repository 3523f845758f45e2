--
-- ships_in_view: api.ships_in_view returns exactly the ships a brute-force
-- test of the rule over sim.ship_live returns (same ids, same positions),
-- on 60 random perspective and orthographic cameras, from the culled
-- shared-memory grid and from the tables when the grid is stale; a player
-- sees only its own ships and its contacts, anonymous callers nothing;
-- hostile matrices and arguments are refused or answered correctly.
--
SET client_min_messages = warning;
CREATE EXTENSION IF NOT EXISTS sim CASCADE;
RESET client_min_messages;
-- the brute force's plans are large: compiling them costs more than it saves
SET jit = off;

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

-- Column-major 4x4 matrices (WebGL's order): projections, a view, a product.
CREATE FUNCTION pg_temp.ortho(l float8, r float8, b float8, t float8, n float8, f float8) RETURNS float8[]
LANGUAGE sql IMMUTABLE AS $$
    SELECT ARRAY[2 / (r - l), 0, 0, 0,
                 0, 2 / (t - b), 0, 0,
                 0, 0, -2 / (f - n), 0,
                 -(r + l) / (r - l), -(t + b) / (t - b), -(f + n) / (f - n), 1]::float8[]
$$;
CREATE FUNCTION pg_temp.perspective(fovy float8, aspect float8, n float8, f float8) RETURNS float8[]
LANGUAGE sql IMMUTABLE AS $$
    SELECT ARRAY[1 / tan(fovy / 2) / aspect, 0, 0, 0,
                 0, 1 / tan(fovy / 2), 0, 0,
                 0, 0, (f + n) / (n - f), -1,
                 0, 0, 2 * f * n / (n - f), 0]::float8[]
$$;
CREATE FUNCTION pg_temp.mat_mul(a float8[], b float8[]) RETURNS float8[]
LANGUAGE sql IMMUTABLE AS $$
    SELECT array_agg(s ORDER BY c, r) FROM (
        SELECT c, r, sum(a[4 * k + r + 1] * b[4 * c + k + 1]) AS s
          FROM generate_series(0, 3) c, generate_series(0, 3) r, generate_series(0, 3) k
         GROUP BY c, r) x
$$;
CREATE FUNCTION pg_temp.look_at(ex float8, ey float8, ez float8, cx float8, cy float8, cz float8,
                                ux float8, uy float8, uz float8) RETURNS float8[]
LANGUAGE plpgsql IMMUTABLE AS $$
DECLARE
    f float8[] := ARRAY[cx - ex, cy - ey, cz - ez];
    s float8[];
    u float8[];
    len float8;
BEGIN
    len := sqrt(f[1]^2 + f[2]^2 + f[3]^2);
    f := ARRAY[f[1] / len, f[2] / len, f[3] / len];
    s := ARRAY[f[2] * uz - f[3] * uy, f[3] * ux - f[1] * uz, f[1] * uy - f[2] * ux];
    len := sqrt(s[1]^2 + s[2]^2 + s[3]^2);
    s := ARRAY[s[1] / len, s[2] / len, s[3] / len];
    u := ARRAY[s[2] * f[3] - s[3] * f[2], s[3] * f[1] - s[1] * f[3], s[1] * f[2] - s[2] * f[1]];
    RETURN ARRAY[s[1], u[1], -f[1], 0,
                 s[2], u[2], -f[2], 0,
                 s[3], u[3], -f[3], 0,
                 -(s[1] * ex + s[2] * ey + s[3] * ez), -(u[1] * ex + u[2] * ey + u[3] * ez),
                 f[1] * ex + f[2] * ey + f[3] * ez, 1];
END
$$;
-- the rule, by brute force over sim.ship_live
CREATE FUNCTION pg_temp.brute(m float8[], sec integer)
RETURNS TABLE (id bigint, faction_id integer, class_id integer, sector_id integer, state text,
               x float8, y float8, z float8)
LANGUAGE sql STABLE AS $$
    SELECT l.id, l.faction_id, l.class_id, l.sector_id, l.state, p.x, p.y, p.z
      FROM sim.ship_live l
     CROSS JOIN LATERAL (SELECT st_x(l.pos) AS x, st_y(l.pos) AS y, st_z(l.pos) AS z) p
     CROSS JOIN LATERAL (SELECT m[1] * p.x + m[5] * p.y + m[9] * p.z + m[13] AS cx,
                                m[2] * p.x + m[6] * p.y + m[10] * p.z + m[14] AS cy,
                                m[3] * p.x + m[7] * p.y + m[11] * p.z + m[15] AS cz,
                                m[4] * p.x + m[8] * p.y + m[12] * p.z + m[16] AS cw) c
     WHERE l.sector_id = sec
       AND c.cw > 0 AND -c.cw <= c.cx AND c.cx <= c.cw AND -c.cw <= c.cy AND c.cy <= c.cw
       AND -c.cw <= c.cz AND c.cz <= c.cw
$$;

SELECT sim.generate_universe(14, 6, 3000, reset => true) IS NOT NULL AS generated;
SELECT sim.step(20);

-- 60 cameras from a seeded generator: perspective and orthographic, over a
-- whole sector, a tenth and a hundredth of it, looking from all sides
CREATE TEMP TABLE cam (i integer PRIMARY KEY, sector integer, persp boolean, frac float8, m float8[]);
DO $$
DECLARE
    c   record;
    s   float8;
    e   float8[];
    t   float8[];
    u   float8[];
BEGIN
    PERFORM setseed(0.14);
    FOR i IN 1..60 LOOP
        SELECT sc.id, st_x(sc.center) AS x, st_y(sc.center) AS y, st_z(sc.center) AS z INTO c
          FROM sim.sector sc ORDER BY sc.id OFFSET floor(random() * 6) LIMIT 1;
        s := (ARRAY[300000.0, 30000.0, 3000.0])[1 + i % 3];
        -- aimed near a ship of the sector, or near its centre
        IF i % 4 <> 0 THEN
            SELECT st_x(l.pos), st_y(l.pos), st_z(l.pos) INTO c.x, c.y, c.z
              FROM sim.ship_live l WHERE l.sector_id = c.id ORDER BY l.id
             OFFSET floor(random() * (SELECT count(*) FROM sim.ship s WHERE s.sector_id = c.id)) LIMIT 1;
        END IF;
        t := ARRAY[c.x + (random() - 0.5) * s / 10, c.y + (random() - 0.5) * s / 10, c.z + (random() - 0.5) * s / 10];
        e := ARRAY[t[1] + (random() - 0.5) * 4 * s, t[2] + (random() - 0.5) * 4 * s, t[3] + (random() - 0.5) * 4 * s];
        u := ARRAY[random() - 0.5, random() - 0.5, random() - 0.5];
        INSERT INTO cam VALUES (i, c.id, i % 2 = 0, s / 300000.0, pg_temp.mat_mul(
            CASE WHEN i % 2 = 0
                 THEN pg_temp.perspective(s / 300000.0 * 0.5 + random(), 0.5 + random(), 100, 3e6)
                 ELSE pg_temp.ortho(-s, s * (0.5 + random()), -s, s, -3e6, 3e6) END,
            pg_temp.look_at(e[1], e[2], e[3], t[1], t[2], t[3], u[1], u[2], u[3])));
    END LOOP;
END
$$;

-- and one camera per sector that sees the whole universe (every ship is a
-- candidate of the grid, more than it looks up one by one)
INSERT INTO cam
SELECT 60 + sc.id, sc.id, false, 10,
       pg_temp.mat_mul(pg_temp.ortho(-1e7, 1e7, -1e7, 1e7, -1e7, 1e7), pg_temp.look_at(0, 0, 0, 0, 0, -1, 0, 1, 0))
  FROM sim.sector sc;

-- and six close-ups of 1,000 km around ships, whose few grid cells are
-- walked one by one rather than every ship tested
INSERT INTO cam
SELECT 66 + row_number() OVER (ORDER BY l.id), l.sector_id, false, 0.001,
       pg_temp.mat_mul(pg_temp.ortho(-500, 500, -500, 500, -500, 500),
                       pg_temp.look_at(st_x(l.pos), st_y(l.pos), st_z(l.pos), st_x(l.pos), st_y(l.pos), st_z(l.pos) - 1,
                                       0, 1, 0))
  FROM sim.ship_live l WHERE l.id % 500 = 7;

-- every camera: the same ships as brute force, with the same rows (each
-- result as one array of its rows in id order, compared whole)
CREATE FUNCTION pg_temp.compare(label text)
RETURNS TABLE (label text, cameras bigint, differing bigint, persp_seeing bigint, ortho_seeing bigint,
               ships_seen_over_100 boolean, whole_sector_sees_most_universe_all boolean)
LANGUAGE sql AS $$
    WITH r AS (
        SELECT c.i, c.persp, c.frac,
               (SELECT array_agg(b::text ORDER BY b.id) FROM pg_temp.brute(c.m, c.sector) b) AS brute,
               (SELECT array_agg(v::text ORDER BY v.id) FROM api.ships_in_view(c.m, c.sector) v) AS got,
               (SELECT count(*) FROM sim.ship s WHERE s.sector_id = c.sector) AS in_sector
          FROM cam c)
    SELECT label, count(*), count(*) FILTER (WHERE got IS DISTINCT FROM brute),
           count(*) FILTER (WHERE persp AND got IS NOT NULL), count(*) FILTER (WHERE NOT persp AND got IS NOT NULL),
           sum(cardinality(got)) > 100, bool_or(frac = 1 AND cardinality(got) > in_sector / 2)
                                        AND bool_and(frac < 10 OR cardinality(got) = in_sector)
      FROM r
$$;
-- from the grid (this session's tick published it)
SELECT (SELECT count(*) FROM sim.ship_positions() p WHERE p.tick = 20) = 3000 AS grid_at_tick;
SELECT * FROM pg_temp.compare('grid at tick 20');
SELECT sim.step(7);
SELECT * FROM pg_temp.compare('grid at tick 27');
-- the ids come in order
SELECT bool_and(ordered) AS ordered FROM (
    SELECT c.i, (SELECT array_agg(v.id) = array_agg(v.id ORDER BY v.id) FROM api.ships_in_view(c.m, c.sector) v) AS ordered
      FROM cam c) x;

-- from the tables: a change to sim.ship outside a tick makes the grid stale
UPDATE sim.ship SET x = x + 5000, y = y - 5000 WHERE id % 3 = 0 AND state <> 'flying';
SELECT * FROM pg_temp.compare('stale grid, after moving ships');
SELECT sim.step(1);
SELECT * FROM pg_temp.compare('grid at tick 28');

-- hostile matrices and arguments
SELECT m AS cam1 FROM cam WHERE i = 2 \gset
SELECT pg_temp.try($$SELECT * FROM api.ships_in_view(NULL, 1)$$) AS null_matrix,
       pg_temp.try($$SELECT * FROM api.ships_in_view('{1,0,0,0, 0,1,0,0, 0,0,1,0, 0,0,0}', 1)$$) AS fifteen,
       pg_temp.try($$SELECT * FROM api.ships_in_view('{{1,0,0,0},{0,1,0,0},{0,0,1,0},{0,0,0,1}}', 1)$$) AS four_by_four,
       pg_temp.try($$SELECT * FROM api.ships_in_view('{}', 1)$$) AS empty;
SELECT pg_temp.try($$SELECT * FROM api.ships_in_view('{1,0,0,0, 0,1,0,0, 0,0,1,0, 0,0,NULL,1}', 1)$$) AS null_element,
       pg_temp.try($$SELECT * FROM api.ships_in_view('{1,0,0,0, 0,NaN,0,0, 0,0,1,0, 0,0,0,1}', 1)$$) AS nan,
       pg_temp.try($$SELECT * FROM api.ships_in_view('{1,0,0,0, 0,1,0,0, 0,0,Infinity,0, 0,0,0,1}', 1)$$) AS inf,
       pg_temp.try($$SELECT * FROM api.ships_in_view('{1,0,0,0, 0,1,0,0, 0,0,1,0, 0,0,-1e31,1}', 1)$$) AS too_large;
SELECT pg_temp.try(format('SELECT * FROM api.ships_in_view(%L, NULL)', :'cam1')) AS null_sector,
       pg_temp.try(format('SELECT * FROM api.ships_in_view(%L, 99)', :'cam1')) AS unknown_sector,
       pg_temp.try(format('SELECT * FROM api.ships_in_view(%L, 1, 0)', :'cam1')) AS max_zero;
-- a result larger than max_ships is an error, not a cut
SELECT (SELECT count(*) FROM api.ships_in_view(c.m, c.sector)) > 1 AS several,
       pg_temp.try(format('SELECT * FROM api.ships_in_view(%L, %s, %s)', c.m, c.sector,
                          (SELECT count(*) FROM api.ships_in_view(c.m, c.sector)) - 1)) AS one_too_few,
       (SELECT count(*) FROM api.ships_in_view(c.m, c.sector,
                                              (SELECT count(*) FROM api.ships_in_view(c.m, c.sector))::integer))
           = (SELECT count(*) FROM api.ships_in_view(c.m, c.sector)) AS exactly_enough
  FROM cam c WHERE c.i = (SELECT min(i) FROM cam c2 WHERE c2.frac = 1);
-- degenerate matrices: w = 0 everywhere sees nothing; so does the zero matrix
SELECT (SELECT count(*) FROM api.ships_in_view('{1,0,0,0, 0,1,0,0, 0,0,1,0, 0,0,0,0}', 1)) AS w_zero,
       (SELECT count(*) FROM api.ships_in_view(array_fill(0::float8, ARRAY[16]), 1)) AS zero_matrix,
       (SELECT count(*) FROM api.ships_in_view(array_fill(-0::float8, ARRAY[16]), 1)) AS minus_zero;
-- the largest entries allowed, and tiny ones: still exactly the brute force
CREATE FUNCTION pg_temp.scaled(m float8[], k float8) RETURNS float8[]
LANGUAGE sql IMMUTABLE AS $$ SELECT array(SELECT v * k FROM unnest(m) v) $$;
SELECT c.i, x.label,
       (SELECT max(abs(v)) FROM unnest(pg_temp.scaled(c.m, x.k)) v) <= 1e30 AS allowed,
       (SELECT count(*) FROM api.ships_in_view(pg_temp.scaled(c.m, x.k), c.sector)) > 0 AS sees,
       (SELECT array_agg(v::text ORDER BY v.id) FROM api.ships_in_view(pg_temp.scaled(c.m, x.k), c.sector) v)
       IS NOT DISTINCT FROM
       (SELECT array_agg(b::text ORDER BY b.id) FROM pg_temp.brute(pg_temp.scaled(c.m, x.k), c.sector) b) AS same
  FROM cam c
 CROSS JOIN LATERAL (VALUES ('huge', 0.999e30 / (SELECT max(abs(v)) FROM unnest(c.m) v)),
                            ('tiny', 1e-250)) x(label, k)
 WHERE c.i IN (SELECT c2.i FROM cam c2 WHERE EXISTS (SELECT FROM pg_temp.brute(c2.m, c2.sector))
                ORDER BY c2.persp, c2.i LIMIT 1)
    OR c.i IN (SELECT c2.i FROM cam c2 WHERE EXISTS (SELECT FROM pg_temp.brute(c2.m, c2.sector))
                ORDER BY NOT c2.persp, c2.i LIMIT 1)
 ORDER BY c.i, x.label;

-- who may call it: operators see every ship; sim_anon nothing
SET ROLE sim_anon;
SELECT pg_temp.try(format('SELECT * FROM api.ships_in_view(%L, 1)', :'cam1')) AS anon;
SELECT pg_temp.try(format('SELECT * FROM sim.ships_in_view(%L, 1)', :'cam1')) AS anon_sim;
RESET ROLE;
-- sim_player without a signed-in player: refused
SET ROLE sim_player;
SELECT pg_temp.try(format('SELECT * FROM api.ships_in_view(%L, 1)', :'cam1')) AS player_without_claims;
SELECT pg_temp.try(format('SELECT * FROM sim.ships_in_view(%L, 1)', :'cam1')) AS player_sim;
RESET ROLE;

-- a player (its own login) sees its ships and its contacts in view, no other
CREATE ROLE regress_view_login LOGIN;
SELECT sim.create_player('Viewer', login => 'regress_view_login') IS NOT NULL AS player_created;
SELECT sim.step(1);
-- a camera over the player's sector, seeing all of it
CREATE TEMP TABLE pcam AS
SELECT s.sector_id AS sector, p.faction_id,
       pg_temp.mat_mul(pg_temp.ortho(-400000, 400000, -400000, 400000, -3e6, 3e6),
                       pg_temp.look_at(st_x(sc.center), st_y(sc.center), st_z(sc.center),
                                       st_x(sc.center), st_y(sc.center), st_z(sc.center) - 1, 0, 1, 0)) AS m
  FROM sim.player p JOIN sim.ship s ON s.faction_id = p.faction_id JOIN sim.sector sc ON sc.id = s.sector_id
 WHERE p.name = 'Viewer' LIMIT 1;
GRANT SELECT ON pcam TO regress_view_login;
SET ROLE regress_view_login;
CREATE TEMP TABLE player_saw AS SELECT v.* FROM pcam, api.ships_in_view(pcam.m, pcam.sector) v;
CREATE TEMP TABLE player_contacts AS SELECT c.id FROM api.contacts c;
RESET ROLE;
SELECT (SELECT count(*) FROM player_saw v, pcam WHERE v.faction_id = pcam.faction_id) >= 1 AS sees_own,
       (SELECT count(*) FROM player_contacts) > 0 AS has_contacts,
       (SELECT count(*) FROM player_saw v, pcam
         WHERE v.faction_id <> pcam.faction_id AND v.id NOT IN (SELECT id FROM player_contacts)) AS foreign_beyond_contacts,
       (SELECT count(*) FROM pcam, pg_temp.brute(pcam.m, pcam.sector) b
         WHERE b.faction_id <> pcam.faction_id AND b.id NOT IN (SELECT id FROM player_contacts)) > 100
           AS operator_sees_more,
       (SELECT count(*) FROM (SELECT b.* FROM pcam, pg_temp.brute(pcam.m, pcam.sector) b
                               WHERE b.faction_id = pcam.faction_id OR b.id IN (SELECT id FROM player_contacts)
                              EXCEPT SELECT * FROM player_saw) a)
       + (SELECT count(*) FROM (SELECT * FROM player_saw
                                EXCEPT SELECT b.* FROM pcam, pg_temp.brute(pcam.m, pcam.sector) b
                                 WHERE b.faction_id = pcam.faction_id OR b.id IN (SELECT id FROM player_contacts)) b)
           AS differing_from_own_and_contacts;
-- What a player's call looks at: its own ships and its contacts in the
-- sector, each tested alone, never the sector's other ships, so that neither
-- its answer nor its time tells anything of ships it may not see (a camera
-- around hidden ships only costs what an empty one costs).  Counted with
-- this transaction's function statistics.
SET track_functions = 'all';
BEGIN;
SET LOCAL ROLE regress_view_login;
CREATE TEMP TABLE player_looked AS
SELECT (SELECT count(*) FROM pcam, api.ships_in_view(pcam.m, pcam.sector)) AS rows,
       (SELECT count(*) FROM api.my_ships s, pcam WHERE s.sector_id = pcam.sector)
     + (SELECT count(*) FROM api.contacts c, pcam WHERE c.sector_id = pcam.sector) AS may_see;
RESET ROLE;
SELECT l.rows > 0 AS saw_some,
       pg_stat_get_xact_function_calls('sim.in_view(float8[], float8, float8, float8)'::regprocedure) = l.may_see
           AS tested_only_what_it_may_see,
       coalesce(pg_stat_get_xact_function_calls('sim.ships_in_view(float8[], integer)'::regprocedure), 0) = 0
           AS never_culled_the_sector,
       (SELECT count(*) FROM sim.ship s, pcam WHERE s.sector_id = pcam.sector) > l.may_see + 100 AS sector_holds_more
  FROM player_looked l;
ROLLBACK;
RESET track_functions;
SET ROLE regress_view_login;
SELECT pg_temp.try(format('SELECT * FROM sim.ships_in_view(%L, 1)', :'cam1')) AS login_sim;
RESET ROLE;
SELECT has_function_privilege('sim_anon', 'api.ships_in_view(float8[], integer, integer)', 'EXECUTE') AS anon_may,
       has_function_privilege('sim_player', 'api.ships_in_view(float8[], integer, integer)', 'EXECUTE') AS player_may,
       has_function_privilege('public', 'sim.ships_in_view(float8[], integer)', 'EXECUTE') AS public_may_sim;
DROP TABLE player_saw, player_contacts, pcam;
SELECT sim.reset_universe();
DROP OWNED BY regress_view_login;
DROP ROLE regress_view_login;
