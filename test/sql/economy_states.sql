--
-- economy_states: the ship state machine, driven by commands and sim.step.
-- Undocking (docked -> undocking -> idle), flying to a station (flying ->
-- docking -> docked), the docking queue of a full station, flying to a body
-- (-> orbiting), mining (orbiting -> mining, a cycle every mine_cycle_ticks,
-- back to orbiting when the hold is full), docking from rest nearby; every
-- error of sim.dock, sim.mine, sim.undock and sim.navigate with its
-- SQLSTATE; transitions outside sim.ship_transition refused (SM009); one
-- sim.ship_event row per transition; the audit empty at the end.
--
-- No NPC pilot flies here: sim.npc_personality is emptied, so ships move
-- only by the commands below (stations still produce and consume).
--
SET client_min_messages = warning;
CREATE EXTENSION IF NOT EXISTS sim CASCADE;
DROP ROLE IF EXISTS regress_states_player;
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

SELECT sim.generate_universe(5, 2, 60);
DELETE FROM sim.npc_personality;
-- the plain rules of sim.economy (its defaults), not the generator's balance
UPDATE sim.economy SET budget_period_ticks = DEFAULT, population_pay_ppm = DEFAULT, money_anchor = DEFAULT,
       anchor_pull_ppm = DEFAULT, docking_fee = DEFAULT, tow_fee = DEFAULT, dock_stay_ticks = DEFAULT,
       handling_rate = DEFAULT, recipe_batches = DEFAULT, mining_speed = DEFAULT;

-- The cast, all docked at station 2 (a refinery near asteroid field 1102,
-- sector 1): a Prospector miner (m), a Courier trader (t), a Freighter
-- hauler (h) and a patrol Cutter (p).  Field 1102 itself holds nothing;
-- its asteroid 1321 holds ore, silicate and ice.
CREATE TEMP TABLE cast_ AS
SELECT 8::bigint AS m, 58::bigint AS t, 50::bigint AS h, 30::bigint AS p,
       2 AS home, 1 AS hub, 1102 AS field, 1321 AS rock;
GRANT SELECT ON cast_ TO PUBLIC;
SELECT s.id, c.name AS class, c.role, c.mining_rate, c.cargo_capacity, s.state, s.docked_at, s.sector_id
  FROM sim.ship s JOIN sim.ship_class c ON c.id = s.class_id, cast_
 WHERE s.id IN (m, t, h, p) ORDER BY s.id;
SELECT b.id, b.kind, b.sector_id, count(d.good_id) AS deposits,
       round((ST_3DDistance(b.pos, st.pos) - b.radius)::numeric, 1) AS km_above_from_home
  FROM cast_, sim.body b LEFT JOIN sim.deposit d ON d.body_id = b.id, sim.station st
 WHERE b.id IN (field, rock) AND st.id = home
 GROUP BY b.id, st.pos ORDER BY b.id;
SELECT d.good_id, d.richness, d.remaining FROM sim.deposit d, cast_ WHERE d.body_id = rock ORDER BY d.good_id;
SELECT dock_ticks, undock_ticks, mine_cycle_ticks, docking_range, mining_range FROM sim.economy;

-- A player's login, of another faction than every ship of the cast
CREATE ROLE regress_states_player;
GRANT sim_player TO regress_states_player;
INSERT INTO sim.player (name, login, faction_id, created_tick) VALUES ('regress states', 'regress_states_player', 1, 0);
SELECT bool_and(faction_id <> 1) AS all_of_other_factions FROM sim.ship, cast_ WHERE id IN (m, t, h, p);

-- Snapshot of the cast's state, to show that failed commands change nothing
CREATE FUNCTION pg_temp.digest() RETURNS text
LANGUAGE sql AS $$
    SELECT md5(concat_ws('|',
        (SELECT string_agg(s::text, ',' ORDER BY s.id) FROM sim.ship s),
        (SELECT count(*) FROM sim.command)::text,
        (SELECT count(*) FROM sim.ship_event)::text))
$$;
CREATE TEMP TABLE digest_before AS SELECT pg_temp.digest() AS d;

---
--- Errors of docked ships, and of unknown or foreign ones
---
SELECT pg_temp.try('SELECT sim.dock(999999, 2)') AS dock_unknown_ship;
SELECT pg_temp.try('SELECT sim.mine(999999)') AS mine_unknown_ship;
SELECT pg_temp.try('SELECT sim.undock(999999)') AS undock_unknown_ship;
SELECT pg_temp.try($$SELECT * FROM sim.navigate(999999, 'station:1')$$) AS navigate_unknown_ship;
SELECT pg_temp.try('SELECT sim.dock(NULL, 2)') AS dock_null_ship;
SELECT pg_temp.try('SELECT sim.mine(NULL)') AS mine_null_ship;
SELECT pg_temp.try(format('SELECT sim.dock(%s, NULL)', t)) AS dock_null_station FROM cast_;
SELECT pg_temp.try(format('SELECT sim.dock(%s, %s)', t, home)) AS dock_docked FROM cast_;
SELECT pg_temp.try(format('SELECT sim.mine(%s)', m)) AS mine_docked FROM cast_;
SELECT pg_temp.try(format('SELECT sim.mine(%s)', t)) AS mine_without_equipment FROM cast_;
SELECT pg_temp.try(format($$SELECT * FROM sim.navigate(%s, 'station:%s')$$, t, hub)) AS navigate_docked FROM cast_;
SET ROLE regress_states_player;
SELECT pg_temp.try(format('SELECT api.undock(%s)', m)) AS undock_other_faction FROM cast_;
SELECT pg_temp.try(format('SELECT api.dock(%s, %s)', m, home)) AS dock_other_faction FROM cast_;
SELECT pg_temp.try(format('SELECT api.mine(%s)', m)) AS mine_other_faction FROM cast_;
SELECT pg_temp.try(format($$SELECT * FROM api.navigate(%s, 'body:%s')$$, m, field)) AS navigate_other_faction
  FROM cast_;
RESET ROLE;
SELECT d = pg_temp.digest() AS nothing_changed FROM digest_before;

---
--- Undocking: docked -> undocking (at the next tick) -> idle after undock_ticks
---
SELECT sim.undock(m) > 0 AS m_queued, sim.undock(t) > 0 AS t_queued, sim.undock(h) > 0 AS h_queued FROM cast_;
SELECT pg_temp.try(format('SELECT sim.undock(%s)', m)) AS undock_pending FROM cast_;
SELECT kind, status FROM sim.command, cast_ WHERE ship_id IN (m, t, h) ORDER BY id;
SELECT sim.step();
SELECT s.id, s.state, s.docked_at, s.wake_tick FROM sim.ship s, cast_ WHERE s.id IN (m, t, h) ORDER BY s.id;
SELECT kind, status, applied_tick FROM sim.command, cast_ WHERE ship_id IN (m, t, h) ORDER BY id;
-- an undocking ship can neither undock, fly, dock nor mine
SELECT pg_temp.try(format('SELECT sim.undock(%s)', m)) AS undock_undocking FROM cast_;
SELECT pg_temp.try(format($$SELECT * FROM sim.navigate(%s, 'body:%s')$$, m, field)) AS navigate_undocking FROM cast_;
SELECT pg_temp.try(format('SELECT sim.dock(%s, %s)', t, home)) AS dock_undocking FROM cast_;
SELECT pg_temp.try(format('SELECT sim.mine(%s, %s)', m, field)) AS mine_undocking FROM cast_;
SELECT sim.step(4);
SELECT s.id, s.state FROM sim.ship s, cast_ WHERE s.id IN (m, t, h) ORDER BY s.id;
SELECT sim.step();
SELECT s.id, s.state, s.docked_at, s.wake_tick,
       round(ST_3DDistance(ST_MakePoint(s.x, s.y, s.z), st.pos)::numeric, 3) AS km_from_home
  FROM sim.ship s, cast_, sim.station st WHERE s.id IN (m, t, h) AND st.id = home ORDER BY s.id;

---
--- Idle near the station: errors of dock, mine, undock
---
UPDATE digest_before SET d = pg_temp.digest();
SELECT pg_temp.try(format('SELECT sim.undock(%s)', m)) AS undock_idle FROM cast_;
SELECT pg_temp.try(format('SELECT sim.dock(%s, %s)', t, hub)) AS dock_out_of_range FROM cast_;
SELECT pg_temp.try(format('SELECT sim.dock(%s, 99999)', t)) AS dock_unknown_station FROM cast_;
SELECT pg_temp.try(format('SELECT sim.mine(%s)', m)) AS mine_idle_without_body FROM cast_;
SELECT pg_temp.try(format('SELECT sim.mine(%s, %s)', m, rock)) AS mine_out_of_range FROM cast_;
SELECT pg_temp.try(format('SELECT sim.mine(%s, 99999)', m)) AS mine_unknown_body FROM cast_;
SELECT pg_temp.try(format('SELECT sim.mine(%s, %s)', t, rock)) AS mine_without_equipment FROM cast_;
SELECT d = pg_temp.digest() AS nothing_changed FROM digest_before;

---
--- The docking queue: station 2 has as many slots as ships docked there
---
UPDATE sim.station SET docking_slots = (SELECT count(*) FROM sim.ship s WHERE s.docked_at = 2 AND s.state = 'docked')
 WHERE id = 2;
SELECT st.docking_slots, count(*) AS docked
  FROM sim.station st JOIN sim.ship s ON s.docked_at = st.id AND s.state = 'docked'
 WHERE st.id = 2 GROUP BY st.docking_slots;
SELECT sim.dock(h, home) > 0 AS h_dock_queued FROM cast_;
SELECT pg_temp.try(format('SELECT sim.dock(%s, %s)', h, home)) AS dock_pending FROM cast_;
SELECT pg_temp.try(format($$SELECT * FROM sim.navigate(%s, 'station:%s')$$, h, hub)) AS navigate_pending FROM cast_;
-- and the others set off: the trader to the hub, the miner to the field
SELECT n.legs, n.arrival_tick > n.start_tick AS arrives_later
  FROM cast_, sim.navigate(t, format('station:%s', hub)) n;
SELECT n.legs, n.arrival_tick > n.start_tick AS arrives_later
  FROM cast_, sim.navigate(m, format('body:%s', field)) n;
SELECT sim.step();
SELECT s.id, s.state, s.docked_at, s.body_id, s.wake_tick, s.dest_kind, s.dest_id,
       s.arrival_tick > (SELECT tick FROM sim.world) AS arrives_later
  FROM sim.ship s, cast_ WHERE s.id IN (m, t, h) ORDER BY s.id;
SELECT pg_temp.try(format($$SELECT * FROM sim.navigate(%s, 'station:%s')$$, t, home)) AS navigate_flying FROM cast_;
SELECT pg_temp.try(format('SELECT sim.dock(%s, %s)', h, home)) AS dock_docking FROM cast_;
SELECT pg_temp.try(format('SELECT sim.dock(%s, %s)', t, home)) AS dock_flying FROM cast_;
SELECT pg_temp.try(format('SELECT sim.mine(%s)', m)) AS mine_flying FROM cast_;
-- docking takes dock_ticks; then the hauler waits for a slot, tick after tick
SELECT sim.step(5);
SELECT s.state, s.wake_tick = w.tick + 1 AS wakes_next_tick FROM sim.ship s, cast_, sim.world w WHERE s.id = h;
SELECT sim.step(10);
SELECT s.state, s.wake_tick = w.tick + 1 AS wakes_next_tick FROM sim.ship s, cast_, sim.world w WHERE s.id = h;
-- the patrol leaves: its slot frees, and the hauler takes it at once
SELECT sim.undock(p) > 0 AS p_queued FROM cast_;
SELECT sim.step();
SELECT s.id, s.state, s.docked_at FROM sim.ship s, cast_ WHERE s.id IN (h, p) ORDER BY s.id;
SELECT st.docking_slots, count(*) AS docked
  FROM sim.station st JOIN sim.ship s ON s.docked_at = st.id AND s.state = 'docked'
 WHERE st.id = 2 GROUP BY st.docking_slots;

---
--- Flying to a body: orbiting.  Field 1102 has nothing to mine.
---
SELECT sim.step((SELECT s.arrival_tick - w.tick FROM sim.ship s, cast_, sim.world w WHERE s.id = m)::integer - 1) > 0
       AS stepped_to_the_tick_before_arrival;
SELECT s.state FROM sim.ship s, cast_ WHERE s.id = m;
SELECT sim.step();
SELECT s.state, s.body_id, s.docked_at, s.arrival_tick, s.dest_kind,
       round((ST_3DDistance(ST_MakePoint(s.x, s.y, s.z), b.pos) - b.radius)::numeric, 3) AS km_above
  FROM sim.ship s, cast_, sim.body b WHERE s.id = m AND b.id = field;
SELECT pg_temp.try(format('SELECT sim.mine(%s)', m)) AS mine_nothing_left FROM cast_;
SELECT pg_temp.try(format('SELECT sim.mine(%s, %s)', m, rock)) AS mine_other_body FROM cast_;
SELECT pg_temp.try(format('SELECT sim.dock(%s, %s)', m, home)) AS dock_orbiting FROM cast_;
SELECT pg_temp.try(format('SELECT sim.undock(%s)', m)) AS undock_orbiting FROM cast_;

-- from orbit to the asteroid
SELECT n.legs FROM cast_, sim.navigate(m, format('body:%s', rock)) n;
SELECT sim.step();
SELECT s.state, s.body_id FROM sim.ship s, cast_ WHERE s.id = m;
SELECT sim.step((SELECT s.arrival_tick - w.tick FROM sim.ship s, cast_, sim.world w WHERE s.id = m)::integer) > 0
       AS stepped_to_arrival;
SELECT s.state, s.body_id, s.arrival_tick IS NULL AS at_rest,
       round((ST_3DDistance(ST_MakePoint(s.x, s.y, s.z), b.pos) - b.radius)::numeric, 3) AS km_above
  FROM sim.ship s, cast_, sim.body b WHERE s.id = m AND b.id = rock;

---
--- Mining: a cycle every mine_cycle_ticks, until the hold is full
---
CREATE TEMP TABLE deposit_before AS SELECT d.* FROM sim.deposit d, cast_ WHERE d.body_id = rock;
SELECT sim.mine(m) > 0 AS mine_queued FROM cast_;
SELECT pg_temp.try(format('SELECT sim.mine(%s)', m)) AS mine_pending FROM cast_;
SELECT sim.step();
CREATE TEMP TABLE mining_from AS SELECT tick FROM sim.world;
SELECT s.state, s.body_id, s.wake_tick - w.tick AS ticks_to_first_cycle
  FROM sim.ship s, cast_, sim.world w WHERE s.id = m;
SELECT pg_temp.try(format('SELECT sim.mine(%s)', m)) AS mine_mining FROM cast_;
SELECT pg_temp.try(format($$SELECT * FROM sim.navigate(%s, 'station:%s')$$, m, home)) AS navigate_mining FROM cast_;
SELECT pg_temp.try(format('SELECT sim.dock(%s, %s)', m, home)) AS dock_mining FROM cast_;
SELECT sim.step(29);
SELECT count(*) AS cargo_rows FROM sim.ship_cargo, cast_ WHERE ship_id = m;
-- first cycle
SELECT sim.step();
SELECT c.good_id, c.qty FROM sim.ship_cargo c, cast_ WHERE c.ship_id = m ORDER BY c.good_id;
SELECT s.state, s.wake_tick - w.tick AS ticks_to_next_cycle FROM sim.ship s, cast_, sim.world w WHERE s.id = m;
-- second cycle: the hold fills, and the ship stops mining
SELECT sim.step(30);
SELECT c.good_id, c.qty FROM sim.ship_cargo c, cast_ WHERE c.ship_id = m ORDER BY c.good_id;
SELECT sum(c.qty) = k.cargo_capacity AS hold_full, s.state, s.wake_tick
  FROM sim.ship_cargo c JOIN sim.ship s ON s.id = c.ship_id JOIN sim.ship_class k ON k.id = s.class_id, cast_
 WHERE c.ship_id = m GROUP BY k.cargo_capacity, s.state, s.wake_tick;
-- the deposits lost what the hold gained, and the ledger says so, cycle by cycle
SELECT b.good_id, b.remaining - d.remaining AS mined, c.qty AS in_hold
  FROM deposit_before b JOIN sim.deposit d USING (body_id, good_id)
  LEFT JOIN sim.ship_cargo c ON c.ship_id = (SELECT m FROM cast_) AND c.good_id = b.good_id
 ORDER BY b.good_id;
SELECT l.tick - f.tick AS ticks_after_mine, l.flow, l.reason, l.good_id, l.amount, l.ship_id = m AS by_m,
       l.faction_id = s.faction_id AS for_its_faction, l.station_id
  FROM sim.ledger l, cast_, mining_from f, sim.ship s
 WHERE l.reason = 'mining' AND s.id = m ORDER BY l.id;
-- a full hold cannot mine
SELECT pg_temp.try(format('SELECT sim.mine(%s)', m)) AS mine_hold_full FROM cast_;
-- with room again it can, from orbit
SELECT sim.jettison(m, 3, 10) AS jettisoned FROM cast_;
SELECT sim.mine(m) > 0 AS mine_queued FROM cast_;
SELECT sim.step(31) > 0 AS stepped;
SELECT s.state, sum(c.qty) AS held FROM sim.ship s JOIN sim.ship_cargo c ON c.ship_id = s.id, cast_
 WHERE s.id = m GROUP BY s.state;

---
--- The trader flies to the hub: flying -> docking -> docked after dock_ticks
---
SELECT s.state FROM sim.ship s, cast_ WHERE s.id = t;
SELECT sim.step((SELECT s.arrival_tick - w.tick FROM sim.ship s, cast_, sim.world w WHERE s.id = t)::integer) > 0
       AS stepped_to_arrival;
CREATE TEMP TABLE t_arrival AS SELECT tick FROM sim.world;
SELECT s.state, s.docked_at = hub AS at_hub, s.wake_tick - w.tick AS ticks_to_dock,
       round(ST_3DDistance(ST_MakePoint(s.x, s.y, s.z), st.pos)::numeric, 3) AS km_from_hub
  FROM sim.ship s, cast_, sim.world w, sim.station st WHERE s.id = t AND st.id = hub;
SELECT sim.step(4);
SELECT s.state FROM sim.ship s, cast_ WHERE s.id = t;
SELECT sim.step();
SELECT s.state, s.docked_at = hub AS at_hub, s.wake_tick FROM sim.ship s, cast_ WHERE s.id = t;

---
--- Docking from rest near a station (sim.dock within docking_range)
---
SELECT sim.undock(t) > 0 AS queued FROM cast_;
SELECT sim.step(6);
SELECT s.state FROM sim.ship s, cast_ WHERE s.id = t;
-- 60 km off the hub: within range (100 km); 150 km off: beyond it
UPDATE sim.ship s SET x = st_x(st.pos) + 150 FROM cast_, sim.station st WHERE s.id = t AND st.id = hub;
SELECT pg_temp.try(format('SELECT sim.dock(%s, %s)', t, hub)) AS dock_150_km_off FROM cast_;
UPDATE sim.ship s SET x = st_x(st.pos) + 60 FROM cast_, sim.station st WHERE s.id = t AND st.id = hub;
SELECT sim.dock(t, hub) > 0 AS dock_60_km_off FROM cast_;
SELECT sim.step();
SELECT s.state, s.docked_at = hub AS at_hub, s.wake_tick - w.tick AS ticks_to_dock
  FROM sim.ship s, cast_, sim.world w WHERE s.id = t;
SELECT sim.step(5);
SELECT s.state, s.docked_at = hub AS at_hub FROM sim.ship s, cast_ WHERE s.id = t;

---
--- Only the transitions of sim.ship_transition: others fail with SM009
---
SELECT from_state, to_state FROM sim.ship_transition ORDER BY from_state, to_state;
UPDATE digest_before SET d = pg_temp.digest();
SELECT pg_temp.try(format($$UPDATE sim.ship SET state = 'docking' WHERE id = %s$$, t)) AS docked_to_docking FROM cast_;
SELECT pg_temp.try(format($$UPDATE sim.ship SET state = 'docked', docked_at = %s WHERE id = %s$$, home, p))
       AS idle_to_docked FROM cast_;
SELECT pg_temp.try(format($$UPDATE sim.ship SET state = CASE id WHEN %s THEN 'undocking' ELSE 'docking' END
                             WHERE id IN (%s, %s)$$, t, t, h)) AS one_bad_row_of_two FROM cast_;
SELECT d = pg_temp.digest() AS nothing_changed FROM digest_before;
-- an allowed transition made by hand is checked and recorded like the tick's
SELECT pg_temp.try(format($$UPDATE sim.ship SET state = 'idle', body_id = NULL WHERE id = %s$$, m)) AS orbiting_to_idle
  FROM cast_;
SELECT pg_temp.try(format($$UPDATE sim.ship SET state = 'mining', body_id = %s WHERE id = %s$$, rock, m)) AS idle_to_mining
  FROM cast_;
SELECT s.id, s.state, s.docked_at, s.body_id FROM sim.ship s, cast_ WHERE s.id IN (m, t, h, p) ORDER BY s.id;

---
--- Mining from rest near a body: idle -> orbiting -> mining in one tick
---
SELECT sim.jettison(m, 2, 100) AS jettisoned FROM cast_;
SELECT sim.mine(m, rock) > 0 AS mine_queued FROM cast_;
SELECT sim.step();
SELECT s.state, s.body_id = rock AS at_rock FROM sim.ship s, cast_ WHERE s.id = m;
-- the asteroid is nearly spent: the next cycle takes what is left, and the
-- ship stops mining although its hold has room
UPDATE sim.deposit d SET remaining = d.good_id + 2 FROM cast_ WHERE d.body_id = rock;
SELECT sim.step(30);
SELECT s.state, sum(c.qty) AS held FROM sim.ship s JOIN sim.ship_cargo c ON c.ship_id = s.id, cast_
 WHERE s.id = m GROUP BY s.state;
SELECT d.good_id, d.remaining FROM sim.deposit d, cast_ WHERE d.body_id = rock ORDER BY d.good_id;
SELECT l.good_id, l.amount FROM sim.ledger l, cast_, sim.world w
 WHERE l.reason = 'mining' AND l.ship_id = m AND l.tick = w.tick ORDER BY l.good_id;
SELECT pg_temp.try(format('SELECT sim.mine(%s)', m)) AS mine_spent_body FROM cast_;

-- every command above was applied by the tick after it was issued
SELECT c.id, c.kind, c.status, c.applied_tick - c.issued_tick AS ticks_to_apply, c.error
  FROM sim.command c WHERE c.status <> 'applied' OR c.applied_tick <> c.issued_tick + 1 ORDER BY c.id;
SELECT kind, count(*) AS applied FROM sim.command WHERE status = 'applied' GROUP BY kind ORDER BY kind;

---
--- sim.ship_event: one row per transition
---
SELECT e.tick, e.ship_id, e.from_state, e.to_state, e.station_id, e.body_id
  FROM sim.ship_event e, cast_ WHERE e.ship_id IN (m, t, h, p) ORDER BY e.id;
SELECT count(*) AS events_of_others FROM sim.ship_event e, cast_ WHERE e.ship_id NOT IN (m, t, h, p);
-- every event is an allowed transition
SELECT count(*) AS events_not_in_the_machine
  FROM sim.ship_event e
 WHERE NOT EXISTS (SELECT 1 FROM sim.ship_transition t WHERE t.from_state = e.from_state AND t.to_state = e.to_state);

SELECT * FROM sim.audit();

DROP OWNED BY regress_states_player;
DROP ROLE regress_states_player;
SELECT sim.reset_universe();
