-- sim: resolve PostGIS through sim, pin the search_path of every function
-- that runs queries, then privileges and dumps; and last, check the
-- vocabularies.
--
-- Search paths hold no schema another role could write to: functions run
-- with pg_catalog, sim, pg_temp (SECURITY DEFINER ones with pg_catalog,
-- pg_temp only, their bodies qualifying everything).  PostGIS lives in a
-- schema known only at install time -- often public, which a database owner
-- or an old default may let others write to -- so the few PostGIS
-- functions sim's bodies call are reached through sim.st_* wrappers that
-- name that schema (inlined by the planner: they cost nothing).

-- The vocabularies (include/sim/core/vocab.h and SIM_LEG_FIELDS) against
-- what names them: the tables of the generated sql/vocab.sql against the
-- library loaded (sim.vocabulary()), the change record's codes and fields
-- against the tables, and the hand-written schema against sim.leg_field.
-- Raises SM011 at the first disagreement.  Runs at the end of the install
-- script and in each backend before its first tick (SimVocabCheck).
CREATE FUNCTION sim.check_vocabulary() RETURNS void
LANGUAGE plpgsql STABLE AS $$
DECLARE
    legs    text[] := ARRAY(SELECT f.name FROM sim.leg_field f ORDER BY f.pos);
    fields  text[] := (SELECT k.fields FROM sim.change_kind k WHERE k.name = 'ship');
    leg_fn  regprocedure := to_regprocedure(
                'sim.leg_state(' || (SELECT string_agg(f.type, ', ' ORDER BY f.pos) FROM sim.leg_field f)
                || ', bigint)');
    bad     text;
    tab     text;
    con     text;
BEGIN
    -- the tables against this build of the library
    SELECT format('%s %s is %s in the tables and %s in the library', coalesce(l.vocabulary, t.vocabulary),
                  coalesce(l.code, t.code), coalesce(quote_literal(t.name || coalesce(' ' || t.type, '')), 'absent'),
                  coalesce(quote_literal(l.name || coalesce(' ' || l.type, '')), 'absent'))
      INTO bad
      FROM (SELECT 'ship_state' AS vocabulary, s.code::integer AS code, s.name, NULL::text AS type
              FROM sim.ship_state s
            UNION ALL
            SELECT 'npc_role', r.code, r.name, NULL FROM sim.npc_role r
            UNION ALL
            SELECT 'leg_field', f.pos, f.name, f.type FROM sim.leg_field f) t
      FULL JOIN sim.vocabulary() l ON l.vocabulary = t.vocabulary AND l.code = t.code
     WHERE l.name IS DISTINCT FROM t.name OR l.type IS DISTINCT FROM t.type
     ORDER BY 1 LIMIT 1;
    IF bad IS NOT NULL THEN
        RAISE EXCEPTION 'the vocabulary tables of sim do not match its library'
            USING ERRCODE = 'SM011', DETAIL = bad || '.',
                  HINT = 'The library and the install script come from different builds: install one build and recreate the extension.';
    END IF;

    -- the change record: state codes as in sim.ship_state, the leg's fields in order
    IF ARRAY(SELECT c.code || ' ' || c.label FROM sim.change_code c
              WHERE c.kind = 1 AND c.field = 'state' ORDER BY c.code)
       IS DISTINCT FROM ARRAY(SELECT s.code || ' ' || s.name FROM sim.ship_state s ORDER BY s.code) THEN
        bad := 'sim.change_code does not code the ship states as sim.ship_state does';
    ELSIF ',' || array_to_string(fields, ',') || ',' NOT LIKE '%,' || array_to_string(legs, ',') || ',%' THEN
        bad := 'the ship fields of sim.change_kind do not hold the columns of sim.leg_field in order';
    END IF;

    -- every table that holds a leg has its columns, and rejects NaN in the float ones
    FOREACH tab IN ARRAY ARRAY['ship', 'flight_leg'] LOOP
        EXIT WHEN bad IS NOT NULL;
        SELECT format('sim.%s has no column %s of type %s', tab, f.name, f.type) INTO bad
          FROM sim.leg_field f
          LEFT JOIN pg_catalog.pg_attribute a
                 ON a.attrelid = ('sim.' || tab)::regclass AND a.attname = f.name AND NOT a.attisdropped
         WHERE a.atttypid IS NULL OR pg_catalog.format_type(a.atttypid, NULL) <> f.type
         ORDER BY f.pos LIMIT 1;
        EXIT WHEN bad IS NOT NULL;
        con := CASE tab WHEN 'ship' THEN 'ship_plan_finite' ELSE 'flight_leg_finite' END;
        SELECT format('constraint %s of sim.%s does not check column %s', con, tab, f.name) INTO bad
          FROM sim.leg_field f
          JOIN pg_catalog.pg_attribute a ON a.attrelid = ('sim.' || tab)::regclass AND a.attname = f.name
         WHERE f.type = 'double precision'
           AND NOT EXISTS (SELECT 1 FROM pg_catalog.pg_constraint c
                            WHERE c.conrelid = ('sim.' || tab)::regclass AND c.conname = con
                              AND a.attnum = ANY (c.conkey))
         ORDER BY f.pos LIMIT 1;
    END LOOP;

    -- sim.leg_state takes the leg's columns by name, then the tick
    IF bad IS NULL AND (leg_fn IS NULL OR (SELECT p.proargnames[1:cardinality(legs) + 1] FROM pg_catalog.pg_proc p
                                            WHERE p.oid = leg_fn) IS DISTINCT FROM legs || 'tick'::text) THEN
        bad := format('sim.leg_state does not take the arguments (%s, tick), of the types of sim.leg_field',
                      array_to_string(legs, ', '));
    END IF;

    -- the shared world reloads when a leg column of a ship changes
    IF bad IS NULL THEN
        SELECT format('trigger ship_changed of sim.ship does not fire on UPDATE OF %s', f.name) INTO bad
          FROM sim.leg_field f
          JOIN pg_catalog.pg_attribute a ON a.attrelid = 'sim.ship'::regclass AND a.attname = f.name
         WHERE NOT EXISTS (SELECT 1 FROM pg_catalog.pg_trigger g
                            WHERE g.tgrelid = 'sim.ship'::regclass AND g.tgname = 'ship_changed'
                              AND a.attnum = ANY (g.tgattr::int2[]))
         ORDER BY f.pos LIMIT 1;
    END IF;

    IF bad IS NOT NULL THEN
        RAISE EXCEPTION 'the schema of sim does not match its vocabularies'
            USING ERRCODE = 'SM011', DETAIL = bad || '.',
                  HINT = 'include/sim/core/vocab.h and kinematics.h list the ship states, roles and leg columns; the schema must name the same.';
    END IF;
END
$$;
COMMENT ON FUNCTION sim.check_vocabulary() IS
    'Check that the vocabulary tables match the library and that the schema names every leg column (SM011 if not)';
DO $$
DECLARE
    gis     text := (SELECT n.nspname FROM pg_extension e JOIN pg_namespace n ON n.oid = e.extnamespace
                      WHERE e.extname = 'postgis');
    w       text[];
BEGIN
    FOREACH w SLICE 1 IN ARRAY ARRAY[
            ['st_x', 'g %1$I.geometry', 'double precision', '%1$I.st_x(g)'],
            ['st_y', 'g %1$I.geometry', 'double precision', '%1$I.st_y(g)'],
            ['st_z', 'g %1$I.geometry', 'double precision', '%1$I.st_z(g)'],
            ['st_makepoint', 'x double precision, y double precision, z double precision', '%1$I.geometry',
             '%1$I.st_makepoint(x, y, z)'],
            ['st_3ddistance', 'a %1$I.geometry, b %1$I.geometry', 'double precision', '%1$I.st_3ddistance(a, b)'],
            ['geometrytype', 'g %1$I.geometry', 'text', '%1$I.geometrytype(g)']] LOOP
        EXECUTE format('CREATE FUNCTION sim.%s(%s) RETURNS %s LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE '
                       'RETURN %s', w[1], format(w[2], gis), format(w[3], gis), format(w[4], gis));
        EXECUTE format('COMMENT ON FUNCTION sim.%s IS %L', w[1],
                       format('PostGIS''s %s, named with its schema (%s) so that sim''s search_path needs no schema others may write to', w[1], gis));
    END LOOP;
END
$$;

DO $$
DECLARE
    f       regprocedure;
    definer boolean;
BEGIN
    FOR f, definer IN SELECT p.oid::regprocedure, p.prosecdef FROM pg_proc p
                       WHERE p.pronamespace IN ('sim'::regnamespace, 'api'::regnamespace)
                         AND (p.prolang NOT IN (12, 13)  -- SQL and PL/pgSQL
                              OR p.oid IN ('sim.step(integer)'::regprocedure,       -- C functions that query
                                           'sim.navigate(bigint, text, text)'::regprocedure,
                                           'sim.undock(bigint)'::regprocedure,
                                           'sim.change_tick()'::regprocedure,
                                           'sim.change_horizon()'::regprocedure,
                                           'sim.notify_epoch()'::regprocedure,
                                           'sim.delta(bigint, bigint, integer[], boolean, bigint)'::regprocedure,
                                           'sim.delta_state(integer[], bigint)'::regprocedure,
                                           'sim.ships_in_view(double precision[], integer)'::regprocedure,
                                           'sim.view_check(double precision[], integer)'::regprocedure,
                                           'sim.route_xyz(integer, integer, text, integer)'::regprocedure))
                         AND p.prosqlbody IS NULL  -- not the PostGIS wrappers: parsed at install
    LOOP
        IF definer THEN
            EXECUTE format('ALTER FUNCTION %s SET search_path = pg_catalog, pg_temp', f);
        ELSE
            EXECUTE format('ALTER FUNCTION %s SET search_path = pg_catalog, sim, pg_temp', f);
        END IF;
    END LOOP;
END
$$;

-- Nobody reaches sim but operators (and the extension's owner): players
-- and anonymous clients act and read through api (sql/api.sql), whose views
-- call only the sim functions granted to them there.
REVOKE ALL ON ALL TABLES IN SCHEMA sim FROM PUBLIC;
REVOKE ALL ON ALL SEQUENCES IN SCHEMA sim FROM PUBLIC;
REVOKE EXECUTE ON ALL FUNCTIONS IN SCHEMA sim FROM PUBLIC;
GRANT USAGE ON SCHEMA sim TO sim_operator;
GRANT ALL ON ALL TABLES IN SCHEMA sim TO sim_operator;
GRANT ALL ON ALL SEQUENCES IN SCHEMA sim TO sim_operator;
GRANT EXECUTE ON ALL FUNCTIONS IN SCHEMA sim TO sim_operator;
REVOKE EXECUTE ON FUNCTION sim.run_stations(bigint) FROM sim_operator;  -- a step of the tick only
REVOKE EXECUTE ON FUNCTION sim.economy_stations(bigint) FROM sim_operator;
GRANT EXECUTE ON FUNCTION sim.leg_state(double precision, double precision, double precision,
                                        double precision, double precision, double precision,
                                        double precision, double precision, double precision,
                                        double precision, bigint, bigint),
                          sim.market_quote(bigint, bigint, bigint, double precision),
                          sim.viewer_faction(), sim.visible_contacts(), sim.error_codes(), sim.limits()
    TO sim_player, sim_anon;

-- The universe's rows belong in dumps (the extension's own objects do not).
-- The raw history's rows are in its partitions, which are not members of the
-- extension, so pg_dump writes them whole (sql/history.sql); the policy's row
-- replaces the one the extension installs.
DO $$
DECLARE
    t   text;
BEGIN
    FOREACH t IN ARRAY ARRAY['world', 'faction', 'wallet', 'sector', 'jump_gate', 'good', 'recipe',
                             'recipe_input', 'recipe_output', 'body', 'deposit', 'station',
                             'station_recipe', 'station_stock', 'ship_class', 'ship', 'ship_cargo',
                             'npc_personality', 'player', 'command', 'flight_leg', 'tick_log',
                             'command_id_seq', 'economy', 'station_demand', 'ship_event',
                             'ship_event_id_seq', 'trade', 'trade_id_seq', 'price_history',
                             'market_order', 'market_order_id_seq', 'contract', 'contract_id_seq',
                             'ledger', 'ledger_id_seq', 'bt_tree', 'bt_node', 'player_id_seq',
                             'player_ship_id', 'pending_command', 'history_policy', 'history_period',
                             'market_period', 'sector_market_period', 'flow_period', 'money_period',
                             'wallet_period', 'ship_period'] LOOP
        PERFORM pg_catalog.pg_extension_config_dump(('sim.' || t)::regclass, '');
    END LOOP;
END
$$;

-- The extension installs only when its parts agree.
SELECT sim.check_vocabulary();

-- PostgREST reloads its schema cache (PostGraphile watches by itself).
NOTIFY pgrst, 'reload schema';
