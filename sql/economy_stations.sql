-- sim: the stations' part of a tick -- production, population consumption,
-- contract expiry and creation, price history -- and the marks that keep
-- the economy's world in the ticking backends up to date.
--
-- The tick runs the stations' part in C (src/core/eco_stations.c, on the
-- world it keeps, src/eco_load.c); sim.run_stations(tick) runs it alone,
-- as a tick would.  Commands exclude ticks (sim.tick_guard), so every
-- trade a command recorded is committed before the tick that aggregates it
-- starts.  Everything is deterministic: rows are visited in a fixed order
-- (ids), and nothing depends on time or chance.

CREATE FUNCTION sim.economy_stations(tick bigint) RETURNS void
AS 'MODULE_PATHNAME', 'sim_economy_stations'
LANGUAGE C STRICT VOLATILE;
COMMENT ON FUNCTION sim.economy_stations(bigint) IS
    'The stations'' part of tick `tick` (src/core/eco_stations.c), for sim.run_stations';

CREATE FUNCTION sim.run_stations(tick bigint) RETURNS void
LANGUAGE plpgsql VOLATILE AS $$
BEGIN
    PERFORM sim.require_arg(tick, 'tick');
    IF tick < 0 THEN
        RAISE EXCEPTION 'tick must not be negative, not %', tick
            USING ERRCODE = 'invalid_parameter_value';
    END IF;
    PERFORM sim.tick_guard();
    PERFORM sim.economy_stations(tick);
END
$$;
COMMENT ON FUNCTION sim.run_stations(bigint) IS
    'The stations'' part of a tick: production, consumption paid by the population, contract expiry and creation, price history (called by the tick)';


-- The economy's world is kept in each ticking backend between ticks
-- (src/eco_load.c).  Every write to a table it is made of marks it: a
-- statement trigger per table, its argument the part of the world the table
-- belongs to.  The triggers fire on subscribers too (ENABLE ALWAYS); the
-- apply of logical replication fires row triggers only, so a row trigger,
-- enabled in replica mode alone, marks what it writes.
CREATE FUNCTION sim.economy_written() RETURNS trigger
AS 'MODULE_PATHNAME', 'sim_economy_written'
LANGUAGE C;
COMMENT ON FUNCTION sim.economy_written() IS
    'Trigger: a write to a table of the economy''s kept world makes the ticking backends reload that part';

DO $$
DECLARE
    r   record;
BEGIN
    FOR r IN SELECT * FROM (VALUES
            ('economy', 'static', 'UPDATE OF spread, tax_rate, dock_ticks, undock_ticks, mine_cycle_ticks, '
                                  'contract_period_ticks, contract_ticks, npc_cooldown_ticks, budget_period_ticks, '
                                  'money_anchor, anchor_pull_ppm, docking_fee, tow_fee, dock_stay_ticks, '
                                  'handling_rate, recipe_batches, mining_speed OR INSERT OR DELETE'),
            ('good', 'static', NULL), ('ship_class', 'static', NULL), ('sector', 'static', NULL),
            ('jump_gate', 'static', NULL),
            ('station', 'static', 'UPDATE OF id, faction_id, sector_id, pos, docking_slots, storage_capacity '
                                  'OR INSERT OR DELETE'),
            ('ship_transition', 'static', NULL), ('bt_tree', 'static', NULL), ('bt_node', 'static', NULL),
            ('recipe', 'static', NULL), ('recipe_input', 'static', NULL), ('recipe_output', 'static', NULL),
            ('station_recipe', 'static', NULL), ('station_demand', 'static', NULL),
            ('station_stock', 'dynamic', NULL), ('wallet', 'dynamic', NULL), ('body', 'dynamic', NULL),
            ('deposit', 'dynamic', NULL)) AS t(tab, part, events)
    LOOP
        EXECUTE format('CREATE TRIGGER economy_written AFTER %s ON sim.%I FOR EACH STATEMENT '
                       'EXECUTE FUNCTION sim.economy_written(%L)',
                       coalesce(r.events, 'INSERT OR UPDATE OR DELETE'), r.tab, r.part);
        EXECUTE format('CREATE TRIGGER economy_truncated AFTER TRUNCATE ON sim.%I FOR EACH STATEMENT '
                       'EXECUTE FUNCTION sim.economy_written(%L)', r.tab, r.part);
        EXECUTE format('ALTER TABLE sim.%I ENABLE ALWAYS TRIGGER economy_written', r.tab);
        EXECUTE format('ALTER TABLE sim.%I ENABLE ALWAYS TRIGGER economy_truncated', r.tab);
        -- logical replication's apply fires row triggers only: one that runs in replica mode alone
        EXECUTE format('CREATE TRIGGER economy_replicated AFTER INSERT OR UPDATE OR DELETE ON sim.%I '
                       'FOR EACH ROW EXECUTE FUNCTION sim.economy_written(%L)', r.tab, r.part);
        EXECUTE format('ALTER TABLE sim.%I ENABLE REPLICA TRIGGER economy_replicated', r.tab);
    END LOOP;
END
$$;
