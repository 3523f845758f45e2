-- sim: what a camera sees.  sim.ships_in_view (src/api_view.c) answers
-- "which ships of this sector are in this view" for operators, from the
-- shared-memory grid culled by the view frustum (src/core/frustum.c), or
-- from sim.ship_live when the grid does not describe the current tick;
-- api.ships_in_view serves it to each caller within what it may see.
--
-- The rule (docs/api.md): view_projection is a column-major 4x4 matrix M
-- (WebGL's and cglm's order) taking a ship's km coordinates, those of
-- sim.ship_live.pos, to OpenGL clip space; a ship is in view when
-- clip = M * (x, y, z, 1) has w > 0 and -w <= x, y, z <= w, each clip
-- coordinate computed in double precision as
-- ((m[1] * x + m[5] * y) + m[9] * z) + m[13] (x; 1-based, SQL's order).

CREATE FUNCTION sim.ships_in_view(view_projection double precision[], sector integer)
RETURNS TABLE (id bigint, faction_id integer, class_id integer, sector_id integer, state text,
               x double precision, y double precision, z double precision)
AS 'MODULE_PATHNAME', 'sim_ships_in_view'
LANGUAGE C STABLE;
COMMENT ON FUNCTION sim.ships_in_view(double precision[], integer) IS
    'Every ship of a sector in the view of a column-major view-projection matrix at the current tick, by id (the grid culled by the frustum, or sim.ship_live)';

CREATE FUNCTION sim.view_check(view_projection double precision[], sector integer) RETURNS void
AS 'MODULE_PATHNAME', 'sim_view_check'
LANGUAGE C STABLE;
COMMENT ON FUNCTION sim.view_check(double precision[], integer) IS
    'The checks sim.ships_in_view makes of its arguments, with its errors, and nothing else';
CREATE FUNCTION sim.in_view(view_projection double precision[], x double precision,
                            y double precision, z double precision) RETURNS boolean
AS 'MODULE_PATHNAME', 'sim_in_view'
LANGUAGE C IMMUTABLE PARALLEL SAFE;
COMMENT ON FUNCTION sim.in_view(double precision[], double precision, double precision, double precision) IS
    'Whether a point (km) is in a view-projection matrix''s view, by sim.ships_in_view''s rule';
CREATE FUNCTION api.ships_in_view(view_projection double precision[], sector integer,
                                  max_ships integer DEFAULT NULL)
RETURNS TABLE (id bigint, faction_id integer, class_id integer, sector_id integer, state text,
               x double precision, y double precision, z double precision)
LANGUAGE plpgsql STABLE SECURITY DEFINER AS $$
DECLARE
    me      integer := sim.commanding_faction();    -- NULL: an operator; 42501: neither
    n       bigint;
BEGIN
    IF max_ships IS NOT NULL AND max_ships < 1 THEN
        RAISE EXCEPTION 'max_ships must be at least 1, not %', max_ships
            USING ERRCODE = 'invalid_parameter_value';
    END IF;
    IF me IS NULL THEN
        RETURN QUERY SELECT v.* FROM sim.ships_in_view(view_projection, sector) v ORDER BY v.id;
    ELSE
        -- Only what the player may see is tested against the view: neither
        -- the answer nor its cost depends on the ships it may not see.
        PERFORM sim.view_check(view_projection, sector);
        RETURN QUERY
        SELECT v.* FROM (
            SELECT l.id, l.faction_id, l.class_id, l.sector_id, l.state::text,
                   sim.st_x(l.pos), sim.st_y(l.pos), sim.st_z(l.pos)
              FROM sim.ship_live l
             WHERE l.faction_id = me AND l.sector_id = ships_in_view.sector
            UNION ALL
            SELECT c.id, c.faction_id, c.class_id, c.sector_id, c.state::text, c.x, c.y, c.z
              FROM sim.visible_contacts() c
             WHERE c.sector_id = ships_in_view.sector) v (id, faction_id, class_id, sector_id, state, x, y, z)
         WHERE sim.in_view(view_projection, v.x, v.y, v.z)
         ORDER BY v.id;
    END IF;
    GET DIAGNOSTICS n = ROW_COUNT;
    IF n > max_ships THEN
        RAISE EXCEPTION '% ships are in view, more than max_ships (%)', n, max_ships
            USING ERRCODE = 'program_limit_exceeded',
                  HINT = 'Narrow the view (zoom in) or raise max_ships.';
    END IF;
END
$$;
COMMENT ON FUNCTION api.ships_in_view(double precision[], integer, integer) IS
    'Ships of a sector in a camera''s view at the current tick (view_projection: column-major 4x4, km to clip space): an operator''s all, a player''s own and contacts; 54000 when more than max_ships';

REVOKE EXECUTE ON FUNCTION api.ships_in_view(double precision[], integer, integer) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION api.ships_in_view(double precision[], integer, integer) TO sim_player, sim_operator;
