--
-- report_access: who may read the report schema and the health, and what a
-- hostile reader learns.  Aggregated market data is public (sim_anon,
-- sim_player, sim_operator read every view but report.trader_profit); a
-- faction's trades and profit are private (report.trader_profit: a player
-- sees its own faction's rows, an operator all, sim_anon nothing); the
-- rollups, bands and health stay in sim (operators only); only operators
-- edit the bands, and the bands' CHECKs hold for them too.
--
SET client_min_messages = warning;
CREATE EXTENSION IF NOT EXISTS sim CASCADE;
SELECT sim.reset_universe();
RESET client_min_messages;
SELECT sim.generate_universe(31, 2, 60) IS NOT NULL AS generated;
UPDATE sim.history_policy SET period_ticks = 50, partition_ticks = 50;
CREATE TEMP TABLE who AS
SELECT sim.create_player('Report A', credits => 50000) AS a, sim.create_player('Report B', credits => 50000) AS b;
ALTER TABLE who ADD COLUMN fa integer;
UPDATE who SET fa = (SELECT faction_id FROM sim.player WHERE name = 'Report A');
GRANT SELECT ON who TO PUBLIC;
-- A buys something, so it has a trade of its own
SELECT sim.buy(s.id, m.good_id, 5) IS NOT NULL AS a_bought
  FROM who JOIN sim.player p ON p.id = who.a JOIN sim.ship s ON s.faction_id = p.faction_id
  JOIN LATERAL (SELECT mk.good_id FROM sim.market mk WHERE mk.station_id = s.docked_at AND mk.stock > 100
                 ORDER BY mk.ask LIMIT 1) m ON true;
-- and B leaves a buy order in the book
SELECT sim.place_order(s.id, 1, 'buy', 10, 2) IS NOT NULL AS b_ordered
  FROM who JOIN sim.player p ON p.id = who.b JOIN sim.ship s ON s.faction_id = p.faction_id;
SELECT sim.step(300);

-- One request as PostgREST sends it: role, claims, query; the value or the error.
CREATE FUNCTION pg_temp.request(role text, sub text, q text) RETURNS text
LANGUAGE plpgsql AS $$
DECLARE
    result  text;
BEGIN
    PERFORM set_config('role', role, true);
    PERFORM set_config('request.jwt.claims',
                       CASE WHEN sub IS NULL THEN '' ELSE json_build_object('role', role, 'sub', sub)::text END, true);
    BEGIN
        EXECUTE q INTO result;
    EXCEPTION WHEN others THEN
        result := SQLSTATE;
    END;
    PERFORM set_config('request.jwt.claims', '', true);
    PERFORM set_config('role', 'none', true);
    RETURN result;
END
$$;

-- Who may read each view, and what a hostile reader learns from it: the
-- answer for every view of report (a view without one fails below).
CREATE TEMP TABLE answer (view text PRIMARY KEY, public boolean, learns text);
INSERT INTO answer VALUES
    ('market_ohlcv', true, 'prices, volumes and quotes per station: what every docked pilot sees, summed'),
    ('market_ohlcv_day', true, 'the same per day'),
    ('sector_ohlcv', true, 'the same per sector'),
    ('sector_ohlcv_day', true, 'the same per sector and day'),
    ('order_book', true, 'open orders per price level: how many and how much, not whose'),
    ('price_index', true, 'price levels per category'),
    ('money_supply', true, 'money by holder class: the players'' total, not any one''s'),
    ('faucets_sinks', true, 'credits created and destroyed per reason'),
    ('sector_production', true, 'goods made, used and mined per sector'),
    ('trade_flows', true, 'goods carried between sectors; a route one ship alone flew, but not which ship'),
    ('arbitrage', true, 'spreads between public quotes'),
    ('station_margin', true, 'spreads of public quotes'),
    ('station_margin_period', true, 'the same per period'),
    ('manufacturing_margin', true, 'recipes at public quotes'),
    ('wealth_distribution', true, 'inequality; the richest faction''s wealth (top1_share * wealth), not who it is'),
    ('economy_health', true, 'the health indicators and their bands'),
    ('sector_jumps', true, 'the gate graph''s distances, as api.jump_gates shows the gates'),
    ('trader_profit', false, 'a player: its own trades and profit; an operator: everyone''s');
SELECT coalesce(a.view, c.relname) AS view,
       CASE WHEN a.view IS NULL THEN 'no answer' WHEN c.relname IS NULL THEN 'no view' END AS missing
  FROM answer a FULL JOIN (SELECT relname FROM pg_class WHERE relnamespace = 'report'::regnamespace) c
    ON c.relname = a.view
 WHERE a.view IS NULL OR c.relname IS NULL;
-- the grants say the same
SELECT a.view, a.public, has_table_privilege('sim_anon', 'report.' || a.view, 'SELECT') AS anon_grant,
       has_table_privilege('sim_player', 'report.' || a.view, 'SELECT') AS player_grant
  FROM answer a
 WHERE has_table_privilege('sim_anon', 'report.' || a.view, 'SELECT') <> a.public
    OR NOT has_table_privilege('sim_player', 'report.' || a.view, 'SELECT')
    OR NOT has_table_privilege('sim_operator', 'report.' || a.view, 'SELECT');
GRANT SELECT ON answer TO PUBLIC;

-- Every view of report, read by each caller: rows seen, or the SQLSTATE
SELECT c.relname AS view, a.public,
       pg_temp.request('sim_anon', NULL, format('SELECT count(*) > 0 FROM report.%I', c.relname)) AS anon,
       pg_temp.request('sim_player', (SELECT a::text FROM who), format('SELECT count(*) > 0 FROM report.%I', c.relname)) AS player,
       pg_temp.request('sim_operator', NULL, format('SELECT count(*) > 0 FROM report.%I', c.relname)) AS operator
  FROM pg_class c LEFT JOIN answer a ON a.view = c.relname
 WHERE c.relnamespace = 'report'::regnamespace
 ORDER BY 1;

-- report holds views only, each with a comment, each a security barrier
SELECT c.relname, c.relkind, obj_description(c.oid) IS NULL AS uncommented,
       NOT coalesce('security_barrier=true' = ANY (c.reloptions), false) AS no_barrier
  FROM pg_class c
 WHERE c.relnamespace = 'report'::regnamespace
   AND (c.relkind <> 'v' OR obj_description(c.oid) IS NULL OR NOT 'security_barrier=true' = ANY (c.reloptions));
-- read-only: nobody but the owner may write through them
SELECT pg_temp.request('sim_operator', NULL, 'DELETE FROM report.market_ohlcv') AS operator_delete;
SELECT pg_temp.request('sim_player', (SELECT a::text FROM who), 'DELETE FROM report.order_book') AS player_delete;

-- What a hostile public reader learns: no public view names a faction, a
-- ship or an order
SELECT c.table_name, c.column_name
  FROM information_schema.columns c
 WHERE c.table_schema = 'report' AND c.table_name <> 'trader_profit'
   AND c.column_name IN ('faction_id', 'ship_id', 'player_id', 'order_id', 'buyer_faction', 'seller_faction',
                         'buyer_ship', 'seller_ship', 'buy_order', 'sell_order', 'id');

-- report.trader_profit: a player sees exactly its own faction's rows
SELECT pg_temp.request('sim_player', (SELECT a::text FROM who),
         'SELECT format(''%s rows, %s factions, own: %s'', count(*), count(DISTINCT faction_id),
                        bool_and(faction_id = (SELECT fa FROM pg_temp.who)))
            FROM report.trader_profit') AS player_a;
SELECT pg_temp.request('sim_player', (SELECT b::text FROM who),
         'SELECT count(*) FROM report.trader_profit') AS player_b_without_trades;
-- a player cannot widen it with a predicate or a leaky function
CREATE FUNCTION pg_temp.leak(f integer) RETURNS boolean LANGUAGE plpgsql COST 0.0000001 AS $$
BEGIN
    IF f IS DISTINCT FROM (SELECT fa FROM pg_temp.who) THEN
        RAISE NOTICE 'leaked faction %', f;
    END IF;
    RETURN true;
END
$$;
GRANT EXECUTE ON FUNCTION pg_temp.leak(integer) TO PUBLIC;
SELECT pg_temp.request('sim_player', (SELECT a::text FROM who),
         format('SELECT count(*) FROM report.trader_profit WHERE faction_id <> %s OR pg_temp.leak(faction_id)',
                (SELECT fa FROM who))) AS player_a_widening;
-- the operator sees everyone's
SELECT pg_temp.request('sim_operator', NULL,
         'SELECT count(DISTINCT faction_id) > 2 FROM report.trader_profit') AS operator_sees_all;
-- sim_player without claims is shown nothing, sim_anon may not ask
SELECT pg_temp.request('sim_player', NULL, 'SELECT count(*) FROM report.trader_profit') AS no_claims,
       pg_temp.request('sim_anon', NULL, 'SELECT count(*) FROM report.trader_profit') AS anon;

-- The raw rollups, the bands and the health: operators only
SELECT t,
       pg_temp.request('sim_anon', NULL, format('SELECT count(*) FROM sim.%I', t)) AS anon,
       pg_temp.request('sim_player', (SELECT a::text FROM who), format('SELECT count(*) FROM sim.%I', t)) AS player,
       pg_temp.request('sim_operator', NULL, format('SELECT count(*) > 0 FROM sim.%I', t)) AS operator
  FROM unnest(ARRAY['wallet_period', 'market_period', 'flow_period', 'money_period', 'economy_band',
                    'economy_health', 'economy_health_summary']) t;

---
--- The bands: data an operator edits, within their CHECKs
---
SELECT indicator, lo, hi, unit FROM sim.economy_band ORDER BY indicator;
SELECT pg_temp.request('sim_player', (SELECT a::text FROM who),
                       'UPDATE sim.economy_band SET hi = 1 WHERE indicator = ''money_drift''') AS player_edit;
SELECT pg_temp.request('sim_operator', NULL,
                       'UPDATE sim.economy_band SET lo = 2, hi = 1 WHERE indicator = ''money_drift'' RETURNING 1') AS inverted;
SELECT pg_temp.request('sim_operator', NULL,
                       'UPDATE sim.economy_band SET hi = ''NaN'' WHERE indicator = ''money_drift'' RETURNING 1') AS nan;
SELECT pg_temp.request('sim_operator', NULL,
                       'UPDATE sim.economy_band SET hi = 0.05 WHERE indicator = ''money_drift'' RETURNING hi') AS edited;

---
--- The health: one row per indicator and period, ok exactly inside the band
---
SELECT count(DISTINCT period_start) AS periods, count(DISTINCT indicator) AS indicators,
       count(*) = count(DISTINCT (period_start, indicator)) AS one_row_each,
       (SELECT count(*) FROM sim.economy_band) AS bands
  FROM sim.economy_health;
SELECT count(*) FILTER (WHERE h.ok IS DISTINCT FROM (h.value IS NOT NULL AND h.value >= coalesce(b.lo, '-Infinity')
                                                      AND h.value <= coalesce(b.hi, 'Infinity'))) AS ok_off,
       count(*) FILTER (WHERE h.lo IS DISTINCT FROM b.lo OR h.hi IS DISTINCT FROM b.hi) AS band_off
  FROM sim.economy_health h JOIN sim.economy_band b USING (indicator);
-- the edited band is the one applied
SELECT DISTINCT hi FROM sim.economy_health WHERE indicator = 'money_drift';
-- indicators against the report views they can be read from
SELECT count(*) FILTER (WHERE abs(h.value - f.ratio) > 1e-12) AS faucet_sink_ratio_off,
       count(*) AS periods
  FROM sim.economy_health h
  JOIN (SELECT period_start, sum(credits) FILTER (WHERE flow = 'faucet' AND reason <> 'seed')::double precision
                             / sum(credits) FILTER (WHERE flow = 'sink') AS ratio
          FROM report.faucets_sinks GROUP BY 1) f USING (period_start)
 WHERE h.indicator = 'faucet_sink_ratio';
SELECT count(*) FILTER (WHERE abs(h.value - abs(m.money_change)::double precision
                                          / (m.money - m.money_change)) > 1e-12) AS money_drift_off
  FROM sim.economy_health h JOIN report.money_supply m USING (period_start)
 WHERE h.indicator = 'money_drift' AND m.period_start > 0;
SELECT count(*) FILTER (WHERE h.value < 0 OR h.value > 1) AS shares_outside_0_1
  FROM sim.economy_health h WHERE h.indicator LIKE '%\_share' AND h.indicator <> 'recipe_share';
SELECT count(*) FILTER (WHERE value NOT IN (0, 1, 2, 3, 4)) AS tiers_off FROM sim.economy_health
 WHERE indicator = 'tiers_active';
-- the summary counts the periods after the warm-up
SELECT indicator, periods = (SELECT count(DISTINCT period_start) FROM sim.economy_health WHERE period_start >= 100)
       AS periods_after_warmup, inside <= periods AS inside_le_periods
  FROM sim.economy_health_report(100) ORDER BY indicator;
SELECT count(*) = 11 AS summary_rows FROM sim.economy_health_summary;
