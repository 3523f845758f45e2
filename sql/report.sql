-- sim: the economy's health as data (sim.economy_band, sim.economy_health,
-- sim.economy_health_report, sim.economy_health_summary) and the analysts'
-- schema report: read-only views over the rollups of sql/history.sql
-- (sim.market_period, sim.sector_market_period, sim.flow_period,
-- sim.money_period, sim.wallet_period, sim.ship_period, sim.history_period),
-- the raw history while it is kept (sim.trade) and the live markets
-- (docs/reports.md).
--
-- Who reads what: report's views run with their owner's rights, like api's
-- (sql/api.sql).  Aggregated market data -- prices, volumes, the order book
-- by price level, flows by sector, money supply, wealth inequality -- is
-- public: sim_anon, sim_player and sim_operator read it.  What belongs to
-- one faction -- its wallet, its ships' trades and profit -- is private:
-- report.trader_profit is a security barrier showing a player its own rows
-- and an operator every row, nobody else anything.  The functions the views
-- call are granted to the roles that read them at the end of this file.

-- ===================================================================
-- Health: the bands the economy is tuned to, and its indicators
-- ===================================================================

CREATE TABLE sim.economy_band (
    indicator   text PRIMARY KEY CHECK (indicator ~ '^[a-z_]+$'),
    lo          double precision CHECK (sim.finite(ARRAY[lo])),
    hi          double precision CHECK (sim.finite(ARRAY[hi])),
    unit        text NOT NULL,
    meaning     text NOT NULL,
    CHECK (lo <= hi)
);
COMMENT ON TABLE sim.economy_band IS
    'Target band of each health indicator of sim.economy_health (NULL lo or hi: unbounded on that side); operators may edit the bounds';
INSERT INTO sim.economy_band (indicator, lo, hi, unit, meaning) VALUES
    ('money_drift', 0, 0.03, 'fraction',
     '|change of the money supply over the period| / money supply at the previous period''s end (period 0: the seed)'),
    ('faucet_sink_ratio', 0.8, 1.25, 'ratio',
     'credits created (faucets but the seed) / credits destroyed (sinks) in the period'),
    ('recipe_share', 0.5, NULL, 'ratio',
     'units of tier 1-3 goods made by recipes / units of them consumed (every sink of goods but jettison, operator and player)'),
    ('tiers_active', 4, 4, 'tiers',
     'tiers 0-3 each both made (tier 0: mined; above: by recipes) and consumed in the period'),
    ('stranded_share', 0, 0, 'fraction', 'ships of sim.stranded_ship / ships, at the period''s end'),
    ('docked_share', 0.15, 0.5, 'fraction', 'ships docked / ships, at the period''s end'),
    ('flying_share', 0.25, 0.65, 'fraction', 'ships flying / ships, at the period''s end'),
    ('mining_share', 0.05, 0.3, 'fraction', 'ships mining / ships, at the period''s end'),
    ('price_level', 0.33, 3, 'ratio',
     'mean over the goods the population consumed in the period of (mean mid-price over the markets / base price), at the period''s end'),
    ('price_dispersion', 0.01, 0.5, 'ratio',
     'mean over goods quoted by two markets or more of the coefficient of variation of their mid-prices, at the period''s end'),
    ('trades_per_ship', 0.05, NULL, 'trades',
     'trades (market, order and refuel) in the period / ships at its end');

-- One row per complete period (one with rollups) and indicator.  Periods
-- are the rollups' period_start values; "the previous period" is the one
-- before in sim.money_period.  Each period's figures are read from the
-- rollups by period_start (their primary keys' first column), so a query
-- for some periods reads only theirs.
CREATE VIEW sim.economy_health AS
SELECT p.period_start, v.indicator, v.value, b.lo, b.hi,
       coalesce(v.value >= coalesce(b.lo, '-Infinity') AND v.value <= coalesce(b.hi, 'Infinity'), false) AS ok
  FROM (SELECT m.period_start, sum(m.credits)::double precision AS money
          FROM sim.money_period m
         GROUP BY m.period_start) p
 CROSS JOIN LATERAL (
        SELECT sum(m.credits)::double precision AS money
          FROM sim.money_period m
         WHERE m.period_start = (SELECT max(m2.period_start) FROM sim.money_period m2
                                  WHERE m2.period_start < p.period_start)) before
 CROSS JOIN LATERAL (
        SELECT sum(f.amount) FILTER (WHERE f.flow = 'faucet' AND f.reason <> 'seed')::double precision AS faucets,
               sum(f.amount) FILTER (WHERE f.flow = 'sink')::double precision AS sinks,
               sum(f.amount) FILTER (WHERE f.flow = 'faucet' AND f.reason = 'seed')::double precision AS seed
          FROM sim.flow_period f
         WHERE f.period_start = p.period_start AND f.good_id = 0) c
 CROSS JOIN LATERAL (
        SELECT (sum(t.made) FILTER (WHERE t.tier > 0))::double precision
                   / nullif(sum(t.used) FILTER (WHERE t.tier > 0), 0) AS recipe_share,
               count(*) FILTER (WHERE t.made > 0 AND t.used > 0)::double precision AS tiers_active
          FROM (SELECT g.tier,
                       sum(f.amount) FILTER (WHERE f.flow = 'faucet'
                                               AND f.reason = CASE WHEN g.tier = 0 THEN 'mining'
                                                                   ELSE 'production' END) AS made,
                       sum(f.amount) FILTER (WHERE f.flow = 'sink'
                                               AND f.reason NOT IN ('jettison', 'operator', 'player')) AS used
                  FROM sim.flow_period f
                  JOIN sim.good g ON g.id = f.good_id
                 WHERE f.period_start = p.period_start
                 GROUP BY g.tier) t) ch
 CROSS JOIN LATERAL (
        SELECT sum(s.ships)::double precision AS ships,
               sum(s.stranded)::double precision AS stranded,
               sum(s.ships) FILTER (WHERE s.state = 'docked')::double precision AS docked,
               sum(s.ships) FILTER (WHERE s.state = 'flying')::double precision AS flying,
               sum(s.ships) FILTER (WHERE s.state = 'mining')::double precision AS mining
          FROM sim.ship_period s
         WHERE s.period_start = p.period_start) s
 CROSS JOIN LATERAL (
        SELECT avg(q.level) FILTER (WHERE q.consumed)::double precision AS price_level,
               avg(q.cv) FILTER (WHERE q.markets >= 2)::double precision AS price_dispersion,
               sum(q.trades)::double precision AS trades
          FROM (SELECT avg((m.bid + m.ask) / 2.0) / g.base_price AS level,
                       stddev_pop((m.bid + m.ask) / 2.0) / nullif(avg((m.bid + m.ask) / 2.0), 0) AS cv,
                       count(m.bid) AS markets,
                       sum(m.trades) AS trades,
                       EXISTS (SELECT 1 FROM sim.flow_period f
                                WHERE f.period_start = p.period_start AND f.good_id = m.good_id
                                  AND f.flow = 'sink' AND f.reason = 'consumption') AS consumed
                  FROM sim.market_period m
                  JOIN sim.good g ON g.id = m.good_id
                 WHERE m.period_start = p.period_start
                 GROUP BY m.good_id, g.base_price) q) q
 CROSS JOIN LATERAL (VALUES
        ('money_drift', abs(p.money - coalesce(before.money, c.seed)) / nullif(coalesce(before.money, c.seed), 0)),
        ('faucet_sink_ratio', coalesce(c.faucets, 0) / nullif(c.sinks, 0)),
        ('recipe_share', ch.recipe_share),
        ('tiers_active', ch.tiers_active),
        ('stranded_share', coalesce(s.stranded, 0) / nullif(s.ships, 0)),
        ('docked_share', coalesce(s.docked, 0) / nullif(s.ships, 0)),
        ('flying_share', coalesce(s.flying, 0) / nullif(s.ships, 0)),
        ('mining_share', coalesce(s.mining, 0) / nullif(s.ships, 0)),
        ('price_level', q.price_level),
        ('price_dispersion', q.price_dispersion),
        ('trades_per_ship', coalesce(q.trades, 0) / nullif(s.ships, 0))) v(indicator, value)
  JOIN sim.economy_band b ON b.indicator = v.indicator;
COMMENT ON VIEW sim.economy_health IS
    'Each health indicator of each rolled-up period beside its band (sim.economy_band); ok is false outside the band or when the indicator cannot be measured (NULL value)';

-- The health over the periods that start at or after warmup_ticks (NULL:
-- the first fifth of the universe's ticks so far).  worst is the value
-- nearest to or furthest outside its band (NULL when some period could not
-- be measured).
CREATE FUNCTION sim.economy_health_report(warmup_ticks bigint DEFAULT NULL)
RETURNS TABLE (indicator text, periods bigint, inside bigint, worst double precision, mean double precision,
               lo double precision, hi double precision)
LANGUAGE sql STABLE AS $$
    SELECT h.indicator, count(*), count(*) FILTER (WHERE h.ok),
           (array_agg(h.value ORDER BY h.value IS NOT NULL,
                      least(h.value - coalesce(h.lo, '-Infinity'), coalesce(h.hi, 'Infinity') - h.value)))[1],
           avg(h.value), min(h.lo), min(h.hi)
      FROM sim.economy_health h
     WHERE h.period_start >= coalesce(warmup_ticks, (SELECT w.tick / 5 FROM sim.world w), 0)
     GROUP BY h.indicator
     ORDER BY h.indicator
$$;
COMMENT ON FUNCTION sim.economy_health_report(bigint) IS
    'Per health indicator over the periods starting at or after warmup_ticks (NULL: the first fifth of the ticks so far): periods, periods inside the band, the worst value, the mean and the band';

CREATE VIEW sim.economy_health_summary AS
SELECT r.indicator, r.periods, r.inside, r.worst, r.mean, r.lo, r.hi
  FROM sim.economy_health_report(NULL) r;
COMMENT ON VIEW sim.economy_health_summary IS
    'sim.economy_health_report(NULL): each indicator over the periods after the first fifth of the ticks so far';

-- ===================================================================
-- The report schema
-- ===================================================================

CREATE SCHEMA report;
COMMENT ON SCHEMA report IS
    'Read-only views for analysts: prices, order books, indices, money, flows, production, routes, margins, wealth and traders (docs/reports.md)';

-- Gate jumps between every two sectors: a breadth-first search per source,
-- one level per step; pairs with no path are absent.  The gates are public
-- (api.jump_gates).
CREATE VIEW report.sector_jumps WITH (security_barrier) AS
WITH RECURSIVE link AS (
    SELECT g.sector_a AS a, g.sector_b AS b FROM sim.jump_gate g
    UNION
    SELECT g.sector_b, g.sector_a FROM sim.jump_gate g
), bfs (src, frontier, seen, jumps) AS (
    SELECT s.id, ARRAY[s.id], ARRAY[s.id], 0 FROM sim.sector s
    UNION ALL
    SELECT b.src, n.next, b.seen || n.next, b.jumps + 1
      FROM bfs b
     CROSS JOIN LATERAL (SELECT array_agg(DISTINCT l.b) AS next
                           FROM link l
                          WHERE l.a = ANY (b.frontier) AND l.b <> ALL (b.seen)) n
     WHERE n.next IS NOT NULL
)
SELECT b.src AS from_sector, f.sector AS to_sector, b.jumps
  FROM bfs b CROSS JOIN LATERAL unnest(b.frontier) f(sector);
COMMENT ON VIEW report.sector_jumps IS
    'Fewest gate jumps between every two connected sectors (0 from a sector to itself)';

-- Prices per station and good per period
CREATE VIEW report.market_ohlcv WITH (security_barrier) AS
SELECT m.period_start, m.station_id, st.sector_id, m.good_id, g.name AS good,
       m.open, m.high, m.low, m.close, m.volume, m.trades, m.value, m.tax,
       round(m.value::numeric / nullif(m.volume, 0), 2) AS vwap,
       m.bid, m.ask, m.stock, m.target
  FROM sim.market_period m
  JOIN sim.station st ON st.id = m.station_id
  JOIN sim.good g ON g.id = m.good_id;
COMMENT ON VIEW report.market_ohlcv IS
    'Per period, station and good: open, high, low, close of market, order and refuel trades (NULL when none), volume, trades, value, tax, volume-weighted price, and the bid, ask, stock and target quoted at the period''s end';

CREATE VIEW report.sector_ohlcv WITH (security_barrier) AS
SELECT m.period_start, m.sector_id, s.name AS sector, m.good_id, g.name AS good,
       m.open, m.high, m.low, m.close, m.volume, m.trades, m.value, m.tax,
       round(m.value::numeric / nullif(m.volume, 0), 2) AS vwap,
       m.bid_best, m.ask_best
  FROM sim.sector_market_period m
  JOIN sim.sector s ON s.id = m.sector_id
  JOIN sim.good g ON g.id = m.good_id;
COMMENT ON VIEW report.sector_ohlcv IS
    'Per period, sector and good: OHLCV of the sector''s trades, the best bid (highest) and best ask (lowest) over its markets at the period''s end';

-- Days: 24 periods of the current sim.history_policy.period_ticks, aligned
-- on tick 0.
CREATE VIEW report.market_ohlcv_day WITH (security_barrier) AS
SELECT d.day_start, m.station_id, st.sector_id, m.good_id, g.name AS good,
       (array_agg(m.open ORDER BY m.period_start) FILTER (WHERE m.open IS NOT NULL))[1] AS open,
       max(m.high) AS high, min(m.low) AS low,
       (array_agg(m.close ORDER BY m.period_start DESC) FILTER (WHERE m.close IS NOT NULL))[1] AS close,
       sum(m.volume) AS volume, sum(m.trades) AS trades, sum(m.value) AS value, sum(m.tax) AS tax,
       round(sum(m.value)::numeric / nullif(sum(m.volume), 0), 2) AS vwap,
       (array_agg(m.bid ORDER BY m.period_start DESC))[1] AS bid,
       (array_agg(m.ask ORDER BY m.period_start DESC))[1] AS ask,
       (array_agg(m.stock ORDER BY m.period_start DESC))[1] AS stock,
       count(*) AS periods
  FROM sim.market_period m
 CROSS JOIN sim.history_policy hp
 CROSS JOIN LATERAL (SELECT m.period_start - m.period_start % (24 * hp.period_ticks::bigint) AS day_start) d
  JOIN sim.station st ON st.id = m.station_id
  JOIN sim.good g ON g.id = m.good_id
 GROUP BY d.day_start, m.station_id, st.sector_id, m.good_id, g.name;
COMMENT ON VIEW report.market_ohlcv_day IS
    'report.market_ohlcv per day of 24 periods: first open, highest high, lowest low, last close, summed volume, trades, value and tax, and the quotes at the day''s last period';

CREATE VIEW report.sector_ohlcv_day WITH (security_barrier) AS
SELECT d.day_start, m.sector_id, m.good_id, g.name AS good,
       (array_agg(m.open ORDER BY m.period_start) FILTER (WHERE m.open IS NOT NULL))[1] AS open,
       max(m.high) AS high, min(m.low) AS low,
       (array_agg(m.close ORDER BY m.period_start DESC) FILTER (WHERE m.close IS NOT NULL))[1] AS close,
       sum(m.volume) AS volume, sum(m.trades) AS trades, sum(m.value) AS value, sum(m.tax) AS tax,
       round(sum(m.value)::numeric / nullif(sum(m.volume), 0), 2) AS vwap,
       (array_agg(m.bid_best ORDER BY m.period_start DESC))[1] AS bid_best,
       (array_agg(m.ask_best ORDER BY m.period_start DESC))[1] AS ask_best,
       count(*) AS periods
  FROM sim.sector_market_period m
 CROSS JOIN sim.history_policy hp
 CROSS JOIN LATERAL (SELECT m.period_start - m.period_start % (24 * hp.period_ticks::bigint) AS day_start) d
  JOIN sim.good g ON g.id = m.good_id
 GROUP BY d.day_start, m.sector_id, m.good_id, g.name;
COMMENT ON VIEW report.sector_ohlcv_day IS
    'report.sector_ohlcv per day of 24 periods, as report.market_ohlcv_day';

-- The order book now, by price level: how many orders and units, not whose.
CREATE VIEW report.order_book WITH (security_barrier) AS
SELECT o.station_id, st.sector_id, o.good_id, g.name AS good, o.side, o.price,
       count(*) AS orders, sum(o.qty_open) AS qty,
       sum(sum(o.qty_open)) OVER (PARTITION BY o.station_id, o.good_id, o.side
                                  ORDER BY CASE o.side WHEN 'buy' THEN -o.price ELSE o.price END) AS depth
  FROM sim.market_order o
  JOIN sim.station st ON st.id = o.station_id
  JOIN sim.good g ON g.id = o.good_id
 WHERE o.status = 'open' AND o.qty_open > 0
 GROUP BY o.station_id, st.sector_id, o.good_id, g.name, o.side, o.price;
COMMENT ON VIEW report.order_book IS
    'Open limit orders by station, good, side and price level: orders, units, and the cumulative units from the best price (depth)';

-- A chained volume-weighted price index per category.  Each good's price in
-- a period is its volume-weighted price over all markets (value / volume of
-- sim.market_period).  The link from one period to the next is
--   sum(w * p_now) / sum(w * p_before),  w = volume_before + volume_now,
-- over the category's goods traded in both periods (an Edgeworth index;
-- 1 when none was); the index is 100 at the first period kept and the
-- product of the links after.
CREATE VIEW report.price_index WITH (security_barrier) AS
WITH periods AS (
    SELECT DISTINCT m.period_start FROM sim.market_period m
), good_price AS (
    SELECT m.period_start, m.good_id, g.category,
           sum(m.volume)::double precision AS volume,
           sum(m.value)::double precision / sum(m.volume) AS price
      FROM sim.market_period m
      JOIN sim.good g ON g.id = m.good_id
     WHERE m.volume > 0
     GROUP BY m.period_start, m.good_id, g.category
), steps AS (
    SELECT c.category, p.period_start,
           lag(p.period_start) OVER (PARTITION BY c.category ORDER BY p.period_start) AS before
      FROM periods p
     CROSS JOIN (SELECT DISTINCT g.category FROM sim.good g) c
), links AS (
    SELECT s.category, s.period_start, s.before,
           coalesce(sum((b.volume + n.volume) * n.price) / nullif(sum((b.volume + n.volume) * b.price), 0), 1)
               AS link,
           count(n.good_id) AS goods
      FROM steps s
      LEFT JOIN (good_price n JOIN good_price b ON b.good_id = n.good_id)
             ON n.category = s.category AND n.period_start = s.period_start AND b.period_start = s.before
     GROUP BY s.category, s.period_start, s.before
)
SELECT l.period_start, l.category,
       100 * exp(sum(ln(l.link)) OVER (PARTITION BY l.category ORDER BY l.period_start)) AS index,
       l.link, l.goods
  FROM links l;
COMMENT ON VIEW report.price_index IS
    'Per period and goods category: a chain-linked volume-weighted price index, 100 at the first period kept; link is the factor from the period before, goods how many goods it was measured on';

-- Money supply by holder class, its change, the credit flows that made the
-- change, and velocity.  Before period 0 there was no money: its flows
-- hold the seed.  The first period kept after that has no change.
CREATE VIEW report.money_supply WITH (security_barrier) AS
WITH money AS (
    SELECT m.period_start, sum(m.credits) AS money,
           sum(m.credits) FILTER (WHERE m.holder = 'faction') AS factions,
           sum(m.credits) FILTER (WHERE m.holder = 'player') AS players,
           sum(m.credits) FILTER (WHERE m.holder = 'order_escrow') AS order_escrow,
           sum(m.credits) FILTER (WHERE m.holder = 'contract_escrow') AS contract_escrow
      FROM sim.money_period m
     GROUP BY m.period_start
), flows AS (
    SELECT f.period_start,
           sum(f.amount) FILTER (WHERE f.flow = 'faucet') AS faucets,
           sum(f.amount) FILTER (WHERE f.flow = 'sink') AS sinks
      FROM sim.flow_period f
     WHERE f.good_id = 0
     GROUP BY f.period_start
), traded AS (
    SELECT m.period_start, sum(m.value) AS value
      FROM sim.market_period m
     GROUP BY m.period_start
)
SELECT m.period_start, m.money, m.factions, m.players, m.order_escrow, m.contract_escrow,
       m.money - coalesce(lag(m.money) OVER (ORDER BY m.period_start),
                          CASE WHEN m.period_start = 0 THEN 0 END) AS money_change,
       coalesce(f.faucets, 0) AS faucets, coalesce(f.sinks, 0) AS sinks,
       coalesce(f.faucets, 0) - coalesce(f.sinks, 0) AS net_flow,
       coalesce(t.value, 0) AS value_traded,
       round(coalesce(t.value, 0)::numeric / nullif(m.money, 0), 6) AS velocity
  FROM money m
  LEFT JOIN flows f ON f.period_start = m.period_start
  LEFT JOIN traded t ON t.period_start = m.period_start;
COMMENT ON VIEW report.money_supply IS
    'Per period: money at its end (total and by holder class), its change from the period before, credit faucets, sinks and their difference (equal to the change), value traded and velocity (value traded / money)';

CREATE VIEW report.faucets_sinks WITH (security_barrier) AS
SELECT f.period_start, f.flow, f.reason, sum(f.amount) AS credits, sum(f.entries) AS entries
  FROM sim.flow_period f
 WHERE f.good_id = 0
 GROUP BY f.period_start, f.flow, f.reason;
COMMENT ON VIEW report.faucets_sinks IS
    'Credits created (faucet) and destroyed (sink) per period and reason, with the ledger entries behind them';

CREATE VIEW report.sector_production WITH (security_barrier) AS
SELECT f.period_start, f.sector_id, s.name AS sector, f.good_id, g.name AS good, g.tier,
       coalesce(sum(f.amount) FILTER (WHERE f.flow = 'faucet' AND f.reason = 'mining'), 0) AS mined,
       coalesce(sum(f.amount) FILTER (WHERE f.flow = 'faucet' AND f.reason = 'production'), 0) AS produced,
       coalesce(sum(f.amount) FILTER (WHERE f.flow = 'sink' AND f.reason = 'recipe_input'), 0) AS recipe_input,
       coalesce(sum(f.amount) FILTER (WHERE f.flow = 'sink' AND f.reason = 'consumption'), 0) AS consumed,
       coalesce(sum(f.amount) FILTER (WHERE f.flow = 'faucet'
                                        AND f.reason NOT IN ('mining', 'production')), 0) AS other_faucets,
       coalesce(sum(f.amount) FILTER (WHERE f.flow = 'sink'
                                        AND f.reason NOT IN ('recipe_input', 'consumption')), 0) AS other_sinks
  FROM sim.flow_period f
  JOIN sim.good g ON g.id = f.good_id
  LEFT JOIN sim.sector s ON s.id = f.sector_id
 GROUP BY f.period_start, f.sector_id, s.name, f.good_id, g.name, g.tier;
COMMENT ON VIEW report.sector_production IS
    'Units of each good mined, made by recipes, used by recipes, consumed by populations, and other faucets and sinks (seed, refuel, jettison...) per period and sector (sector_id 0: no location)';

-- Realised routes: each sale of a good by a ship, paired with that ship's
-- last purchase of the good before it; a flow when the two stations are in
-- different sectors.  From the raw trades: as far back as they are kept.
-- Set-based: the retained trades of each ship and good in order, each sale
-- taking the station and price of the purchase that last raised the count
-- of purchases (one sort, rather than one probe of the per-ship indexes of
-- every partition per sale).
CREATE VIEW report.trade_flows WITH (security_barrier) AS
WITH leg AS (
    SELECT t.buyer_ship AS ship_id, t.good_id, t.tick, t.id, t.station_id, t.price, t.qty, true AS buy
      FROM sim.trade t
     WHERE t.buyer_ship IS NOT NULL AND t.kind IN ('market', 'order')
    UNION ALL
    SELECT t.seller_ship, t.good_id, t.tick, t.id, t.station_id, t.price, t.qty, false
      FROM sim.trade t
     WHERE t.seller_ship IS NOT NULL AND t.kind IN ('market', 'order', 'contract')
), counted AS (
    SELECT l.*, count(*) FILTER (WHERE l.buy) OVER (PARTITION BY l.ship_id, l.good_id ORDER BY l.tick, l.id) AS buys
      FROM leg l
), paired AS (
    SELECT c.*, first_value(c.station_id) OVER w AS from_station, first_value(c.price) OVER w AS bought_at
      FROM counted c
    WINDOW w AS (PARTITION BY c.ship_id, c.good_id, c.buys ORDER BY c.tick, c.id)
)
SELECT p.tick - p.tick % hp.period_ticks AS period_start, bs.sector_id AS from_sector, ss.sector_id AS to_sector,
       p.good_id, g.name AS good, count(*) AS trips, sum(p.qty) AS qty,
       sum(p.qty * p.bought_at) AS bought_value, sum(p.qty * p.price) AS sold_value,
       sum(p.qty * (p.price - p.bought_at)) AS margin
  FROM paired p
 CROSS JOIN sim.history_policy hp
  JOIN sim.station ss ON ss.id = p.station_id
  JOIN sim.station bs ON bs.id = p.from_station
  JOIN sim.good g ON g.id = p.good_id
 WHERE NOT p.buy AND p.buys > 0 AND bs.sector_id <> ss.sector_id
 GROUP BY 1, bs.sector_id, ss.sector_id, p.good_id, g.name;
COMMENT ON VIEW report.trade_flows IS
    'Goods carried between sectors per period of the sale: sales by a ship paired with its last purchase of the good, when in another sector; trips, units, what they cost and fetched (raw trades: within sim.history_policy.raw_retention_ticks)';

-- Now: for each market, what its ask buys and the best bid for it at
-- another station pays, net of the buyer's tax, with the jumps between.
CREATE VIEW report.arbitrage WITH (security_barrier) AS
WITH quote AS (
    SELECT m.station_id, m.sector_id, m.good_id, m.good, m.stock, m.bid, m.ask
      FROM sim.market m
), best AS (
    -- the two best bids for each good: the best elsewhere is one of them
    SELECT r.good_id,
           max(r.station_id) FILTER (WHERE r.rank = 1) AS station_1,
           max(r.sector_id) FILTER (WHERE r.rank = 1) AS sector_1,
           max(r.bid) FILTER (WHERE r.rank = 1) AS bid_1,
           max(r.station_id) FILTER (WHERE r.rank = 2) AS station_2,
           max(r.sector_id) FILTER (WHERE r.rank = 2) AS sector_2,
           max(r.bid) FILTER (WHERE r.rank = 2) AS bid_2
      FROM (SELECT q.good_id, q.station_id, q.sector_id, q.bid,
                   row_number() OVER (PARTITION BY q.good_id ORDER BY q.bid DESC, q.station_id) AS rank
              FROM quote q) r
     WHERE r.rank <= 2
     GROUP BY r.good_id
)
SELECT h.good_id, h.good, h.station_id AS buy_station, h.sector_id AS buy_sector, h.ask, h.stock,
       x.station_id AS sell_station, x.sector_id AS sell_sector, x.bid,
       e.tax_rate * h.ask AS tax,
       x.bid - h.ask * (1 + e.tax_rate) AS margin,
       round((x.bid - h.ask * (1 + e.tax_rate)) / h.ask, 4) AS margin_ratio,
       j.jumps
  FROM quote h
 CROSS JOIN sim.economy e
  JOIN best b ON b.good_id = h.good_id
 CROSS JOIN LATERAL (SELECT CASE WHEN b.station_1 = h.station_id THEN b.station_2 ELSE b.station_1 END AS station_id,
                            CASE WHEN b.station_1 = h.station_id THEN b.sector_2 ELSE b.sector_1 END AS sector_id,
                            CASE WHEN b.station_1 = h.station_id THEN b.bid_2 ELSE b.bid_1 END AS bid) x
  LEFT JOIN report.sector_jumps j ON j.from_sector = h.sector_id AND j.to_sector = x.sector_id
 WHERE h.stock > 0 AND x.bid > h.ask * (1 + e.tax_rate);
COMMENT ON VIEW report.arbitrage IS
    'Now: markets whose ask, plus the buyer''s tax, is below the best bid for the good at another station; margin per unit, margin / ask, and the gate jumps between their sectors';

-- Station trading: buy at the bid, sell at the ask, with limit orders.
CREATE VIEW report.station_margin WITH (security_barrier) AS
SELECT m.station_id, m.sector_id, m.good_id, m.good, m.bid, m.ask,
       m.ask - m.bid AS spread,
       e.tax_rate * m.bid AS tax,
       e.order_fee_rate * (m.bid + m.ask) AS fees,
       m.ask - m.bid - e.tax_rate * m.bid - e.order_fee_rate * (m.bid + m.ask) AS margin,
       round((m.ask - m.bid - e.tax_rate * m.bid - e.order_fee_rate * (m.bid + m.ask)) / m.bid, 4) AS margin_ratio
  FROM sim.market m
 CROSS JOIN sim.economy e;
COMMENT ON VIEW report.station_margin IS
    'Now, per market: a station trader''s margin per unit buying at the bid and selling at the ask -- the spread less the buyer''s tax on the bid and the order fees on both orders';

CREATE VIEW report.station_margin_period WITH (security_barrier) AS
SELECT m.period_start, m.station_id, st.sector_id, m.good_id, g.name AS good, m.bid, m.ask,
       m.ask - m.bid AS spread,
       m.ask - m.bid - e.tax_rate * m.bid - e.order_fee_rate * (m.bid + m.ask) AS margin,
       round((m.ask - m.bid - e.tax_rate * m.bid - e.order_fee_rate * (m.bid + m.ask)) / m.bid, 4) AS margin_ratio
  FROM sim.market_period m
  JOIN sim.station st ON st.id = m.station_id
  JOIN sim.good g ON g.id = m.good_id
 CROSS JOIN sim.economy e;
COMMENT ON VIEW report.station_margin_period IS
    'report.station_margin at each period''s end, from the quotes the rollup kept (today''s tax and fee rates)';

-- Manufacturing: what a cycle of each recipe a station runs is worth at
-- that station's own quotes.
CREATE VIEW report.manufacturing_margin WITH (security_barrier) AS
WITH side AS (
    SELECT sr.station_id, sr.recipe_id, 'out' AS dir, o.good_id, o.qty
      FROM sim.station_recipe sr JOIN sim.recipe_output o ON o.recipe_id = sr.recipe_id
    UNION ALL
    SELECT sr.station_id, sr.recipe_id, 'in', i.good_id, i.qty
      FROM sim.station_recipe sr JOIN sim.recipe_input i ON i.recipe_id = sr.recipe_id
)
SELECT s.station_id, st.sector_id, s.recipe_id, r.name AS recipe, r.cycle_ticks,
       sum(s.qty * m.bid) FILTER (WHERE s.dir = 'out') AS output_value,
       sum(s.qty * m.ask) FILTER (WHERE s.dir = 'in') AS input_cost,
       sum(s.qty * m.bid) FILTER (WHERE s.dir = 'out') - sum(s.qty * m.ask) FILTER (WHERE s.dir = 'in') AS margin,
       round((sum(s.qty * m.bid) FILTER (WHERE s.dir = 'out') - sum(s.qty * m.ask) FILTER (WHERE s.dir = 'in'))::numeric
             / r.cycle_ticks, 2) AS margin_per_tick,
       count(*) FILTER (WHERE m.good_id IS NULL) = 0 AS quoted
  FROM side s
  JOIN sim.recipe r ON r.id = s.recipe_id
  JOIN sim.station st ON st.id = s.station_id
  LEFT JOIN sim.market m ON m.station_id = s.station_id AND m.good_id = s.good_id
 GROUP BY s.station_id, st.sector_id, s.recipe_id, r.name, r.cycle_ticks;
COMMENT ON VIEW report.manufacturing_margin IS
    'Now, per station and recipe it runs: outputs of one cycle at the station''s bids, inputs at its asks, their difference per cycle and per tick; quoted is false (and the sums partial) when the station has no market for some good';

-- Wealth: credits plus escrow of each faction at each period's end.
CREATE VIEW report.wealth_distribution WITH (security_barrier) AS
WITH ranked AS (
    SELECT w.period_start, (w.credits + w.escrow)::numeric AS wealth,
           row_number() OVER (PARTITION BY w.period_start ORDER BY w.credits + w.escrow) AS asc_rank,
           row_number() OVER (PARTITION BY w.period_start ORDER BY w.credits + w.escrow DESC) AS desc_rank
      FROM sim.wallet_period w
)
SELECT r.period_start, count(*) AS factions, sum(r.wealth) AS wealth,
       round(2 * sum(r.asc_rank * r.wealth) / nullif(count(*) * sum(r.wealth), 0)
             - (count(*) + 1)::numeric / count(*), 6) AS gini,
       round(sum(r.wealth) FILTER (WHERE r.desc_rank <= 1) / nullif(sum(r.wealth), 0), 6) AS top1_share,
       round(sum(r.wealth) FILTER (WHERE r.desc_rank <= 5) / nullif(sum(r.wealth), 0), 6) AS top5_share,
       round(sum(r.wealth) FILTER (WHERE r.desc_rank <= 10) / nullif(sum(r.wealth), 0), 6) AS top10_share,
       percentile_cont(0.5) WITHIN GROUP (ORDER BY r.wealth) AS median
  FROM ranked r
 GROUP BY r.period_start;
COMMENT ON VIEW report.wealth_distribution IS
    'Per period: factions, total wealth (credits and escrow), its Gini coefficient, the shares of the richest 1, 5 and 10 factions, and the median -- not who holds it';

-- Private: each ship's trading per period, shown to its own player and to
-- operators.  The buyer pays the tax (sql/economy_commands.sql).  Periods
-- are those rolled up (sim.history_period) and the one under way; each
-- reads its own ticks' partitions of sim.trade.
CREATE VIEW report.trader_profit WITH (security_barrier) AS
WITH period AS (
    SELECT h.period_start, h.period_end FROM sim.history_period h
    UNION ALL
    SELECT coalesce(max(h.period_end), 0), NULL FROM sim.history_period h
)
SELECT p.period_start, x.faction_id, x.ship_id, count(*) AS trades,
       sum(x.bought) AS bought, sum(x.sold) AS sold, sum(x.tax) AS tax,
       sum(x.sold) - sum(x.bought) - sum(x.tax) AS profit
  FROM period p
 CROSS JOIN LATERAL (
        SELECT t.buyer_faction AS faction_id, t.buyer_ship AS ship_id, t.qty * t.price AS bought, 0 AS sold, t.tax
          FROM sim.trade t
         WHERE t.tick >= p.period_start AND t.tick < coalesce(p.period_end, 9223372036854775807)
        UNION ALL
        SELECT t.seller_faction, t.seller_ship, 0, t.qty * t.price, 0
          FROM sim.trade t
         WHERE t.tick >= p.period_start AND t.tick < coalesce(p.period_end, 9223372036854775807)) x
 WHERE sim.acting_as_operator() OR x.faction_id = sim.viewer_faction()
 GROUP BY p.period_start, x.faction_id, x.ship_id;
COMMENT ON VIEW report.trader_profit IS
    'Per period (rolled up or under way), faction and ship (NULL: a station''s side): trades, credits paid for purchases, received for sales, tax paid, realised profit (sales - purchases - tax); a player sees its own faction, an operator all (raw trades: within the retention)';

-- The health, for everyone: aggregates of the rollups and the bands.
CREATE VIEW report.economy_health WITH (security_barrier) AS
SELECT h.period_start, h.indicator, h.value, h.lo, h.hi, h.ok
  FROM sim.economy_health h;
COMMENT ON VIEW report.economy_health IS
    'sim.economy_health for every reader: each health indicator per period beside its band, ok when inside';

-- Grants: everything in report reads as its owner; the callers need only
-- the functions the views call.
GRANT USAGE ON SCHEMA report TO sim_anon, sim_player, sim_operator;
GRANT SELECT ON report.market_ohlcv, report.sector_ohlcv, report.market_ohlcv_day, report.sector_ohlcv_day,
                report.order_book, report.price_index, report.money_supply, report.faucets_sinks,
                report.sector_production, report.trade_flows, report.arbitrage, report.station_margin,
                report.station_margin_period, report.manufacturing_margin, report.wealth_distribution,
                report.economy_health, report.sector_jumps
    TO sim_anon, sim_player, sim_operator;
GRANT SELECT ON report.trader_profit TO sim_player, sim_operator;
GRANT EXECUTE ON FUNCTION sim.acting_as_operator() TO sim_anon, sim_player;
