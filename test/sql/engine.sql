--
-- engine: ticks run by sim.step, commands checked and applied, journeys
-- through jump gates flown to the end, kinematics and spatial queries
-- agreeing with SQL and PostGIS.  Needs sim in shared_preload_libraries
-- (no ticker runs: sim.database is empty in the test cluster).
--
SET client_min_messages = warning;
CREATE EXTENSION IF NOT EXISTS sim CASCADE;
RESET client_min_messages;
SELECT sim.reset_universe();

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

-- Before a universe exists
SELECT pg_temp.try('SELECT sim.step()') AS step_without_universe;
SELECT pg_temp.try($$SELECT * FROM sim.navigate(1, 'station:1')$$) AS navigate_without_universe;

SELECT sim.generate_universe(7, 8, 3000) IS NOT NULL AS generated;
-- thirsty hulls (ten times the generated burn), so that fuel decides
-- between modes on a journey of a few jumps
UPDATE sim.ship_class k SET fuel_per_dv = v.fuel_per_dv
  FROM (VALUES (1, 0.25), (2, 0.45), (3, 0.10), (4, 0.20), (5, 0.50), (6, 0.80), (7, 0.12)) v(id, fuel_per_dv)
 WHERE k.id = v.id;
-- No autopilots: without an NPC personality every ship is a player's ship,
-- and only the commands below move ships (NPCs are the economy tests'
-- business)
DELETE FROM sim.npc_personality;

-- The spatial index does not exist before the first tick after a start;
-- the first step builds it
SELECT sim.step() AS tick;
SELECT tick, source, ships_in_flight, arrivals, commands FROM sim.tick_log ORDER BY tick;
SELECT count(*) = 3000 AS every_ship_indexed, min(tick) = 1 AND max(tick) = 1 AS at_tick_1
  FROM sim.ship_positions();
SELECT pg_temp.try('SELECT sim.step(0)') AS step_zero;
SELECT pg_temp.try('SELECT sim.step(-5)') AS step_negative;
SELECT pg_temp.try('SELECT sim.step(NULL)') AS step_null;
SELECT pg_temp.try('SELECT sim.undock(NULL)') AS undock_null;

-- Ships used below: three idle ones in sector 1 (a, b, c), a docked one (d);
-- a station in sector 1 and one in sector 8
CREATE TEMP TABLE pick AS
SELECT (SELECT id FROM sim.ship WHERE state = 'idle' AND sector_id = 1 ORDER BY id LIMIT 1) AS a,
       (SELECT id FROM sim.ship WHERE state = 'idle' AND sector_id = 1 ORDER BY id OFFSET 1 LIMIT 1) AS b,
       (SELECT id FROM sim.ship WHERE state = 'idle' AND sector_id = 1 ORDER BY id OFFSET 2 LIMIT 1) AS c,
       (SELECT id FROM sim.ship WHERE state = 'docked' ORDER BY id LIMIT 1) AS d,
       (SELECT id FROM sim.station WHERE sector_id = 1 ORDER BY id DESC LIMIT 1) AS near_station,
       (SELECT id FROM sim.station WHERE sector_id = 8 ORDER BY id LIMIT 1) AS far_station;
GRANT SELECT ON pick TO PUBLIC;
SELECT a IS NOT NULL AND b IS NOT NULL AND c IS NOT NULL AND d IS NOT NULL AS picked FROM pick;

-- Bad commands: each its own SQLSTATE, and nothing is queued
SELECT pg_temp.try(format($$SELECT * FROM sim.navigate(%s, 'station:1')$$, 999999)) AS unknown_ship;
SELECT pg_temp.try(format($$SELECT * FROM sim.navigate(%s, 'station:1')$$, d)) AS docked_ship FROM pick;
SELECT pg_temp.try(format($$SELECT * FROM sim.navigate(%s, 'station:99999')$$, a)) AS unknown_station FROM pick;
SELECT pg_temp.try(format($$SELECT * FROM sim.navigate(%s, 'body:99999')$$, a)) AS unknown_body FROM pick;
SELECT pg_temp.try(format($$SELECT * FROM sim.navigate(%s, 'planet 4')$$, a)) AS malformed FROM pick;
SELECT pg_temp.try(format($$SELECT * FROM sim.navigate(%s, 'point:1,2')$$, a)) AS short_point FROM pick;
SELECT pg_temp.try(format($$SELECT * FROM sim.navigate(%s, 'point:1e15,0,0')$$, a)) AS outside FROM pick;
SELECT pg_temp.try(format($$SELECT * FROM sim.navigate(%s, 'station:1', 'warp')$$, a)) AS bad_mode FROM pick;
SELECT pg_temp.try(format($$SELECT * FROM sim.navigate(%s, NULL)$$, a)) AS null_destination FROM pick;
SELECT pg_temp.try(format($$SELECT * FROM sim.navigate(%s, ST_MakeLine(ST_MakePoint(0,0), ST_MakePoint(1,1)))$$, a))
       AS line_destination FROM pick;
SELECT pg_temp.try(format('SELECT sim.undock(%s)', a)) AS undock_idle FROM pick;
UPDATE sim.ship SET fuel = 0.5 WHERE id = (SELECT c FROM pick);
SELECT pg_temp.try(format($$SELECT * FROM sim.navigate(%s, 'station:%s', 'burn')$$, c, far_station)) AS no_fuel
  FROM pick;
-- a player may command only its faction's ships
CREATE ROLE regress_sim_player;
GRANT sim_player TO regress_sim_player;
INSERT INTO sim.player (name, login, faction_id, created_tick)
VALUES ('regress engine', 'regress_sim_player', (SELECT faction_id % 8 + 1 FROM sim.ship WHERE id = (SELECT a FROM pick)), 0);
SET ROLE regress_sim_player;
SELECT pg_temp.try(format($$SELECT * FROM api.navigate(%s, 'station:%s')$$, a, near_station)) AS other_faction
  FROM pick;
RESET ROLE;
DELETE FROM sim.player;
SELECT count(*) AS commands_queued FROM sim.command;

-- A journey within the sector: planned at the next tick, applied by it
SELECT n.start_tick = 2 AS starts_next_tick, n.legs, n.arrival_tick > n.start_tick AS arrives_later,
       n.fuel > 0 AS uses_fuel
  FROM pick, sim.navigate(a, format('station:%s', near_station), 'burn') n;
SELECT pg_temp.try(format($$SELECT * FROM sim.navigate(%s, 'station:1')$$, a)) AS second_command FROM pick;
SELECT kind, dest_kind, mode, status FROM sim.command ORDER BY id;
SELECT sim.step();
SELECT c.status, c.applied_tick, s.state, s.leg_start_tick, s.dest_kind
  FROM sim.command c JOIN sim.ship s ON s.id = c.ship_id ORDER BY c.id;
-- at its first tick the ship is still at its origin, and fuel was paid
SELECT ST_X(l.pos) = s.x AND ST_Y(l.pos) = s.y AND ST_Z(l.pos) = s.z AS at_origin
  FROM pick, sim.ship_live l JOIN sim.ship s USING (id) WHERE l.id = pick.a;

-- A journey through jump gates, in drift mode, and a short hop in cruise
SELECT n.legs > 1 AS through_gates, n.fuel > 0 AS uses_fuel
  FROM pick, sim.navigate(b, format('station:%s', far_station), 'drift') n;
UPDATE sim.ship SET fuel = 300 WHERE id = (SELECT c FROM pick);
SELECT n.legs AS legs
  FROM pick JOIN sim.ship s ON s.id = pick.c,
       sim.navigate(pick.c, format('point:%s,%s,%s', s.x + 10, s.y, s.z), 'cruise') n;
-- a command the tick refuses: the ship lost its fuel after queueing
UPDATE sim.ship SET fuel = 0 WHERE id = (SELECT b FROM pick);
SELECT sim.step();
SELECT c.status, c.error FROM sim.command c, pick WHERE c.ship_id = pick.b;
-- refuelled to a full tank it goes, in cruise: three jumps at full speed
-- (burn) would take more than the tank holds
UPDATE sim.ship s SET fuel = k.fuel_capacity FROM sim.ship_class k WHERE k.id = s.class_id AND s.id = (SELECT b FROM pick);
SELECT pg_temp.try(format($$SELECT * FROM sim.navigate(%s, 'station:%s', 'burn')$$, b, far_station)) AS burn_too_thirsty
  FROM pick;
SELECT n.legs > 1 AS through_gates, n.fuel, n.fuel <= s.fuel AS fuel_enough
  FROM pick JOIN sim.ship s ON s.id = pick.b, sim.navigate(b, format('station:%s', far_station), 'cruise') n;
SELECT sim.step();
SELECT count(*) > 0 AS later_legs_stored FROM sim.flight_leg f, pick WHERE f.ship_id = pick.b;

-- Kinematics: the SIMD kernel's positions in the index equal SQL's evaluation
-- of every plan, bit for bit
SELECT count(*) AS positions_differing
  FROM sim.ship_positions() p JOIN sim.ship_live l ON l.id = p.ship_id
 WHERE p.tick <> l.tick OR p.x <> ST_X(l.pos) OR p.y <> ST_Y(l.pos) OR p.z <> ST_Z(l.pos);

-- Fly everything to the end, and give the ships at stations the time it
-- takes to dock (sim.economy.dock_ticks)
CREATE TEMP TABLE journey_end AS
SELECT s.id, CASE s.id WHEN pick.a THEN 'a' WHEN pick.b THEN 'b' ELSE 'c' END AS ship,
       coalesce((SELECT max(f.arrival_tick) FROM sim.flight_leg f WHERE f.ship_id = s.id), s.arrival_tick) AS arrival_tick
  FROM pick, sim.ship s WHERE s.id IN (pick.a, pick.b, pick.c);
SELECT sim.step((greatest((SELECT max(arrival_tick) FROM sim.ship), (SELECT max(arrival_tick) FROM sim.flight_leg))
                 + (SELECT dock_ticks FROM sim.economy) - (SELECT tick FROM sim.world))::integer) > 0 AS flown;
SELECT count(*) AS still_flying FROM sim.ship WHERE state = 'flying';
SELECT count(*) AS legs_left FROM sim.flight_leg;
-- every state change of the three ships, recorded: each left when its
-- command was applied; at the end of its plan a ship bound for a station
-- starts docking and is docked dock_ticks (5) later, the short hop to a
-- point rests idle at once
SELECT j.ship, e.from_state, e.to_state, e.station_id,
       CASE WHEN e.to_state = 'flying'
            THEN e.tick = (SELECT max(c.applied_tick) FROM sim.command c
                            WHERE c.ship_id = e.ship_id AND c.status = 'applied') END AS at_command,
       CASE WHEN e.to_state <> 'flying' THEN e.tick - j.arrival_tick END AS ticks_after_arrival
  FROM sim.ship_event e JOIN journey_end j ON j.id = e.ship_id
 ORDER BY j.ship, e.id;
SELECT count(*) AS other_ships_changing_state FROM sim.ship_event e WHERE e.ship_id NOT IN (SELECT id FROM journey_end);
-- every ship rests where its plan ended: in the destination's sector, docked
-- at the station (it had a free slot); the short hop rests where its plan ended
SELECT s.state, s.sector_id = st.sector_id AS in_station_sector,
       s.docked_at = st.id AS docked_there,
       round(ST_3DDistance(ST_MakePoint(s.x, s.y, s.z), st.pos)::numeric, 6) AS km_from_station
  FROM pick, sim.ship s, sim.station st
 WHERE (s.id, st.id) IN ((pick.a, pick.near_station), (pick.b, pick.far_station));
SELECT s.state, round(ST_3DDistance(ST_MakePoint(s.x, s.y, s.z), l.pos)::numeric, 9) AS moved_since_rest
  FROM pick, sim.ship s JOIN sim.ship_live l USING (id) WHERE s.id = pick.c;
SELECT count(*) AS positions_differing
  FROM sim.ship_positions() p JOIN sim.ship_live l ON l.id = p.ship_id
 WHERE p.tick <> l.tick OR p.x <> ST_X(l.pos) OR p.y <> ST_Y(l.pos) OR p.z <> ST_Z(l.pos);

-- A command whose application raises an error is rejected with that error;
-- the tick and the other commands go on
CREATE FUNCTION pg_temp.refuse_flight() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF NEW.state = 'flying' AND NEW.id = (SELECT a FROM pick) THEN
        RAISE EXCEPTION 'flight of ship % refused by a trigger', NEW.id;
    END IF;
    RETURN NEW;
END
$$;
CREATE TRIGGER refuse_flight BEFORE UPDATE ON sim.ship FOR EACH ROW EXECUTE FUNCTION pg_temp.refuse_flight();
SELECT sim.undock(a) > 0 AS queued FROM pick;
-- the next tick starts undocking, undock_ticks later the ship is idle
SELECT sim.step(1 + (SELECT undock_ticks FROM sim.economy)) > 0 AS stepped;
SELECT s.state FROM pick JOIN sim.ship s ON s.id = pick.a;
SELECT n.legs FROM pick JOIN sim.ship s ON s.id = pick.a,
       sim.navigate(pick.a, format('point:%s,%s,%s', s.x + 50, s.y, s.z), 'burn') n;
SELECT n.legs FROM pick JOIN sim.ship s ON s.id = pick.c,
       sim.navigate(pick.c, format('point:%s,%s,%s', s.x + 50, s.y, s.z), 'burn') n;
CREATE TEMP TABLE tick_before AS SELECT tick FROM sim.world;
SELECT sim.step() = (SELECT tick + 1 FROM tick_before) AS ticked;
SELECT c.ship_id = pick.a AS refused_ship, c.status, c.error
  FROM sim.command c, pick WHERE c.applied_tick = (SELECT tick FROM sim.world) ORDER BY c.id;
SELECT s.id = pick.a AS refused_ship, s.state FROM sim.ship s, pick WHERE s.id IN (pick.a, pick.c) ORDER BY s.id;
SELECT count(*) AS positions_differing
  FROM sim.ship_positions() p JOIN sim.ship_live l ON l.id = p.ship_id
 WHERE p.tick <> l.tick OR p.x <> ST_X(l.pos) OR p.y <> ST_Y(l.pos) OR p.z <> ST_Z(l.pos);
DROP TRIGGER refuse_flight ON sim.ship;

-- An error that is not the command's own (a cancel, a shutdown, a
-- serialization failure, an internal error) fails the tick instead: the
-- command is not rejected for good, it stays pending and the next tick
-- that runs applies it, so rejections follow from the tables alone
CREATE FUNCTION pg_temp.cancel_flight() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF NEW.state = 'flying' AND NEW.id = (SELECT a FROM pick) THEN
        RAISE EXCEPTION 'canceling statement due to user request' USING ERRCODE = 'query_canceled';
    END IF;
    RETURN NEW;
END
$$;
CREATE TRIGGER cancel_flight BEFORE UPDATE ON sim.ship FOR EACH ROW EXECUTE FUNCTION pg_temp.cancel_flight();
SELECT n.legs FROM pick JOIN sim.ship s ON s.id = pick.a,
       sim.navigate(pick.a, format('point:%s,%s,%s', s.x + 50, s.y, s.z), 'burn') n;
DELETE FROM tick_before;
INSERT INTO tick_before SELECT tick FROM sim.world;
DO $$
BEGIN
    PERFORM sim.step();
    RAISE NOTICE 'the tick ran';
EXCEPTION WHEN query_canceled THEN    -- "others" does not catch a cancel
    RAISE NOTICE 'the tick failed: %', SQLSTATE;
END
$$;
SELECT (SELECT tick FROM sim.world) = (SELECT tick FROM tick_before) AS tick_not_advanced,
       c.status, c.error
  FROM sim.command c, pick WHERE c.ship_id = pick.a ORDER BY c.id DESC LIMIT 1;
DROP TRIGGER cancel_flight ON sim.ship;
SELECT sim.step() = (SELECT tick + 1 FROM tick_before) AS ticked;
SELECT c.status, c.applied_tick = (SELECT tick FROM sim.world) AS applied_now, s.state
  FROM sim.command c, pick, sim.ship s
 WHERE c.ship_id = pick.a AND s.id = pick.a ORDER BY c.id DESC LIMIT 1;

-- Commands say who issued them, whatever the inserter claims; a point
-- destination needs its coordinates
INSERT INTO sim.command (ship_id, kind, issued_by, issued_tick) SELECT d, 'undock', 'nobody', 0 FROM pick;
SELECT issued_by = current_user AS issuer_is_inserter FROM sim.command ORDER BY id DESC LIMIT 1;
DELETE FROM sim.command WHERE status = 'pending';
SELECT pg_temp.try($$INSERT INTO sim.command (ship_id, kind, dest_kind, mode, issued_tick)
                     SELECT a, 'navigate', 'point', 'burn', 0 FROM pick$$) AS point_without_coordinates;
SELECT pg_temp.try($$INSERT INTO sim.command (ship_id, kind, dest_kind, mode, issued_tick)
                     SELECT a, 'navigate', 'station', 'burn', 0 FROM pick$$) AS station_without_id;

-- Undocking: the next tick starts it and wakes the ship undock_ticks (5)
-- later, idle where it was, with no berth
SELECT pg_temp.try(format($$SELECT * FROM sim.navigate(%s, 'station:1')$$, d)) AS navigate_docked FROM pick;
SELECT sim.undock(d) > 0 AS queued FROM pick;
SELECT pg_temp.try(format('SELECT sim.undock(%s)', d)) AS undock_twice FROM pick;
SELECT sim.step() > 0 AS stepped;
SELECT s.state, s.docked_at IS NOT NULL AS berthed, s.wake_tick - w.tick AS wakes_in
  FROM sim.ship s, sim.world w, pick WHERE s.id = pick.d;
SELECT pg_temp.try(format($$SELECT * FROM sim.navigate(%s, 'station:1')$$, d)) AS navigate_undocking FROM pick;
SELECT pg_temp.try(format('SELECT sim.undock(%s)', d)) AS undock_undocking FROM pick;
SELECT sim.step((SELECT undock_ticks - 1 FROM sim.economy)) > 0 AS stepped;
SELECT s.state FROM sim.ship s, pick WHERE s.id = pick.d;
SELECT sim.step() > 0 AS stepped;
SELECT s.state, s.docked_at, s.wake_tick, ST_3DDistance(ST_MakePoint(s.x, s.y, s.z), st.pos) AS km_from_station
  FROM pick JOIN sim.ship s ON s.id = pick.d JOIN sim.station st ON st.id = (SELECT station_id FROM sim.ship_event
                                                                          WHERE ship_id = pick.d ORDER BY id LIMIT 1);
SELECT e.from_state, e.to_state, e.tick - c.applied_tick AS ticks_after_command
  FROM pick JOIN sim.ship_event e ON e.ship_id = pick.d
  JOIN sim.command c ON c.ship_id = pick.d AND c.kind = 'undock' AND c.status = 'applied'
 ORDER BY e.id;

-- Spatial queries answer exactly what PostGIS answers on the same positions
CREATE TEMP TABLE pos AS SELECT ship_id AS id, ST_MakePoint(x, y, z) AS geom FROM sim.ship_positions();
CREATE TEMP TABLE q AS
SELECT i, (SELECT geom FROM pos ORDER BY id OFFSET (i * 37) % 400 LIMIT 1) AS center,
       (ARRAY[0, 1, 25, 400, 5000, 60000, 400000])[1 + i % 7]::double precision AS radius,
       1 + (i * 13) % 40 AS k
  FROM generate_series(1, 60) i;
SELECT count(*) AS within_differing
  FROM q
 WHERE (SELECT coalesce(array_agg(ship_id ORDER BY ship_id), '{}') FROM sim.ships_within(q.center, q.radius))
    <> (SELECT coalesce(array_agg(id ORDER BY id), '{}') FROM pos WHERE ST_3DDWithin(pos.geom, q.center, q.radius));
SELECT count(*) AS within_distance_differing
  FROM q, sim.ships_within(q.center, q.radius) w JOIN pos ON pos.id = w.ship_id
 WHERE w.distance <> ST_3DDistance(pos.geom, q.center);
SELECT count(*) AS nearest_differing
  FROM q
 WHERE (SELECT array_agg(ship_id ORDER BY ord) FROM sim.ships_nearest(q.center, q.k) WITH ORDINALITY n(ship_id, distance, ord))
    <> (SELECT array_agg(id ORDER BY d, id) FROM (SELECT id, ST_3DDistance(geom, q.center) AS d FROM pos
                                                   ORDER BY d, id LIMIT q.k) t);
SELECT count(*) AS xyz_differing
  FROM q
 WHERE (SELECT coalesce(array_agg(ship_id ORDER BY ship_id), '{}') FROM sim.ships_within(q.center, q.radius))
    <> (SELECT coalesce(array_agg(ship_id ORDER BY ship_id), '{}')
          FROM sim.ships_within_xyz(ST_X(q.center), ST_Y(q.center), ST_Z(q.center), q.radius));
SELECT pg_temp.try($$SELECT * FROM sim.ships_within(ST_MakePoint(0, 0, 0), -1)$$) AS negative_radius;
SELECT pg_temp.try($$SELECT * FROM sim.ships_within(ST_MakeLine(ST_MakePoint(0,0), ST_MakePoint(1,1)), 5)$$) AS not_a_point;
SELECT pg_temp.try($$SELECT * FROM sim.ships_nearest(ST_MakePoint(0, 0, 0), 0)$$) AS zero_k;
SELECT pg_temp.try($$SELECT * FROM sim.ships_within_xyz('NaN', 0, 0, 5)$$) AS nan_center;
SELECT count(*) AS nearest_of_2d_point FROM sim.ships_nearest(ST_MakePoint(0, 0), 3);

-- Routes
SELECT step, sector_id, gate_id IS NULL AS first, ticks > 0 AS takes_time, fuel > 0 AS uses_fuel
  FROM sim.route(1, 1);
SELECT count(*) > 1 AS several_legs, bool_and(fuel > 0) AS all_use_fuel,
       max(total_ticks) = sum(ticks) + sum(coalesce(g.jump_ticks, 0)) AS totals_add_up
  FROM sim.route(1, 8, 'cruise') r LEFT JOIN sim.jump_gate g ON g.id = r.gate_id;
SELECT (SELECT max(total_ticks) FROM sim.route(1, 8, 'burn')) < (SELECT max(total_ticks) FROM sim.route(1, 8, 'drift'))
       AS burn_is_faster,
       (SELECT sum(fuel) FROM sim.route(1, 8, 'burn')) > (SELECT sum(fuel) FROM sim.route(1, 8, 'drift'))
       AS burn_is_thirstier;
SELECT pg_temp.try('SELECT * FROM sim.route(1, 999)') AS unknown_sector;
SELECT pg_temp.try($$SELECT * FROM sim.route(1, 2, 'warp')$$) AS bad_mode;
SELECT pg_temp.try($$SELECT * FROM sim.route(1, 2, 'cruise', 999)$$) AS unknown_class;

-- Status, pause and resume
SELECT tick = (SELECT max(tick) FROM sim.tick_log) AS tick_logged, paused, kernel IN ('avx512', 'avx2', 'scalar') AS kernel,
       cache_loaded, tick_ms_p50 IS NOT NULL AS timed
  FROM sim.status;
SELECT sim.pause();
SELECT paused FROM sim.status;
CREATE TEMP TABLE paused_at AS SELECT tick FROM sim.world;
SELECT sim.step(2) = (SELECT tick + 2 FROM paused_at) AS step_while_paused;
SELECT sim.resume();
SELECT paused FROM sim.status;
-- tick numbers are consecutive
SELECT count(*) = max(tick) - min(tick) + 1 AS gap_free FROM sim.tick_log;

-- A rolled-back step leaves the tables as they were and the index usable
CREATE TEMP TABLE before AS SELECT tick FROM sim.world;
BEGIN;
SELECT sim.step(3) > 0 AS stepped;
ROLLBACK;
SELECT w.tick = b.tick AS tick_unchanged FROM sim.world w, before b;
SELECT sim.step() = (SELECT tick + 1 FROM before) AS next_tick;
SELECT count(*) AS positions_differing
  FROM sim.ship_positions() p JOIN sim.ship_live l ON l.id = p.ship_id
 WHERE p.tick <> l.tick OR p.x <> ST_X(l.pos) OR p.y <> ST_Y(l.pos) OR p.z <> ST_Z(l.pos);

-- A tick in the transaction that moved a ship sees the move: the ship, at
-- rest once its short hop has ended, is in the index where its row now
-- puts it
SELECT sim.step(greatest(1, (SELECT s.arrival_tick - w.tick FROM pick, sim.ship s, sim.world w
                              WHERE s.id = pick.c))::integer) > 0 AS stepped;
SELECT s.state, s.arrival_tick FROM pick JOIN sim.ship s ON s.id = pick.c;
BEGIN;
UPDATE sim.ship SET x = x + 1000 WHERE id = (SELECT c FROM pick);
SELECT sim.step() > 0 AS stepped;
COMMIT;
SELECT s.state, p.x = s.x AS index_sees_the_move,
       p.x = ST_X(l.pos) AND p.y = ST_Y(l.pos) AND p.z = ST_Z(l.pos) AS index_agrees_with_plan
  FROM pick, sim.ship s JOIN sim.ship_positions() p ON p.ship_id = s.id JOIN sim.ship_live l ON l.id = s.id
 WHERE s.id = pick.c;

-- A tick rolled back to a savepoint leaves no trace in the tables or the index
CREATE TEMP TABLE before_savepoint AS SELECT tick FROM sim.world;
BEGIN;
SAVEPOINT a;
SELECT sim.step(5) > 0 AS stepped;
ROLLBACK TO a;
SELECT sim.step() = (SELECT tick + 1 FROM before_savepoint) AS one_more_tick;
COMMIT;
SELECT count(*) = max(tick) - min(tick) + 1 AS gap_free FROM sim.tick_log;
SELECT count(*) AS positions_differing
  FROM sim.ship_positions() p JOIN sim.ship_live l ON l.id = p.ship_id
 WHERE p.tick <> l.tick OR p.x <> ST_X(l.pos) OR p.y <> ST_Y(l.pos) OR p.z <> ST_Z(l.pos);

-- Every kernel variant this CPU runs gives the same positions as SQL's
-- scalar evaluation, bit for bit (a variant the CPU lacks is refused and the
-- previous one stays: the output is the same on any CPU)
CREATE FUNCTION pg_temp.use_kernel(v text) RETURNS void
LANGUAGE plpgsql AS $$
BEGIN
    PERFORM set_config('sim.kernel', v, false);
EXCEPTION WHEN invalid_parameter_value THEN
    NULL;
END
$$;
SELECT pg_temp.use_kernel('scalar');
SELECT sim.step() > 0 AS stepped;
SELECT kernel = current_setting('sim.kernel') AS kernel_used FROM sim.status;
SELECT count(*) AS positions_differing
  FROM sim.ship_positions() p JOIN sim.ship_live l ON l.id = p.ship_id
 WHERE p.tick <> l.tick OR p.x <> ST_X(l.pos) OR p.y <> ST_Y(l.pos) OR p.z <> ST_Z(l.pos);
SELECT pg_temp.use_kernel('avx2');
SELECT sim.step() > 0 AS stepped;
SELECT kernel = current_setting('sim.kernel') AS kernel_used FROM sim.status;
SELECT count(*) AS positions_differing
  FROM sim.ship_positions() p JOIN sim.ship_live l ON l.id = p.ship_id
 WHERE p.tick <> l.tick OR p.x <> ST_X(l.pos) OR p.y <> ST_Y(l.pos) OR p.z <> ST_Z(l.pos);
SELECT pg_temp.use_kernel('avx512');
SELECT sim.step() > 0 AS stepped;
SELECT kernel = current_setting('sim.kernel') AS kernel_used FROM sim.status;
SELECT count(*) AS positions_differing
  FROM sim.ship_positions() p JOIN sim.ship_live l ON l.id = p.ship_id
 WHERE p.tick <> l.tick OR p.x <> ST_X(l.pos) OR p.y <> ST_Y(l.pos) OR p.z <> ST_Z(l.pos);
RESET sim.kernel;
SELECT pg_temp.try($$SET sim.kernel = 'sse9'$$) AS unknown_kernel;

-- sim.step needs READ COMMITTED
BEGIN ISOLATION LEVEL REPEATABLE READ;
SELECT pg_temp.try('SELECT sim.step()') AS repeatable_read;
ROLLBACK;

DROP OWNED BY regress_sim_player;
DROP ROLE regress_sim_player;
SELECT sim.reset_universe();
