-- sim: commands that change a ship's state -- dock and mine.  Like navigate
-- and undock, they are checked when issued and queued in sim.command; the
-- next tick checks them again and applies them (or rejects them with the
-- reason), so state changes happen only at tick boundaries.

ALTER TABLE sim.command DROP CONSTRAINT command_kind_check;
ALTER TABLE sim.command ADD CONSTRAINT command_kind_check
    CHECK (kind IN ('navigate', 'undock', 'dock', 'mine'));

-- Check that a caller commanding `faction` (NULL: an operator, any ship) may
-- have ship dock at a station or mine a body now; raise the reason
-- otherwise.  Returns the ship's state after the command.
CREATE FUNCTION sim.check_state_command(kind text, ship bigint, target bigint, faction integer)
RETURNS text
LANGUAGE plpgsql STABLE AS $$
DECLARE
    s       record;
    e       sim.economy;
    d       double precision;
BEGIN
    SELECT sh.id, sh.faction_id, sh.state, sh.x, sh.y, sh.z, sh.body_id, sh.sector_id,
           c.mining_rate, c.cargo_capacity,
           (SELECT coalesce(sum(k.qty), 0) FROM sim.ship_cargo k WHERE k.ship_id = sh.id) AS held
      INTO s
      FROM sim.ship sh JOIN sim.ship_class c ON c.id = sh.class_id
     WHERE sh.id = ship;
    IF faction IS NOT NULL AND (NOT FOUND OR faction <> s.faction_id) THEN
        PERFORM sim.raise_not_yours('ship', ship);
    END IF;
    IF NOT FOUND THEN
        RAISE EXCEPTION 'ship % does not exist', ship USING ERRCODE = 'undefined_object';
    END IF;
    SELECT * INTO e FROM sim.economy;

    IF kind = 'dock' THEN
        IF s.state <> 'idle' THEN
            RAISE EXCEPTION 'ship % is %, not idle', ship, s.state
                USING ERRCODE = 'object_not_in_prerequisite_state',
                      HINT = 'A ship docks from rest in space near the station; fly there with navigate(ship, ''station:ID'') (it docks on arrival).';
        END IF;
        SELECT ST_3DDistance(st.pos, ST_MakePoint(s.x, s.y, s.z)) INTO d
          FROM sim.station st WHERE st.id = target;
        IF NOT FOUND THEN
            RAISE EXCEPTION 'station % does not exist', target USING ERRCODE = 'undefined_object';
        END IF;
        IF d > e.docking_range THEN
            RAISE EXCEPTION 'ship % is % km from station %, beyond the docking range of % km',
                ship, round(d::numeric, 1), target, e.docking_range
                USING ERRCODE = 'object_not_in_prerequisite_state',
                      HINT = format('Fly there first: navigate(%s, ''station:%s'').', ship, target);
        END IF;
        RETURN 'docking';
    ELSIF kind = 'mine' THEN
        IF s.mining_rate <= 0 THEN
            RAISE EXCEPTION 'ship % has no mining equipment', ship
                USING ERRCODE = 'object_not_in_prerequisite_state',
                      DETAIL = 'Its hull class has a mining rate of 0.';
        END IF;
        IF s.state = 'orbiting' THEN
            IF target IS NOT NULL AND target <> s.body_id THEN
                RAISE EXCEPTION 'ship % orbits body %, not body %', ship, s.body_id, target
                    USING ERRCODE = 'object_not_in_prerequisite_state';
            END IF;
            target := s.body_id;
        ELSIF s.state = 'idle' THEN
            IF target IS NULL THEN
                RAISE EXCEPTION 'ship % orbits no body; name the body to mine', ship
                    USING ERRCODE = 'null_value_not_allowed';
            END IF;
            SELECT ST_3DDistance(b.pos, ST_MakePoint(s.x, s.y, s.z)) - b.radius INTO d
              FROM sim.body b WHERE b.id = target;
            IF NOT FOUND THEN
                RAISE EXCEPTION 'body % does not exist', target USING ERRCODE = 'undefined_object';
            END IF;
            IF d > e.mining_range THEN
                RAISE EXCEPTION 'ship % is % km above body %, beyond the mining range of % km',
                    ship, round(d::numeric, 1), target, e.mining_range
                    USING ERRCODE = 'object_not_in_prerequisite_state',
                          HINT = format('Fly there first: navigate(%s, ''body:%s'').', ship, target);
            END IF;
        ELSE
            RAISE EXCEPTION 'ship % is %; it mines from orbit or from rest near a body', ship, s.state
                USING ERRCODE = 'object_not_in_prerequisite_state';
        END IF;
        IF NOT EXISTS (SELECT 1 FROM sim.deposit dp WHERE dp.body_id = target AND dp.remaining > 0) THEN
            RAISE EXCEPTION 'body % has nothing left to mine', target
                USING ERRCODE = 'object_not_in_prerequisite_state';
        END IF;
        IF s.held >= s.cargo_capacity THEN
            RAISE EXCEPTION 'ship % has no room in its hold', ship
                USING ERRCODE = 'SM003', HINT = 'Sell or jettison cargo first.';
        END IF;
        RETURN 'mining';
    END IF;
    RAISE EXCEPTION 'unknown command kind "%"', sim.echo(kind) USING ERRCODE = 'invalid_parameter_value';
END
$$;
COMMENT ON FUNCTION sim.check_state_command(text, bigint, bigint, integer) IS
    'Raise why a dock or mine command of a faction (NULL: an operator) cannot be carried out now; returns the state it leads to';

-- The tick applies a checked command: returns the tick the ship wakes at.
CREATE FUNCTION sim.apply_state_command(kind text, ship bigint, target bigint, faction integer, tick bigint)
RETURNS bigint
LANGUAGE plpgsql AS $$
DECLARE
    e       sim.economy;
    wake    bigint;
BEGIN
    PERFORM sim.check_state_command(kind, ship, target, faction);
    SELECT * INTO e FROM sim.economy;
    IF kind = 'dock' THEN
        wake := tick + e.dock_ticks;
        UPDATE sim.ship s SET state = 'docking', docked_at = target::integer, wake_tick = wake
         WHERE s.id = apply_state_command.ship;
    ELSE
        wake := tick + e.mine_cycle_ticks;
        -- from rest near the body: first into orbit, then mining
        UPDATE sim.ship s SET state = 'orbiting', body_id = target::integer
         WHERE s.id = apply_state_command.ship AND s.state = 'idle';
        UPDATE sim.ship s SET state = 'mining', wake_tick = wake
         WHERE s.id = apply_state_command.ship;
    END IF;
    RETURN wake;
END
$$;

CREATE FUNCTION sim.queue_state_command(kind text, ship bigint, target bigint) RETURNS bigint
LANGUAGE plpgsql AS $$
DECLARE
    id      bigint;
BEGIN
    PERFORM sim.require_arg(ship, 'ship');
    PERFORM sim.check_state_command(kind, ship, target, sim.commanding_faction());
    IF EXISTS (SELECT 1 FROM sim.command c WHERE c.ship_id = ship AND c.status = 'pending') THEN
        RAISE EXCEPTION 'ship % already has a pending command', ship
            USING ERRCODE = 'object_not_in_prerequisite_state',
                  HINT = 'Wait for the next tick to apply it.';
    END IF;
    -- a command queued meanwhile by another session wins (see sim.pending_command)
    INSERT INTO sim.command (ship_id, kind, dest_kind, dest_id, issued_tick)
    VALUES (ship, kind, CASE WHEN kind = 'dock' THEN 'station' WHEN target IS NOT NULL THEN 'body' END,
            target, (SELECT w.tick FROM sim.world w))
    RETURNING sim.command.id INTO id;
    IF id IS NULL THEN
        RAISE EXCEPTION 'ship % already has a pending command', ship
            USING ERRCODE = 'object_not_in_prerequisite_state',
                  HINT = 'Wait for the next tick to apply it.';
    END IF;
    RETURN id;
END
$$;

CREATE FUNCTION sim.dock(ship bigint, station integer) RETURNS bigint
LANGUAGE plpgsql AS $$
DECLARE
    id      bigint;
BEGIN
    PERFORM sim.require_arg(station, 'station');
    id := sim.queue_state_command('dock', ship, station);
    PERFORM sim.journal_write('dock', jsonb_build_object('ship', dock.ship, 'station', dock.station));  -- journal
    RETURN id;
END
$$;
COMMENT ON FUNCTION sim.dock(bigint, integer) IS
    'Queue docking of an idle ship within docking range of a station; returns the command id (the next tick starts docking)';

CREATE FUNCTION sim.mine(ship bigint, body integer DEFAULT NULL) RETURNS bigint
LANGUAGE plpgsql AS $$
DECLARE
    id      bigint;
BEGIN
    id := sim.queue_state_command('mine', ship, body);
    PERFORM sim.journal_write('mine', jsonb_build_object('ship', mine.ship, 'body', mine.body));  -- journal
    RETURN id;
END
$$;
COMMENT ON FUNCTION sim.mine(bigint, integer) IS
    'Queue mining of the orbited body (or of a body within mining range); returns the command id';
