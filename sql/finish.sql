-- sim: pin the search_path of every function that runs queries to pg_catalog,
-- sim and the schema PostGIS lives in (known only at install time), so a
-- caller's search_path cannot redirect them; then privileges and dumps.
DO $$
DECLARE
    gis     text := (SELECT n.nspname FROM pg_extension e JOIN pg_namespace n ON n.oid = e.extnamespace
                      WHERE e.extname = 'postgis');
    f       regprocedure;
BEGIN
    FOR f IN SELECT p.oid::regprocedure FROM pg_proc p
              WHERE p.pronamespace = 'sim'::regnamespace
                AND (p.prolang NOT IN (12, 13)  -- SQL and PL/pgSQL
                     OR p.oid IN ('sim.step(integer)'::regprocedure,       -- C functions that query
                                  'sim.navigate(bigint, text, text)'::regprocedure,
                                  'sim.undock(bigint)'::regprocedure,
                                  'sim.change_tick()'::regprocedure,
                                  'sim.change_horizon()'::regprocedure,
                                  'sim.delta(bigint, bigint, integer[], boolean)'::regprocedure,
                                  'sim.route_xyz(integer, integer, text, integer)'::regprocedure))
    LOOP
        EXECUTE format('ALTER FUNCTION %s SET search_path = pg_catalog, sim, %I', f, gis);
    END LOOP;
END
$$;

-- Operators, not everyone: the commands that change the universe's course.
REVOKE EXECUTE ON FUNCTION sim.step(integer), sim.pause(), sim.resume(), sim.wake_ticker(),
    sim.invalidate_cache(), sim.reset_universe(), sim.mute_changes(boolean), sim.reset_changes(),
    sim.maintain_changes(bigint), sim.create_publication(text),
    sim.generate_universe(bigint, integer, integer, integer, integer, boolean) FROM PUBLIC;

-- The universe's rows belong in dumps (the extension's own objects do not).
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
                             'ledger', 'ledger_id_seq', 'bt_tree', 'bt_node'] LOOP
        PERFORM pg_catalog.pg_extension_config_dump(('sim.' || t)::regclass, '');
    END LOOP;
END
$$;
