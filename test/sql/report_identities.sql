--
-- report_identities: the totals of the report views add up.  A small
-- universe runs 1,000 ticks with 20-tick periods (so 24-period days are
-- 480 ticks); then, for every period:
--   * credit faucets - sinks = change of the money supply (report.money_supply);
--   * the sectors sum to the global totals, and both to the raw ledger
--     (report.sector_production, report.faucets_sinks);
--   * OHLCV per period equals the raw trades, and per day the periods
--     (report.market_ohlcv, report.market_ohlcv_day, report.sector_ohlcv);
--   * the price index is 100 at its base and chains the links recomputed
--     here from the raw trades (report.price_index);
--   * the Gini coefficient is in [0, 1] and equals the mean absolute
--     difference computed here (report.wealth_distribution);
--   * every arbitrage row has a bid elsewhere above the ask here plus tax
--     (report.arbitrage), every flow crosses sectors (report.trade_flows),
--     and traders' profits sum to minus the tax (report.trader_profit).
-- Each check prints the rows it compared and the rows that disagree.
--
SET client_min_messages = warning;
CREATE EXTENSION IF NOT EXISTS sim CASCADE;
SELECT sim.reset_universe();
RESET client_min_messages;
SELECT sim.generate_universe(2026, 4, 200) IS NOT NULL AS generated;
UPDATE sim.history_policy SET period_ticks = 20, partition_ticks = 20;
SELECT sim.step(1000);

-- the periods the rollups hold
SELECT count(*) AS periods, min(period_start) AS first, max(period_start) AS last
  FROM report.money_supply;

---
--- Money: faucets - sinks = change of the money supply, every period
---
SELECT count(*) AS periods,
       count(*) FILTER (WHERE net_flow IS DISTINCT FROM money_change) AS off
  FROM report.money_supply;
-- ... and the money at the end equals the wallets and escrow now
SELECT (SELECT money FROM report.money_supply ORDER BY period_start DESC LIMIT 1)
       = (SELECT sum(credits) FROM sim.wallet)
         + (SELECT coalesce(sum(escrow), 0) FROM sim.market_order WHERE status = 'open')
         + (SELECT coalesce(sum(escrow), 0) FROM sim.contract WHERE status IN ('open', 'accepted'))
       AS last_period_is_now;
-- the credit flows of each period are the raw ledger's
SELECT count(*) AS flows,
       count(*) FILTER (WHERE r.credits IS DISTINCT FROM l.credits) AS off
  FROM (SELECT period_start, flow, reason, credits FROM report.faucets_sinks) r
  FULL JOIN (SELECT tick - tick % 20 AS period_start, flow, reason, sum(amount) AS credits
               FROM sim.ledger WHERE good_id IS NULL AND tick < 1000 GROUP BY 1, 2, 3) l
         USING (period_start, flow, reason);
-- velocity: value traded is the raw trades' (not contracts)
SELECT count(*) FILTER (WHERE m.value_traded <> coalesce(t.value, 0)) AS value_off
  FROM report.money_supply m
  LEFT JOIN (SELECT tick - tick % 20 AS period_start, sum(qty * price) AS value
               FROM sim.trade WHERE kind <> 'contract' GROUP BY 1) t USING (period_start);

---
--- Sectors sum to the whole, the whole to the ledger
---
WITH sectors AS (
    SELECT period_start, good_id, sum(mined) AS mined, sum(produced) AS produced,
           sum(recipe_input) AS recipe_input, sum(consumed) AS consumed
      FROM report.sector_production GROUP BY 1, 2
), ledger AS (
    SELECT tick - tick % 20 AS period_start, good_id,
           coalesce(sum(amount) FILTER (WHERE reason = 'mining'), 0) AS mined,
           coalesce(sum(amount) FILTER (WHERE reason = 'production'), 0) AS produced,
           coalesce(sum(amount) FILTER (WHERE reason = 'recipe_input'), 0) AS recipe_input,
           coalesce(sum(amount) FILTER (WHERE reason = 'consumption'), 0) AS consumed
      FROM sim.ledger WHERE good_id IS NOT NULL AND tick < 1000 GROUP BY 1, 2
)
SELECT count(*) AS rows, count(*) FILTER (WHERE s IS DISTINCT FROM l) AS off,
       sum(s.mined) > 0 AS mined, sum(s.produced) > 0 AS produced, sum(s.consumed) > 0 AS consumed
  FROM sectors s FULL JOIN ledger l USING (period_start, good_id);
-- credit flows: sectors sum to the global rows
SELECT count(*) FILTER (WHERE s.credits <> g.credits) AS off
  FROM (SELECT period_start, flow, reason, sum(amount) AS credits FROM sim.flow_period
         WHERE good_id = 0 GROUP BY 1, 2, 3) s
  JOIN report.faucets_sinks g USING (period_start, flow, reason);

---
--- OHLCV: the periods are the trades, the days the periods, the sectors the stations
---
WITH raw AS (
    SELECT tick - tick % 20 AS period_start, station_id, good_id,
           (array_agg(price ORDER BY tick, id))[1] AS open, max(price) AS high, min(price) AS low,
           (array_agg(price ORDER BY tick DESC, id DESC))[1] AS close,
           sum(qty) AS volume, count(*) AS trades, sum(qty * price) AS value, sum(tax) AS tax
      FROM sim.trade WHERE kind IN ('market', 'order', 'refuel') AND tick < 1000 GROUP BY 1, 2, 3
)
SELECT count(*) AS traded,
       count(*) FILTER (WHERE (r.open, r.high, r.low, r.close, r.volume, r.trades, r.value, r.tax)
                              IS DISTINCT FROM (m.open, m.high, m.low, m.close, m.volume, m.trades::bigint,
                                                m.value, m.tax)) AS off
  FROM raw r LEFT JOIN report.market_ohlcv m USING (period_start, station_id, good_id);
-- a market that did not trade has a row with no prices and a quote
SELECT count(*) > 0 AS quiet_rows,
       count(*) FILTER (WHERE open IS NOT NULL OR volume <> 0 OR bid IS NULL OR ask IS NULL) AS off
  FROM report.market_ohlcv WHERE trades = 0;
-- one row per market per period
SELECT count(*) = (SELECT count(*) FROM sim.station_stock) * (SELECT count(*) FROM report.money_supply)
       AS one_row_per_market_and_period
  FROM report.market_ohlcv;
-- days of 24 periods: first open, last close, extremes and sums of the periods
WITH d AS (
    SELECT period_start - period_start % 480 AS day_start, station_id, good_id,
           (array_agg(open ORDER BY period_start) FILTER (WHERE open IS NOT NULL))[1] AS open,
           max(high) AS high, min(low) AS low,
           (array_agg(close ORDER BY period_start DESC) FILTER (WHERE close IS NOT NULL))[1] AS close,
           sum(volume) AS volume, sum(trades) AS trades, sum(value) AS value, sum(tax) AS tax,
           count(*) AS periods
      FROM report.market_ohlcv GROUP BY 1, 2, 3
)
SELECT count(*) AS market_days, count(DISTINCT day_start) AS days,
       count(*) FILTER (WHERE (d.open, d.high, d.low, d.close, d.volume, d.trades, d.value, d.tax, d.periods)
                              IS DISTINCT FROM (y.open, y.high, y.low, y.close, y.volume, y.trades, y.value,
                                                y.tax, y.periods)) AS off,
       max(d.periods) AS periods_in_a_full_day
  FROM d LEFT JOIN report.market_ohlcv_day y USING (day_start, station_id, good_id);
-- the day's volume is the raw trades' too
SELECT count(*) FILTER (WHERE y.volume <> coalesce(r.volume, 0)) AS off
  FROM report.market_ohlcv_day y
  LEFT JOIN (SELECT tick - tick % 480 AS day_start, station_id, good_id, sum(qty) AS volume
               FROM sim.trade WHERE kind <> 'contract' AND tick < 1000 GROUP BY 1, 2, 3) r
         USING (day_start, station_id, good_id);
-- sectors: the sums and extremes of their stations, the best quotes
SELECT count(*) AS sector_rows,
       count(*) FILTER (WHERE (s.volume, s.trades, s.value, s.high, s.low, s.bid_best, s.ask_best)
                              IS DISTINCT FROM (m.volume, m.trades, m.value, m.high, m.low, m.bid, m.ask)) AS off
  FROM report.sector_ohlcv s
  JOIN (SELECT period_start, sector_id, good_id, sum(volume) AS volume, sum(trades) AS trades,
               sum(value) AS value, max(high) AS high, min(low) AS low, max(bid) AS bid, min(ask) AS ask
          FROM report.market_ohlcv GROUP BY 1, 2, 3) m USING (period_start, sector_id, good_id);
SELECT count(*) FILTER (WHERE y.volume <> d.volume) AS sector_day_off
  FROM report.sector_ohlcv_day y
  JOIN (SELECT day_start, sector_id, good_id, sum(volume) AS volume FROM report.market_ohlcv_day
         GROUP BY 1, 2, 3) d USING (day_start, sector_id, good_id);

---
--- The price index, recomputed from the raw trades
---
CREATE TEMP TABLE good_price AS
SELECT tick - tick % 20 AS period_start, t.good_id, g.category,
       sum(qty)::double precision AS volume, sum(qty * price)::double precision / sum(qty) AS price
  FROM sim.trade t JOIN sim.good g ON g.id = t.good_id
 WHERE kind <> 'contract' AND tick < 1000
 GROUP BY 1, 2, 3;
CREATE TEMP TABLE my_index (category text, period_start bigint, index double precision);
DO $$
DECLARE
    c       text;
    p       bigint;
    before  bigint;
    idx     double precision;
    num     double precision;
    den     double precision;
BEGIN
    FOR c IN SELECT DISTINCT category FROM sim.good LOOP
        idx := 100;
        before := NULL;
        FOR p IN SELECT DISTINCT period_start FROM report.money_supply ORDER BY 1 LOOP
            IF before IS NOT NULL THEN
                num := 0;
                den := 0;
                SELECT coalesce(sum((b.volume + n.volume) * n.price), 0), coalesce(sum((b.volume + n.volume) * b.price), 0)
                  INTO num, den
                  FROM good_price n JOIN good_price b ON b.good_id = n.good_id AND b.period_start = before
                 WHERE n.category = c AND n.period_start = p;
                IF den > 0 THEN
                    idx := idx * num / den;
                END IF;
            END IF;
            INSERT INTO my_index VALUES (c, p, idx);
            before := p;
        END LOOP;
    END LOOP;
END
$$;
SELECT count(*) AS rows,
       count(*) FILTER (WHERE abs(r.index - m.index) > 1e-9 * m.index) AS off,
       count(*) FILTER (WHERE r.period_start = 0 AND r.index <> 100) AS base_not_100,
       count(*) FILTER (WHERE r.index <> 100) > 0 AS prices_moved
  FROM my_index m LEFT JOIN report.price_index r USING (category, period_start);

---
--- Wealth: the Gini coefficient against its definition
---
SELECT count(*) AS periods,
       count(*) FILTER (WHERE w.gini < 0 OR w.gini > 1) AS outside_0_1,
       count(*) FILTER (WHERE abs(w.gini - g.gini) > 1e-6) AS off,
       count(*) FILTER (WHERE w.top1_share > w.top5_share OR w.top5_share > w.top10_share OR w.top10_share > 1) AS shares_off
  FROM report.wealth_distribution w
  JOIN (SELECT a.period_start,
               sum(abs(a.x - b.x)) / (2 * sum(a.x)) AS gini
          FROM (SELECT period_start, (credits + escrow)::numeric AS x FROM sim.wallet_period) a
          JOIN (SELECT period_start, (credits + escrow)::numeric AS x FROM sim.wallet_period) b USING (period_start)
         GROUP BY a.period_start) g USING (period_start);

---
--- Now: arbitrage, flows, margins, traders
---
SELECT count(*) AS opportunities,
       count(*) FILTER (WHERE a.bid <= a.ask + a.ask * e.tax_rate) AS not_profitable,
       count(*) FILTER (WHERE a.buy_station = a.sell_station) AS same_station,
       count(*) FILTER (WHERE a.bid <> s.bid OR a.ask <> b.ask) AS not_the_quotes,
       count(*) FILTER (WHERE a.bid < (SELECT max(m.bid) FROM sim.market m
                                        WHERE m.good_id = a.good_id AND m.station_id <> a.buy_station)) AS not_the_best,
       count(*) FILTER (WHERE (a.jumps = 0) <> (a.buy_sector = a.sell_sector)) AS jumps_off
  FROM report.arbitrage a CROSS JOIN sim.economy e
  JOIN sim.market b ON b.station_id = a.buy_station AND b.good_id = a.good_id
  JOIN sim.market s ON s.station_id = a.sell_station AND s.good_id = a.good_id;
-- jumps: every pair, symmetric, 1 across a gate, and each step of a path
-- one jump shorter than the last (a neighbour nearer by one, none nearer by more)
WITH link AS (SELECT sector_a AS a, sector_b AS b FROM sim.jump_gate
              UNION SELECT sector_b, sector_a FROM sim.jump_gate)
SELECT count(*) = (SELECT count(*) * count(*) FROM sim.sector) AS every_pair,
       count(*) FILTER (WHERE j.jumps <> r.jumps) AS asymmetric,
       count(*) FILTER (WHERE (j.jumps = 0) <> (j.from_sector = j.to_sector)) AS zero_off,
       count(*) FILTER (WHERE j.jumps > 0 AND NOT EXISTS (
                          SELECT 1 FROM link l JOIN report.sector_jumps n
                                 ON n.from_sector = j.from_sector AND n.to_sector = l.a
                           WHERE l.b = j.to_sector AND n.jumps = j.jumps - 1)) AS no_step_back,
       count(*) FILTER (WHERE EXISTS (
                          SELECT 1 FROM link l JOIN report.sector_jumps n
                                 ON n.from_sector = j.from_sector AND n.to_sector = l.a
                           WHERE l.b = j.to_sector AND n.jumps < j.jumps - 1)) AS shortcut_missed,
       max(j.jumps) AS diameter
  FROM report.sector_jumps j
  JOIN report.sector_jumps r ON r.from_sector = j.to_sector AND r.to_sector = j.from_sector;
SELECT count(*) FILTER (WHERE from_sector = to_sector) AS flows_within_a_sector,
       count(*) FILTER (WHERE margin <> sold_value - bought_value) AS margin_off
  FROM report.trade_flows;
-- the pairing, on two ships' trades written here: 900001 buys in sector 1
-- and sells in sector 2 (a flow); 900002 buys in sector 2, then in sector
-- 1, and sells in sector 1 (its last purchase was there: no flow)
BEGIN;
CREATE TEMP TABLE st AS
SELECT (SELECT min(id) FROM sim.station WHERE sector_id = 1) AS s1,
       (SELECT max(id) FROM sim.station WHERE sector_id = 1) AS s1b,
       (SELECT min(id) FROM sim.station WHERE sector_id = 2) AS s2;
CREATE TEMP TABLE flows_before AS SELECT * FROM report.trade_flows;
INSERT INTO sim.trade (tick, station_id, good_id, qty, price, buyer_faction, seller_faction, buyer_ship, seller_ship, kind, tax)
SELECT x.tick, x.station, 1, x.qty, x.price, 1, 1, x.buyer, x.seller, 'market', 0
  FROM st, LATERAL (VALUES (990, st.s1, 10, 10, 900001, NULL), (995, st.s2, 10, 15, NULL, 900001),
                           (990, st.s2, 4, 10, 900002, NULL), (992, st.s1b, 4, 11, 900002, NULL),
                           (996, st.s1, 4, 20, NULL, 900002)) x(tick, station, qty, price, buyer, seller);
SELECT period_start, from_sector, to_sector, good, f.trips - coalesce(b.trips, 0) AS trips,
       f.qty - coalesce(b.qty, 0) AS qty, f.bought_value - coalesce(b.bought_value, 0) AS bought,
       f.sold_value - coalesce(b.sold_value, 0) AS sold, f.margin - coalesce(b.margin, 0) AS margin
  FROM report.trade_flows f
  LEFT JOIN flows_before b USING (period_start, from_sector, to_sector, good_id, good)
 WHERE f IS DISTINCT FROM b;
ROLLBACK;
-- every unit sold is bought: profits sum to minus the tax paid
SELECT sum(profit) = -(SELECT sum(tax) FROM sim.trade) AS profits_sum_to_minus_tax,
       sum(trades) = 2 * (SELECT count(*) FROM sim.trade) AS both_sides
  FROM report.trader_profit;
SELECT count(*) FILTER (WHERE margin <> spread - tax - fees) AS station_margin_off
  FROM report.station_margin;
SELECT count(*) FILTER (WHERE quoted AND margin <> output_value - input_cost) AS manufacturing_off
  FROM report.manufacturing_margin;
-- the order book is the open orders, summed
SELECT coalesce(sum(qty), 0) = (SELECT coalesce(sum(qty_open), 0) FROM sim.market_order WHERE status = 'open')
       AS book_is_open_orders
  FROM report.order_book;

SELECT count(*) AS audit_violations FROM sim.audit();
