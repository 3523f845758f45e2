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
        RETURN QUERY
        SELECT v.* FROM sim.ships_in_view(view_projection, sector) v
         WHERE v.faction_id = me OR v.id IN (SELECT c.id FROM sim.visible_contacts() c)
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
