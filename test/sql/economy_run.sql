--
-- economy_run: the economy running by itself.  A generated universe of 20
-- sectors, 120 stations and 3000 NPC ships ticks 3000 times with sim.step
-- (long enough for miners of the balanced economy to fill and sell their
-- holds, and for haulers to deliver contracts);
-- then: trades in every sector, prices that moved against the stock,
-- stations that produced and consumed, miners that sold what they mined,
-- contracts offered, taken and delivered, every ship's events a chain from
-- its first state to its current one, price history that the trades add up
-- to, nothing negative or over capacity, and the audit empty.
--
-- The tick is deterministic, so every number here is stable; still, the
-- output shows booleans and small aggregates, so that harmless tuning of
-- the economy does not change it.
--
SET client_min_messages = warning;
CREATE EXTENSION IF NOT EXISTS sim CASCADE;
RESET client_min_messages;
SELECT sim.reset_universe();

SELECT sim.generate_universe(42, 20, 3000) - 'seed' AS universe;

-- The world at tick 0, to compare with
CREATE TEMP TABLE stock0 AS SELECT station_id, good_id, qty, target FROM sim.station_stock;
CREATE TEMP TABLE ship0 AS SELECT id, state, role FROM sim.ship;
CREATE TEMP TABLE deposit0 AS SELECT body_id, good_id, remaining FROM sim.deposit;

SELECT sim.step(750);
SELECT sim.step(750);
SELECT sim.step(750);
SELECT sim.step(750);
SELECT tick FROM sim.world;
SELECT count(*) AS ticks_logged, min(tick), max(tick), count(DISTINCT source) AS sources FROM sim.tick_log;

---
--- Trades: in every sector, bought and sold by ships, taxed
---
SELECT count(*) AS sectors, count(*) FILTER (WHERE trades = 0) AS sectors_without_trades
  FROM (SELECT sc.id, count(t.id) AS trades
          FROM sim.sector sc
          LEFT JOIN sim.station st ON st.sector_id = sc.id
          LEFT JOIN sim.trade t ON t.station_id = st.id
         GROUP BY sc.id) x;
SELECT kind, count(*) > 0 AS some, bool_or(buyer_ship IS NOT NULL) AS ships_bought,
       bool_or(seller_ship IS NOT NULL) AS ships_sold,
       bool_and(tick BETWEEN 1 AND 3000) AS ticks_in_range,
       bool_and(qty > 0 AND price > 0) AS positive
  FROM sim.trade GROUP BY kind ORDER BY kind;
-- a market trade is between a ship and the station's faction, at one end
SELECT count(*) AS market_trades_not_with_the_station
  FROM sim.trade t JOIN sim.station st ON st.id = t.station_id
 WHERE t.kind = 'market'
   AND NOT ((t.buyer_ship IS NOT NULL AND t.seller_ship IS NULL AND t.seller_faction = st.faction_id)
         OR (t.seller_ship IS NOT NULL AND t.buyer_ship IS NULL AND t.buyer_faction = st.faction_id));
-- every trade but a contract paid a tax (2 % of its value, rounded up: never
-- 0), as the ledger says, and refuels are told apart from cargo trades
SELECT count(*) FILTER (WHERE tax <> CASE kind WHEN 'contract' THEN 0
                                     ELSE ceil((qty * price)::numeric * 0.02) END) AS trades_taxed_otherwise,
       sum(tax) = (SELECT sum(amount) FROM sim.ledger WHERE reason = 'tax') AS ledger_has_every_tax,
       count(*) FILTER (WHERE kind <> 'contract')
         = (SELECT count(*) FROM sim.ledger WHERE reason = 'tax') AS one_tax_per_trade,
       count(*) FILTER (WHERE kind = 'refuel' AND good_id <> (SELECT id FROM sim.good WHERE name = 'fuel'))
         AS refuels_not_of_fuel
  FROM sim.trade;

---
--- Prices move against the stock (sim.market_quote of the stock at tick 0
--- and now)
---
CREATE TEMP TABLE moved AS
SELECT s.station_id, s.good_id, s0.qty AS qty0, s.qty AS qty1,
       q0.bid AS bid0, q1.bid AS bid1, q0.ask AS ask0, q1.ask AS ask1
  FROM sim.station_stock s
  JOIN stock0 s0 USING (station_id, good_id)
  JOIN sim.good g ON g.id = s.good_id
 CROSS JOIN sim.economy e
 CROSS JOIN LATERAL sim.market_quote(g.base_price, s0.qty, s0.target, e.spread) q0
 CROSS JOIN LATERAL sim.market_quote(g.base_price, s.qty, s.target, e.spread) q1;
SELECT count(*) = (SELECT count(*) FROM stock0) AS every_market_kept,
       count(*) FILTER (WHERE qty1 <> qty0) > count(*) / 2 AS most_stocks_changed,
       count(*) FILTER (WHERE qty1 > qty0 AND bid1 < bid0 AND ask1 < ask0) > 0 AS stock_up_prices_down,
       count(*) FILTER (WHERE qty1 < qty0 AND bid1 > bid0 AND ask1 > ask0) > 0 AS stock_down_prices_up,
       count(*) FILTER (WHERE (qty1 - qty0) * (bid1 - bid0) > 0 OR (qty1 - qty0) * (ask1 - ask0) > 0)
           AS moved_with_the_stock
  FROM moved;
-- sim.market shows the quotes of the current stock
SELECT count(*) AS market_view_differs
  FROM sim.market m JOIN moved v USING (station_id, good_id)
 WHERE m.stock <> v.qty1 OR m.bid <> v.bid1 OR m.ask <> v.ask1;
-- the price NPCs paid and got moved too: some markets traded at several prices
SELECT count(*) FILTER (WHERE prices > 1) > 0 AS some_markets_at_several_prices
  FROM (SELECT station_id, good_id, count(DISTINCT price) AS prices
          FROM sim.trade WHERE kind = 'market' GROUP BY station_id, good_id) x;

---
--- Stations produce and consume
---
SELECT (SELECT count(DISTINCT station_id) FROM sim.ledger WHERE reason = 'production')
         >= 0.9 * (SELECT count(DISTINCT station_id) FROM sim.station_recipe) AS most_factories_produced,
       (SELECT count(DISTINCT station_id) FROM sim.ledger WHERE reason = 'recipe_input')
         >= 0.9 * (SELECT count(DISTINCT station_id) FROM sim.station_recipe) AS most_factories_used_inputs,
       (SELECT count(DISTINCT station_id) FROM sim.ledger WHERE reason = 'consumption')
         >= 0.9 * (SELECT count(DISTINCT station_id) FROM sim.station_demand) AS most_populations_consumed,
       (SELECT count(*) FROM sim.ledger l WHERE l.reason = 'production'
           AND NOT EXISTS (SELECT 1 FROM sim.station_recipe sr JOIN sim.recipe_output ro USING (recipe_id)
                            WHERE sr.station_id = l.station_id AND ro.good_id = l.good_id)) AS produced_without_recipe,
       (SELECT count(*) FROM sim.ledger l WHERE l.reason = 'consumption'
           AND NOT EXISTS (SELECT 1 FROM sim.station_demand d
                            WHERE d.station_id = l.station_id AND d.good_id = l.good_id)) AS consumed_without_demand;
-- the populations paid for what they consumed
SELECT (SELECT count(*) FROM sim.ledger WHERE reason = 'consumption')
     = (SELECT count(*) FROM sim.ledger WHERE reason = 'population') AS every_consumption_paid;

---
--- Miners mine and sell what they mined
---
CREATE TEMP TABLE mined AS
SELECT l.ship_id, l.good_id, sum(l.amount) AS qty FROM sim.ledger l WHERE l.reason = 'mining' GROUP BY 1, 2;
CREATE TEMP TABLE sold_by_miners AS
SELECT t.seller_ship AS ship_id, t.good_id, sum(t.qty) AS qty
  FROM sim.trade t JOIN ship0 s ON s.id = t.seller_ship
 WHERE t.kind = 'market' AND s.role = 'miner' GROUP BY 1, 2;
SELECT (SELECT count(DISTINCT ship_id) FROM mined) > 100 AS many_miners_mined,
       (SELECT count(*) FROM mined m JOIN ship0 s ON s.id = m.ship_id WHERE s.role <> 'miner') AS mined_by_others,
       (SELECT count(*) FROM mined m JOIN sim.good g ON g.id = m.good_id WHERE g.tier <> 0) AS mined_not_raw,
       (SELECT count(DISTINCT ship_id) FROM sold_by_miners) > 100 AS many_miners_sold,
       (SELECT count(*) FROM sold_by_miners s LEFT JOIN mined m USING (ship_id, good_id)
         WHERE m.qty IS NULL OR s.qty > m.qty) AS sold_more_than_mined;
-- what was mined is sold, held in holds, or still on its way (a miner of the
-- balanced economy fills its hold over hundreds of ticks, then flies for hundreds)
SELECT (SELECT sum(qty) FROM sold_by_miners) > (SELECT sum(qty) FROM mined) / 10 AS a_tenth_sold;
-- deposits lost, good by good, exactly what the ledger says was mined
SELECT count(*) AS goods_off
  FROM (SELECT d.good_id, sum(d0.remaining - d.remaining) AS lost
          FROM sim.deposit d JOIN deposit0 d0 USING (body_id, good_id) GROUP BY d.good_id) x
  FULL JOIN (SELECT good_id, sum(qty) AS mined FROM mined GROUP BY good_id) m USING (good_id)
 WHERE x.lost IS DISTINCT FROM m.mined AND coalesce(x.lost, 0) + coalesce(m.mined, 0) > 0;

---
--- Contracts: offered by stations short of a good, taken by haulers
---
SELECT count(*) > 0 AS offered, count(*) FILTER (WHERE status = 'accepted') > 0 AS accepted,
       bool_and(kind = 'procurement') AS all_procurement,
       bool_and(escrow = CASE WHEN status IN ('open', 'accepted') THEN reward ELSE 0 END) AS escrow_held,
       bool_and((status = 'open') = (ship_id IS NULL)) AS ship_iff_taken,
       count(*) FILTER (WHERE status = 'accepted' AND ship_id NOT IN (SELECT id FROM ship0 WHERE role = 'hauler'))
           AS taken_by_non_haulers
  FROM sim.contract;

---
--- Ship events: every ship's events chain from its state at tick 0 to its
--- state now
---
SELECT t.from_state, t.to_state, count(e.id) > 0 AS happened
  FROM sim.ship_transition t LEFT JOIN sim.ship_event e USING (from_state, to_state)
 GROUP BY t.from_state, t.to_state ORDER BY t.from_state, t.to_state;
SELECT count(*) AS events_not_in_the_machine
  FROM sim.ship_event e
 WHERE NOT EXISTS (SELECT 1 FROM sim.ship_transition t WHERE t.from_state = e.from_state AND t.to_state = e.to_state);
WITH e AS (
    SELECT e.*, lag(e.to_state) OVER w AS prev, row_number() OVER (PARTITION BY e.ship_id ORDER BY e.id DESC) AS back
      FROM sim.ship_event e WINDOW w AS (PARTITION BY e.ship_id ORDER BY e.id))
SELECT count(DISTINCT e.ship_id) > 2700 AS most_ships_moved,
       count(*) FILTER (WHERE e.prev IS NOT NULL AND e.prev <> e.from_state) AS broken_chains,
       count(*) FILTER (WHERE e.prev IS NULL AND e.from_state <> s0.state) AS not_from_the_start,
       count(*) FILTER (WHERE e.back = 1 AND e.to_state <> s.state) AS not_to_the_end,
       count(*) FILTER (WHERE e.tick NOT BETWEEN 1 AND 3000) AS outside_the_run
  FROM e JOIN ship0 s0 ON s0.id = e.ship_id JOIN sim.ship s ON s.id = e.ship_id;
-- where ships docked, orbited and mined
SELECT count(*) AS events_without_place
  FROM sim.ship_event
 WHERE (to_state IN ('docked', 'docking', 'undocking') AND station_id IS NULL)
    OR (to_state IN ('orbiting', 'mining') AND body_id IS NULL);

---
--- Nothing negative, nothing over capacity
---
SELECT (SELECT min(qty) FROM sim.station_stock) >= 0 AS stock,
       (SELECT min(qty) FROM sim.ship_cargo) > 0 AS cargo,
       (SELECT min(credits) FROM sim.wallet) >= 0 AS credits,
       (SELECT min(remaining) FROM sim.deposit) >= 0 AS deposits,
       (SELECT min(fuel) FROM sim.ship) >= 0 AS fuel,
       (SELECT min(escrow) FROM sim.contract) >= 0 AS escrow;
SELECT (SELECT count(*) FROM (SELECT st.id FROM sim.station st JOIN sim.station_stock s ON s.station_id = st.id
                               GROUP BY st.id, st.storage_capacity HAVING sum(s.qty) > st.storage_capacity) x)
           AS stations_over_storage,
       (SELECT count(*) FROM (SELECT sh.id FROM sim.ship sh JOIN sim.ship_class c ON c.id = sh.class_id
                               JOIN sim.ship_cargo k ON k.ship_id = sh.id
                               GROUP BY sh.id, c.cargo_capacity HAVING sum(k.qty) > c.cargo_capacity) x)
           AS holds_over_capacity,
       (SELECT count(*) FROM sim.ship sh JOIN sim.ship_class c ON c.id = sh.class_id
         WHERE sh.fuel > c.fuel_capacity) AS tanks_over_capacity,
       (SELECT count(*) FROM (SELECT st.id FROM sim.station st JOIN sim.ship sh ON sh.docked_at = st.id
                               AND sh.state = 'docked'
                               GROUP BY st.id, st.docking_slots HAVING count(*) > st.docking_slots) x)
           AS stations_overbooked;
-- the economy made credits (populations pay) and destroyed some (taxes)
SELECT (SELECT sum(amount) FROM sim.ledger WHERE reason = 'population') > 0 AS population_paid,
       (SELECT sum(amount) FROM sim.ledger WHERE reason = 'tax') > 0 AS taxes_paid;

SELECT * FROM sim.audit();

---
--- Price history: open, high, low, close and volume of the trades
---
SELECT count(*) > 0 AS has_rows,
       count(DISTINCT station_id) > 100 AS at_most_stations,
       bool_and(low <= open AND low <= close AND high >= open AND high >= close) AS ohlc_consistent,
       count(*) FILTER (WHERE high > low) > 0 AS some_ranges,
       bool_and(period_start % 60 = 0 AND period_start <= 3000) AS periods_aligned,
       bool_and(volume > 0 AND trades > 0) AS volumes
  FROM sim.price_history;
-- exactly the trades up to the last one aggregated, contract deliveries aside
WITH agg AS (
    SELECT t.station_id, t.good_id, t.tick - t.tick % e.price_period_ticks AS period_start,
           (array_agg(t.price ORDER BY t.id))[1] AS open, max(t.price) AS high, min(t.price) AS low,
           (array_agg(t.price ORDER BY t.id DESC))[1] AS close, sum(t.qty) AS volume, count(*) AS trades
      FROM sim.trade t, sim.economy e
     WHERE t.id <= e.trades_aggregated AND t.kind <> 'contract'
     GROUP BY 1, 2, 3)
SELECT count(*) AS periods_differing
  FROM agg a FULL JOIN sim.price_history p USING (station_id, good_id, period_start)
 WHERE a.station_id IS NULL OR p.station_id IS NULL
    OR (a.open, a.high, a.low, a.close, a.volume, a.trades) IS DISTINCT FROM
       (p.open, p.high, p.low, p.close, p.volume, p.trades);
SELECT (SELECT trades_aggregated FROM sim.economy) >= (SELECT max(id) FROM sim.trade WHERE tick < 3000)
       AS aggregated_up_to_the_last_tick;

-- contracts delivered within the 3000 ticks
SELECT count(*) FILTER (WHERE status = 'fulfilled') > 0 AS fulfilled,
       bool_and(status <> 'fulfilled' OR (escrow = 0 AND closed_tick > accepted_tick AND ship_id IS NOT NULL))
           AS fulfilled_closed,
       count(*) FILTER (WHERE status = 'fulfilled')
           = (SELECT count(*) FROM sim.trade WHERE kind = 'contract') AS one_trade_per_delivery
  FROM sim.contract;
-- a delivery is a trade of the contract's goods, at its station, from its ship
SELECT count(*) AS deliveries_not_matching
  FROM sim.contract c
 WHERE c.status = 'fulfilled'
   AND NOT EXISTS (SELECT 1 FROM sim.trade t
                    WHERE t.kind = 'contract' AND t.tick = c.closed_tick AND t.station_id = c.station_id
                      AND t.good_id = c.good_id AND t.qty = c.qty AND t.seller_ship = c.ship_id
                      AND t.buyer_faction = c.issuer_faction AND t.seller_faction = c.contractor_faction);
SELECT * FROM sim.audit();

SELECT sim.reset_universe();
