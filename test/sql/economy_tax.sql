--
-- economy_tax: one rule for taxes and fees, exact in whole credits.
--
-- sim.levy(value, rate) = ceil(value * rate) for a rate in whole millionths
-- is the rule (src/core/money.c); the tick's NPC trades and order fills and
-- the SQL commands all charge it.  A universe runs 300 ticks at a tax rate
-- of 7 % and an order fee of 3.5 % -- rates where value * rate in double
-- precision lands above an integer -- with NPC trades, player trades,
-- refuels and order fills; then every trade's tax is checked against the
-- rule computed here in numeric (exact decimal), the ledger's taxes and
-- fees against the trades and orders, and the audit must be empty.
--
SET client_min_messages = warning;
CREATE EXTENSION IF NOT EXISTS sim CASCADE;
RESET client_min_messages;
CREATE FUNCTION pg_temp.fails(q text) RETURNS text LANGUAGE plpgsql AS $$
BEGIN
    EXECUTE q;
    RETURN 'no error';
EXCEPTION WHEN OTHERS THEN
    RETURN SQLSTATE || ': ' || SQLERRM;
END
$$;

---
--- The rule
---
SELECT sim.levy(100, 0.07) AS "100 at 7%", sim.levy(101, 0.07) AS "101 at 7%",
       sim.levy(0, 0.07) AS nothing, sim.levy(1, 0.000001) AS least_rate,
       sim.levy(9223372036854775807, 0.999999) AS largest;
-- the rule against numeric, on every value up to 10^6, at both rates of
-- this test (double precision, as the tick once used, is off on thousands)
SELECT count(*) FILTER (WHERE sim.levy(v, 0.07) <> ceil(v * 0.07::numeric)) AS tax_off,
       count(*) FILTER (WHERE sim.levy(v, 0.035) <> ceil(v * 0.035::numeric)) AS fee_off,
       count(*) FILTER (WHERE ceil(v * 0.07::double precision) <> ceil(v * 0.07::numeric))
         > 1000 AS double_precision_is_off
  FROM generate_series(1::bigint, 1000000) v;
-- bad input: a clear error, no answer
SELECT pg_temp.fails('SELECT sim.levy(-1, 0.07)') AS negative_value;
SELECT pg_temp.fails('SELECT sim.levy(100, 1)') AS rate_of_one;
SELECT pg_temp.fails('SELECT sim.levy(100, -0.01)') AS negative_rate;
SELECT pg_temp.fails('SELECT sim.levy(100, 0.0000001)') AS finer_than_a_millionth;
SELECT pg_temp.fails($$SELECT sim.levy(100, 'NaN')$$) AS nan_rate;
SELECT sim.levy(NULL, 0.07) IS NULL AS null_in_null_out;

---
--- A universe at 7 % tax and 3.5 % order fee
---
SELECT sim.reset_universe();
SELECT sim.generate_universe(2026, 6, 3000) - 'seed' AS universe;
UPDATE sim.economy SET tax_rate = 0.07, order_fee_rate = 0.035;
SELECT tax_rate, order_fee_rate FROM sim.economy;
-- the columns hold rates in [0, 1) of whole millionths; anything else is
-- refused, not rounded
SELECT pg_temp.fails('UPDATE sim.economy SET tax_rate = 1') AS tax_of_one;
SELECT pg_temp.fails('UPDATE sim.economy SET order_fee_rate = 0.0350004') AS finer_than_a_millionth;
SELECT pg_temp.fails($$UPDATE sim.economy SET tax_rate = 'NaN'$$) AS nan_rate;
SELECT tax_rate, order_fee_rate FROM sim.economy;

-- Players: the ships docked at the three stations with the most docked
-- ships (ties to the lower id) fly no NPC pilot; NPCs trade for 100 ticks.
CREATE TEMP TABLE players AS
SELECT s.id, s.docked_at
  FROM sim.ship s
 WHERE s.state = 'docked'
   AND s.docked_at IN (SELECT docked_at FROM sim.ship WHERE state = 'docked'
                        GROUP BY docked_at ORDER BY count(*) DESC, docked_at LIMIT 3);
DELETE FROM sim.npc_personality WHERE ship_id IN (SELECT id FROM players);
SELECT sim.step(100);
SELECT count(*) >= 6 AS enough_players, count(DISTINCT p.docked_at) AS stations,
       bool_and(s.state = 'docked' AND s.docked_at = p.docked_at) AS all_still_docked
  FROM players p JOIN sim.ship s USING (id);

-- Every player buys 7 units of the most stocked good of its station (a
-- market trade each), and refuels a unit when there is room for one.
CREATE TEMP TABLE bought AS
SELECT p.id AS ship, m.good_id AS good, b.*
  FROM players p
  JOIN LATERAL (SELECT ss.good_id FROM sim.station_stock ss JOIN sim.good g ON g.id = ss.good_id
                 WHERE ss.station_id = p.docked_at AND g.name <> 'fuel'
                 ORDER BY ss.qty DESC, ss.good_id LIMIT 1) m ON true
  CROSS JOIN LATERAL sim.buy(p.id, m.good_id, 7) b
 ORDER BY p.id;
SELECT count(*) AS player_buys,
       count(*) FILTER (WHERE tax <> ceil(total * 0.07::numeric)) AS buys_taxed_otherwise
  FROM bought;
CREATE TEMP TABLE refuelled AS
SELECT p.id AS ship, r.*
  FROM players p
  JOIN sim.ship s ON s.id = p.id
  JOIN sim.ship_class k ON k.id = s.class_id
  CROSS JOIN LATERAL sim.refuel(p.id, 1) r
 WHERE k.fuel_capacity - s.fuel >= 1
 ORDER BY p.id;
SELECT count(*) > 0 AS some_refuelled,
       count(*) FILTER (WHERE tax <> ceil(total * 0.07::numeric)) AS refuels_taxed_otherwise
  FROM refuelled;

-- At each station the first player offers 3 of what it bought at the
-- station's ask plus 13, and the next player bids as much for them: the
-- next tick matches the two orders.
CREATE TEMP TABLE ranked AS
SELECT b.ship, b.good, b.price, p.docked_at,
       row_number() OVER (PARTITION BY p.docked_at ORDER BY b.ship) AS n
  FROM bought b JOIN players p ON p.id = b.ship;
CREATE TEMP TABLE placed AS
SELECT sim.place_order(a.ship, a.good, 'sell', 3, a.price + 13) AS sell_order,
       sim.place_order(c.ship, a.good, 'buy', 3, a.price + 13) AS buy_order
  FROM ranked a JOIN ranked c ON c.docked_at = a.docked_at AND c.n = 2
 WHERE a.n = 1
 ORDER BY a.docked_at;
-- a sell order that rests: its fee is paid whether it fills or not
SELECT count(sim.place_order(r.ship, r.good, 'sell', 1, 1000000)) AS resting_orders
  FROM ranked r WHERE r.n = 3;

-- Each placed order paid its fee, and the fees are the rule's
SELECT count(*) AS orders,
       (SELECT sum(amount) FROM sim.ledger WHERE reason = 'order_fee')
         = sum(ceil(qty * price * 0.035::numeric)) AS fees_are_the_rule,
       (SELECT count(*) FROM sim.ledger WHERE reason = 'order_fee') = count(*) AS one_fee_per_order
  FROM sim.market_order;

SELECT sim.step(200);

---
--- Every trade against the rule, and the ledger against the trades
---
SELECT kind, count(*) > 0 AS happened,
       count(*) FILTER (WHERE tax <> CASE kind WHEN 'contract' THEN 0
                                     ELSE ceil(qty * price * 0.07::numeric) END) AS taxed_otherwise
  FROM sim.trade GROUP BY kind ORDER BY kind;
SELECT count(*) FILTER (WHERE buyer_ship IN (SELECT id FROM players)
                           OR seller_ship IN (SELECT id FROM players)) > 0 AS player_trades,
       count(*) FILTER (WHERE kind IN ('market', 'refuel')
                           AND coalesce(buyer_ship, seller_ship) NOT IN (SELECT id FROM players)) > 0 AS npc_trades,
       count(*) FILTER (WHERE kind = 'order') = (SELECT count(*) FROM placed) AS every_crossing_pair_filled,
       count(*) FILTER (WHERE kind = 'refuel' AND good_id <> (SELECT id FROM sim.good WHERE name = 'fuel'))
         AS refuels_not_of_fuel
  FROM sim.trade;
SELECT (SELECT sum(amount) FROM sim.ledger WHERE reason = 'tax') = sum(tax) AS ledger_taxes_are_the_trades,
       (SELECT count(*) FROM sim.ledger WHERE reason = 'tax') = count(*) FILTER (WHERE tax > 0) AS one_tax_row_per_taxed_trade
  FROM sim.trade;
-- money and goods add up
SELECT count(*) AS audit_findings FROM sim.audit();

-- the kinds of trade are one list, sim.trade_kind: the trades refer to it
-- and the change record codes them from it
SELECT pg_temp.fails($$INSERT INTO sim.trade (tick, station_id, good_id, qty, price, buyer_faction,
                                             seller_faction, kind, tax)
                      VALUES (1, 1, 1, 1, 1, 1, 2, 'gift', 0)$$) AS unknown_kind;
SELECT k.name, k.code, c.code = k.code AS record_codes_it
  FROM sim.trade_kind k
  LEFT JOIN sim.change_code c ON c.kind = 5 AND c.field = 'kind' AND c.label = k.name
 ORDER BY k.code;
SELECT count(*) = (SELECT count(*) FROM sim.trade) AS every_trade_recorded,
       count(*) FILTER (WHERE c.val[8] <> k.code OR c.val[9] <> t.tax) AS trades_recorded_otherwise
  FROM sim.trade t
  JOIN sim.change c ON c.kind = 5 AND c.id = t.id
  JOIN sim.trade_kind k ON k.name = t.kind;
