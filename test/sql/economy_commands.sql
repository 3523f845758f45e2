--
-- economy_commands: the immediate economic commands (buy, sell, refuel,
-- transfer_cargo, jettison, place_order, cancel_order, offer_contract,
-- accept_contract, deliver_contract) and the stations' part of a tick
-- (sim.run_stations), on a small hand-made universe whose every number is
-- known.  Every error path shows its SQLSTATE and that it changed nothing;
-- the ledger accounts for every unit and credit at the end (sim.audit).
--
SET client_min_messages = warning;
CREATE EXTENSION IF NOT EXISTS sim CASCADE;
RESET client_min_messages;
SELECT sim.reset_universe();

CREATE FUNCTION pg_temp.try(stmt text) RETURNS text
LANGUAGE plpgsql AS $$
DECLARE
    code    text;
    msg     text;
BEGIN
    EXECUTE stmt;
    RETURN 'ok';
EXCEPTION WHEN others THEN
    GET STACKED DIAGNOSTICS code = RETURNED_SQLSTATE, msg = MESSAGE_TEXT;
    RETURN code || ': ' || msg;
END
$$;

-- Everything a command may change, as one digest
CREATE FUNCTION pg_temp.digest() RETURNS text
LANGUAGE sql SECURITY DEFINER AS $$
    SELECT md5(concat_ws('|',
        (SELECT string_agg(w::text, ',' ORDER BY w.faction_id) FROM sim.wallet w),
        (SELECT string_agg(s::text, ',' ORDER BY s.station_id, s.good_id) FROM sim.station_stock s),
        (SELECT string_agg(c::text, ',' ORDER BY c.ship_id, c.good_id) FROM sim.ship_cargo c),
        (SELECT string_agg(o::text, ',' ORDER BY o.id) FROM sim.market_order o),
        (SELECT string_agg(c::text, ',' ORDER BY c.id) FROM sim.contract c),
        (SELECT string_agg(s.id || ':' || s.state || ':' || s.fuel, ',' ORDER BY s.id) FROM sim.ship s),
        (SELECT count(*) FROM sim.ledger)::text,
        (SELECT count(*) FROM sim.trade)::text))
$$;

-- A failing command: its SQLSTATE and message, and whether anything changed
CREATE FUNCTION pg_temp.fails(stmt text) RETURNS text
LANGUAGE plpgsql AS $$
DECLARE
    before  text := pg_temp.digest();
    result  text := pg_temp.try(stmt);
BEGIN
    RETURN result || CASE WHEN pg_temp.digest() = before THEN ' (nothing changed)' ELSE ' (STATE CHANGED)' END;
END
$$;

-- The whole report of an error, for the ones whose detail and hint matter
CREATE FUNCTION pg_temp.explain(stmt text) RETURNS text
LANGUAGE plpgsql AS $$
DECLARE
    code    text;
    msg     text;
    detail  text;
    hint    text;
BEGIN
    EXECUTE stmt;
    RETURN 'ok';
EXCEPTION WHEN others THEN
    GET STACKED DIAGNOSTICS code = RETURNED_SQLSTATE, msg = MESSAGE_TEXT,
                            detail = PG_EXCEPTION_DETAIL, hint = PG_EXCEPTION_HINT;
    RETURN code || ': ' || msg || E'\nDETAIL: ' || coalesce(nullif(detail, ''), '-')
                || E'\nHINT: ' || coalesce(nullif(hint, ''), '-');
END
$$;

-- Ledger rows and trades recorded since the last call
CREATE TEMP TABLE seen (ledger bigint, trade bigint);
INSERT INTO seen VALUES (0, 0);
CREATE FUNCTION pg_temp.new_ledger()
RETURNS TABLE (tick bigint, flow text, reason text, good_id integer, amount bigint,
               station_id integer, ship_id bigint, faction_id integer)
LANGUAGE plpgsql AS $$
BEGIN
    RETURN QUERY SELECT l.tick, l.flow, l.reason, l.good_id, l.amount, l.station_id, l.ship_id, l.faction_id
                   FROM sim.ledger l WHERE l.id > (SELECT s.ledger FROM seen s) ORDER BY l.id;
    UPDATE seen SET ledger = (SELECT coalesce(max(l.id), 0) FROM sim.ledger l);
END
$$;
CREATE FUNCTION pg_temp.new_trades()
RETURNS TABLE (id bigint, tick bigint, station_id integer, good_id integer, qty bigint, price bigint,
               buyer_faction integer, seller_faction integer, buyer_ship bigint, seller_ship bigint, kind text,
               tax bigint)
LANGUAGE plpgsql AS $$
BEGIN
    RETURN QUERY SELECT t.id, t.tick, t.station_id, t.good_id, t.qty, t.price, t.buyer_faction,
                        t.seller_faction, t.buyer_ship, t.seller_ship, t.kind, t.tax
                   FROM sim.trade t WHERE t.id > (SELECT s.trade FROM seen s) ORDER BY t.id;
    UPDATE seen SET trade = (SELECT coalesce(max(t.id), 0) FROM sim.trade t);
END
$$;

-- A universe by hand.  Factions: 1 trades, 2 owns the big stations and is
-- rich, 3 is poor.  Stations: 1 Hub (storage 10000), 2 Depot (storage 100,
-- 90 held), 3 Shack (faction 3).  Hulls hold 100 units and 100 fuel.
-- Ships 1, 2, 7 are docked at the Hub, 3 at the Depot, 8 at the Shack;
-- 4, 5 and 6 are idle in space, 5 half a km from 4, 6 four km from 4.
INSERT INTO sim.world (seed, params, tick) VALUES (0, '{}', 18);
INSERT INTO sim.economy (spread, tax_rate, order_fee_rate, price_period_ticks, contract_period_ticks, contract_ticks)
VALUES (0.1, 0.02, 0.01, 5, 20, 30);
INSERT INTO sim.faction (id, name, kind, color) VALUES
    (1, 'Traders', 'corporation', '#111111'), (2, 'Station Co', 'state', '#222222'),
    (3, 'Paupers', 'guild', '#333333');
INSERT INTO sim.wallet (faction_id, credits) VALUES (1, 10000), (2, 100000), (3, 50);
INSERT INTO sim.sector (id, name, center, half_size, security)
VALUES (1, 'Alpha', ST_MakePoint(0, 0, 0), 100000, 0.5);
INSERT INTO sim.good (id, name, category, tier, base_price, volume) VALUES
    (1, 'ore', 'raw', 0, 10, 1), (2, 'metal', 'refined', 1, 40, 0.5), (3, 'fuel', 'consumable', 1, 50, 1),
    (4, 'food', 'consumable', 2, 60, 0.8), (5, 'water', 'refined', 1, 20, 1), (6, 'gems', 'raw', 0, 500, 0.1);
INSERT INTO sim.recipe (id, name, cycle_ticks) VALUES (1, 'smelt ore', 10), (2, 'compress ore', 1);
INSERT INTO sim.recipe_input (recipe_id, good_id, qty) VALUES (1, 1, 4), (2, 1, 1);
INSERT INTO sim.recipe_output (recipe_id, good_id, qty) VALUES (1, 2, 2), (2, 2, 200);
INSERT INTO sim.station (id, name, faction_id, sector_id, body_id, kind, pos, docking_slots, storage_capacity) VALUES
    (1, 'Hub', 2, 1, NULL, 'trade_hub', ST_MakePoint(1000, 0, 0), 10, 10000),
    (2, 'Depot', 2, 1, NULL, 'outpost', ST_MakePoint(2000, 0, 0), 10, 100),
    (3, 'Shack', 3, 1, NULL, 'outpost', ST_MakePoint(3000, 0, 0), 10, 1000);
INSERT INTO sim.station_recipe (station_id, recipe_id) VALUES (1, 1), (2, 2), (3, 2);
INSERT INTO sim.station_stock (station_id, good_id, qty, target) VALUES
    (1, 1, 300, 300), (1, 2, 50, 100), (1, 3, 500, 500), (1, 4, 0, 100), (1, 5, 5, 100),
    (2, 1, 90, 100), (2, 2, 0, 50),
    (3, 1, 10, 100);
INSERT INTO sim.station_demand (station_id, good_id, qty, cycle_ticks) VALUES
    (1, 3, 5, 10), (1, 4, 2, 10), (1, 5, 1, 10);
INSERT INTO sim.ship_class (id, name, role, max_speed, max_accel, cargo_capacity, fuel_capacity, fuel_per_dv, mining_rate)
VALUES (1, 'Hauler', 'hauler', 10, 0.1, 100, 100, 0.5, 0);
INSERT INTO sim.ship (id, name, faction_id, class_id, role, sector_id, state, docked_at, fuel, x, y, z) VALUES
    (1, 'One',   1, 1, 'hauler', 1, 'docked', 1, 40.5, 1000, 0, 0),
    (2, 'Two',   1, 1, 'hauler', 1, 'docked', 1, 100, 1000, 0, 0),
    (3, 'Three', 1, 1, 'hauler', 1, 'docked', 2, 100, 2000, 0, 0),
    (4, 'Four',  1, 1, 'hauler', 1, 'idle', NULL, 100, 5000, 0, 0),
    (5, 'Five',  3, 1, 'hauler', 1, 'idle', NULL, 100, 5000.5, 0, 0),
    (6, 'Six',   1, 1, 'hauler', 1, 'idle', NULL, 100, 5004, 0, 0),
    (7, 'Seven', 3, 1, 'hauler', 1, 'docked', 1, 0, 1000, 0, 0),
    (8, 'Eight', 1, 1, 'hauler', 1, 'docked', 3, 100, 3000, 0, 0);
INSERT INTO sim.ship_cargo (ship_id, good_id, qty) VALUES (3, 2, 85), (4, 1, 10), (5, 2, 98), (8, 1, 30);
-- what exists at the start came from the first faucet
INSERT INTO sim.ledger (tick, flow, reason, good_id, amount)
SELECT 0, 'faucet', 'seed', h.good_id, sum(h.qty)
  FROM (SELECT good_id, qty FROM sim.station_stock UNION ALL SELECT good_id, qty FROM sim.ship_cargo) h
 GROUP BY h.good_id HAVING sum(h.qty) > 0 ORDER BY h.good_id;
INSERT INTO sim.ledger (tick, flow, reason, amount, faction_id)
SELECT 0, 'faucet', 'seed', credits, faction_id FROM sim.wallet ORDER BY faction_id;
SELECT count(*) AS seed_rows FROM pg_temp.new_ledger();
SELECT * FROM sim.audit();

-- The markets: stock against target sets the prices
SELECT station_id, good, stock, target, bid, ask FROM sim.market ORDER BY station_id, good_id;

--
-- Stations at work (sim.run_stations, as the tick calls it)
--
-- Tick 19: the Hub (station 1) smelts (cycle 10: (19 + 1) % 10 = 0): 4 ore
-- become 2 metal.  Compressing (cycle 1, every tick) does not run at the
-- Depot (no room for 199 more units) nor at the Shack (no metal market).
-- The Hub's population consumes 5 fuel and 1 water and pays the bids (47
-- and 70); it wants 2 food but there is none.
SELECT sim.run_stations(19);
SELECT station_id, good_id, qty FROM sim.station_stock ORDER BY station_id, good_id;
SELECT * FROM pg_temp.new_ledger();
SELECT faction_id, credits FROM sim.wallet ORDER BY faction_id;

-- Tick 20, a contract period: the Hub lacks food and water (stock below a
-- quarter of the target) and offers a procurement contract for the scarcer,
-- food: 50 units (half the target), reward ceil(50 * 60 * 1.3).  The Shack
-- lacks ore but its faction cannot fund a contract.  The Depot has enough.
SELECT sim.run_stations(20);
SELECT id, kind, issuer_faction, station_id, good_id, qty, reward, escrow, created_tick, deadline_tick, status
  FROM sim.contract ORDER BY id;
SELECT faction_id, credits FROM sim.wallet ORDER BY faction_id;
SELECT count(*) AS ledger_rows FROM pg_temp.new_ledger();
SELECT pg_temp.try('SELECT sim.run_stations(NULL)') AS run_null,
       pg_temp.try('SELECT sim.run_stations(-1)') AS run_negative;

-- No tick runs in this file: the clock is moved by hand.  Commands belong
-- to the last committed tick (sim.current_tick()), now 20.
UPDATE sim.world SET tick = 20;

--
-- sim.buy
--
-- 10 ore at the Hub's ask (stock 296 of 300): 11 each, tax ceil(110 * 2%) = 3
SELECT * FROM sim.buy(1, 1, 10);
SELECT qty AS hub_ore FROM sim.station_stock WHERE station_id = 1 AND good_id = 1;
SELECT ship_id, good_id, qty FROM sim.ship_cargo WHERE ship_id = 1;
SELECT faction_id, credits FROM sim.wallet ORDER BY faction_id;
SELECT * FROM pg_temp.new_ledger();
SELECT * FROM pg_temp.new_trades();
-- the ask rose with the smaller stock: 12 is above max_price 11; at 12 it trades
SELECT pg_temp.fails('SELECT sim.buy(1, 1, 5, 11)') AS price_moved;
SELECT pg_temp.explain('SELECT sim.buy(1, 1, 5, 11)') AS price_moved;
SELECT * FROM sim.buy(1, 1, 5, 12);
SELECT * FROM pg_temp.new_trades();
SELECT count(*) AS tax_rows FROM pg_temp.new_ledger();
-- errors
SELECT pg_temp.fails('SELECT sim.buy(NULL, 1, 1)') AS null_ship;
SELECT pg_temp.fails('SELECT sim.buy(1, NULL, 1)') AS null_good;
SELECT pg_temp.fails('SELECT sim.buy(1, 1, NULL)') AS null_qty;
SELECT pg_temp.fails('SELECT sim.buy(1, 1, 0)') AS zero_qty;
SELECT pg_temp.fails('SELECT sim.buy(1, 1, -3)') AS negative_qty;
SELECT pg_temp.fails('SELECT sim.buy(1, 1, 1, 0)') AS zero_max_price;
SELECT pg_temp.fails('SELECT sim.buy(999, 1, 1)') AS unknown_ship;
SELECT pg_temp.fails('SELECT sim.buy(1, 99, 1)') AS unknown_good;
SELECT pg_temp.fails('SELECT sim.buy(4, 1, 1)') AS not_docked;
SELECT pg_temp.explain('SELECT sim.buy(4, 1, 1)') AS not_docked;
SELECT pg_temp.fails('SELECT sim.buy(1, 6, 1)') AS not_traded;
SELECT pg_temp.explain('SELECT sim.buy(1, 6, 1)') AS not_traded;
SELECT pg_temp.fails('SELECT sim.buy(1, 1, 1000)') AS not_enough_stock;
SELECT pg_temp.fails('SELECT sim.buy(1, 1, 86)') AS hold_full;   -- 15 aboard, room for 85
SELECT pg_temp.fails('SELECT sim.buy(7, 1, 10)') AS not_enough_credits;
SELECT pg_temp.explain('SELECT sim.buy(7, 1, 10)') AS not_enough_credits;

--
-- sim.sell
--
-- 5 ore back to the Hub at its bid: 10 each, tax 1; the seller gets 49
SELECT * FROM sim.sell(1, 1, 5);
SELECT qty AS hub_ore FROM sim.station_stock WHERE station_id = 1 AND good_id = 1;
SELECT ship_id, good_id, qty FROM sim.ship_cargo WHERE ship_id = 1;
SELECT faction_id, credits FROM sim.wallet ORDER BY faction_id;
SELECT * FROM pg_temp.new_ledger();
SELECT * FROM pg_temp.new_trades();
-- the Depot holds 90 of 100 units: 20 metal do not fit, 10 do; it has no
-- metal, so it bids high: 115 for a lot of 10 (the quote at the stock the
-- lot makes), below min_price 1000 though
SELECT pg_temp.fails('SELECT sim.sell(3, 2, 20)') AS storage_full;
SELECT pg_temp.explain('SELECT sim.sell(3, 2, 20)') AS storage_full;
SELECT pg_temp.fails('SELECT sim.sell(3, 2, 10, 1000)') AS price_moved;
SELECT * FROM sim.sell(3, 2, 10, 115);
SELECT station_id, good_id, qty FROM sim.station_stock WHERE station_id = 2 ORDER BY good_id;
SELECT ship_id, good_id, qty FROM sim.ship_cargo WHERE ship_id = 3;
SELECT * FROM pg_temp.new_trades();
SELECT * FROM pg_temp.new_ledger();
-- the Shack's faction has 50 credits: it cannot buy 30 ore at 33, it can buy 1
SELECT pg_temp.fails('SELECT sim.sell(8, 1, 30)') AS station_cannot_pay;
SELECT pg_temp.explain('SELECT sim.sell(8, 1, 30)') AS station_cannot_pay;
SELECT * FROM sim.sell(8, 1, 1);
SELECT faction_id, credits FROM sim.wallet ORDER BY faction_id;
SELECT * FROM pg_temp.new_ledger();
SELECT * FROM pg_temp.new_trades();
-- errors
SELECT pg_temp.fails('SELECT sim.sell(1, 1, 1000)') AS not_enough_cargo;
SELECT pg_temp.explain('SELECT sim.sell(1, 1, 1000)') AS not_enough_cargo;
SELECT pg_temp.fails('SELECT sim.sell(1, 4, 1)') AS no_such_cargo;
SELECT pg_temp.fails('SELECT sim.sell(4, 1, 1)') AS not_docked;
SELECT pg_temp.fails('SELECT sim.sell(1, 6, 1)') AS not_traded;
SELECT pg_temp.fails('SELECT sim.sell(1, 1, 1, 0)') AS zero_min_price;
SELECT pg_temp.fails('SELECT sim.sell(1, 1, 0)') AS zero_qty;
SELECT pg_temp.fails('SELECT sim.sell(NULL, 1, 1)') AS null_ship;
SELECT pg_temp.fails('SELECT sim.sell(999, 1, 1)') AS unknown_ship;

--
-- sim.refuel
--
-- ship 1 holds 40.5 of 100: 10.2 rounds up to 11 units, at the ask of 54
SELECT * FROM sim.refuel(1, 10.2);
SELECT fuel FROM sim.ship WHERE id = 1;
SELECT * FROM pg_temp.new_ledger();
SELECT * FROM pg_temp.new_trades();
SELECT pg_temp.fails('SELECT sim.refuel(1, 100)') AS over_the_tank;
SELECT pg_temp.explain('SELECT sim.refuel(1, 100)') AS over_the_tank;
-- NULL fills the tank with whole units: 48 (half a unit of room stays)
SELECT * FROM sim.refuel(1);
SELECT fuel FROM sim.ship WHERE id = 1;
SELECT qty AS hub_fuel FROM sim.station_stock WHERE station_id = 1 AND good_id = 3;
SELECT * FROM pg_temp.new_ledger();
SELECT pg_temp.fails('SELECT sim.refuel(1)') AS tank_full;
SELECT pg_temp.explain('SELECT sim.refuel(1)') AS tank_full;
-- errors
SELECT pg_temp.fails('SELECT sim.refuel(NULL)') AS null_ship;
SELECT pg_temp.fails('SELECT sim.refuel(2, 0)') AS zero_amount;
SELECT pg_temp.fails('SELECT sim.refuel(2, -1)') AS negative_amount;
SELECT pg_temp.fails($$SELECT sim.refuel(2, 'NaN')$$) AS nan_amount;
SELECT pg_temp.fails($$SELECT sim.refuel(2, 'Infinity')$$) AS infinite_amount;
SELECT pg_temp.fails('SELECT sim.refuel(999)') AS unknown_ship;
SELECT pg_temp.fails('SELECT sim.refuel(4)') AS not_docked;
SELECT pg_temp.fails('SELECT sim.refuel(3)') AS no_fuel_market;
SELECT pg_temp.fails('SELECT sim.refuel(7)') AS not_enough_credits;

--
-- sim.transfer_cargo
--
-- docked at the same station
SELECT sim.transfer_cargo(1, 2, 1, 5) AS moved;
-- at rest half a km apart; ship 5 has room for 2 units only
SELECT pg_temp.fails('SELECT sim.transfer_cargo(4, 5, 1, 4)') AS hold_full;
SELECT sim.transfer_cargo(4, 5, 1, 2) AS moved;
SELECT ship_id, good_id, qty FROM sim.ship_cargo WHERE ship_id IN (1, 2, 4, 5) ORDER BY ship_id, good_id;
SELECT count(*) AS ledger_rows FROM pg_temp.new_ledger();
-- errors
SELECT pg_temp.fails('SELECT sim.transfer_cargo(4, 6, 1, 1)') AS too_far;
SELECT pg_temp.explain('SELECT sim.transfer_cargo(4, 6, 1, 1)') AS too_far;
SELECT pg_temp.fails('SELECT sim.transfer_cargo(1, 4, 1, 1)') AS docked_and_idle;
SELECT pg_temp.explain('SELECT sim.transfer_cargo(1, 4, 1, 1)') AS docked_and_idle;
SELECT pg_temp.fails('SELECT sim.transfer_cargo(1, 3, 1, 1)') AS different_stations;
SELECT pg_temp.fails('SELECT sim.transfer_cargo(4, 4, 1, 1)') AS same_ship;
SELECT pg_temp.fails('SELECT sim.transfer_cargo(4, 5, 1, 100)') AS not_enough_cargo;
SELECT pg_temp.fails('SELECT sim.transfer_cargo(4, 999, 1, 1)') AS unknown_ship;
SELECT pg_temp.fails('SELECT sim.transfer_cargo(4, 5, 99, 1)') AS unknown_good;
SELECT pg_temp.fails('SELECT sim.transfer_cargo(4, 5, 1, 0)') AS zero_qty;
SELECT pg_temp.fails('SELECT sim.transfer_cargo(4, NULL, 1, 1)') AS null_ship;

--
-- sim.jettison
--
SELECT sim.jettison(4, 1, 3) AS dumped;
SELECT * FROM pg_temp.new_ledger();
SELECT pg_temp.fails('SELECT sim.jettison(4, 1, 6)') AS not_enough_cargo;
SELECT sim.jettison(4, 1, 5) AS dumped;
SELECT count(*) AS ship_4_cargo_rows FROM sim.ship_cargo WHERE ship_id = 4;
SELECT pg_temp.fails('SELECT sim.jettison(2, 2, 1)') AS no_such_cargo;
SELECT pg_temp.explain('SELECT sim.jettison(2, 2, 1)') AS no_such_cargo;
SELECT pg_temp.fails('SELECT sim.jettison(4, 1, NULL)') AS null_qty;
SELECT pg_temp.fails('SELECT sim.jettison(999, 1, 1)') AS unknown_ship;
SELECT count(*) AS ledger_rows FROM pg_temp.new_ledger();

--
-- sim.place_order and sim.cancel_order
--
-- a sell order takes the goods out of the hold (fee ceil(5 * 20 * 1%) = 1);
-- a buy order holds 10 * 50 credits (fee 5)
SELECT sim.place_order(1, 1, 'sell', 5, 20) AS sell_order;
SELECT sim.place_order(1, 2, 'buy', 10, 50) AS buy_order;
SELECT sim.place_order(2, 1, 'sell', 5, 15) AS sell_order;
SELECT id, station_id, good_id, side, faction_id, ship_id, price, qty, qty_open, escrow, placed_tick, status
  FROM sim.market_order ORDER BY id;
SELECT ship_id, good_id, qty FROM sim.ship_cargo WHERE ship_id IN (1, 2) ORDER BY ship_id, good_id;
SELECT faction_id, credits FROM sim.wallet ORDER BY faction_id;
SELECT * FROM pg_temp.new_ledger();
SELECT * FROM sim.audit();
-- errors
SELECT pg_temp.fails($$SELECT sim.place_order(1, 1, 'hold', 5, 20)$$) AS bad_side;
SELECT pg_temp.fails($$SELECT sim.place_order(1, 1, NULL, 5, 20)$$) AS null_side;
SELECT pg_temp.fails($$SELECT sim.place_order(1, 1, 'buy', 0, 20)$$) AS zero_qty;
SELECT pg_temp.fails($$SELECT sim.place_order(1, 1, 'buy', 5, 0)$$) AS zero_price;
SELECT pg_temp.fails($$SELECT sim.place_order(1, 2, 'sell', 1, 20)$$) AS not_enough_cargo;
SELECT pg_temp.fails($$SELECT sim.place_order(7, 1, 'buy', 10, 10)$$) AS not_enough_credits;
SELECT pg_temp.explain($$SELECT sim.place_order(7, 1, 'buy', 10, 10)$$) AS not_enough_credits;
SELECT pg_temp.fails($$SELECT sim.place_order(1, 6, 'buy', 1, 10)$$) AS not_traded;
SELECT pg_temp.fails($$SELECT sim.place_order(4, 1, 'buy', 1, 10)$$) AS not_docked;
SELECT pg_temp.fails($$SELECT sim.place_order(1, 99, 'buy', 1, 10)$$) AS unknown_good;
-- cancelling returns the goods to the hold and the escrow to the wallet
SELECT sim.cancel_order(1);
SELECT sim.cancel_order(2);
SELECT id, status, qty_open, escrow, closed_tick FROM sim.market_order ORDER BY id;
SELECT ship_id, good_id, qty FROM sim.ship_cargo WHERE ship_id = 1;
SELECT faction_id, credits FROM sim.wallet ORDER BY faction_id;
SELECT pg_temp.fails('SELECT sim.cancel_order(1)') AS not_open;
SELECT pg_temp.explain('SELECT sim.cancel_order(1)') AS not_open;
SELECT pg_temp.fails('SELECT sim.cancel_order(999)') AS unknown_order;
SELECT pg_temp.fails('SELECT sim.cancel_order(NULL)') AS null_order;
-- the goods of order 3 do not fit into ship 2's full hold
SELECT total AS paid_for_100_ore FROM sim.buy(2, 1, 100);
SELECT pg_temp.fails('SELECT sim.cancel_order(3)') AS hold_full;
SELECT price AS sold_at FROM sim.sell(2, 1, 5);
SELECT sim.cancel_order(3);
SELECT ship_id, good_id, qty FROM sim.ship_cargo WHERE ship_id = 2;
-- they go back only to the ship that placed the order, docked where it was placed
SELECT sim.place_order(8, 1, 'sell', 5, 40) AS sell_order;
UPDATE sim.ship SET state = 'undocking' WHERE id = 8;
SELECT pg_temp.fails('SELECT sim.cancel_order(4)') AS ship_undocking;
SELECT pg_temp.explain('SELECT sim.cancel_order(4)') AS ship_undocking;
UPDATE sim.ship SET state = 'idle', docked_at = NULL WHERE id = 8;
UPDATE sim.ship SET state = 'docking', docked_at = 1 WHERE id = 8;
UPDATE sim.ship SET state = 'docked' WHERE id = 8;
SELECT pg_temp.fails('SELECT sim.cancel_order(4)') AS ship_elsewhere;
SELECT pg_temp.explain('SELECT sim.cancel_order(4)') AS ship_elsewhere;
SELECT * FROM pg_temp.new_ledger();
SELECT count(*) AS trades FROM pg_temp.new_trades();

--
-- Contracts
--
-- station 2 (faction 2) wants 5 metal; station 1 wants ore carried from station 2
SELECT sim.offer_contract('procurement', 2, 2, 5, 100, 30) AS contract;
SELECT sim.offer_contract('transport', 1, 1, 30, 300, 30, 2) AS contract;
SELECT sim.offer_contract('transport', 1, 1, 10, 300, 30, 2) AS contract;
SELECT sim.offer_contract('transport', 1, 1, 85, 300, 30, 2) AS contract;
SELECT id, kind, issuer_faction, station_id, source_station_id, good_id, qty, reward, escrow,
       created_tick, deadline_tick, status
  FROM sim.contract ORDER BY id;
SELECT faction_id, credits FROM sim.wallet ORDER BY faction_id;
-- errors
SELECT pg_temp.fails($$SELECT sim.offer_contract('gift', 1, 1, 5, 100, 30)$$) AS bad_kind;
SELECT pg_temp.fails($$SELECT sim.offer_contract(NULL, 1, 1, 5, 100, 30)$$) AS null_kind;
SELECT pg_temp.fails($$SELECT sim.offer_contract('transport', 1, 1, 5, 100, 30)$$) AS transport_without_source;
SELECT pg_temp.fails($$SELECT sim.offer_contract('procurement', 1, 1, 5, 100, 30, 2)$$) AS procurement_with_source;
SELECT pg_temp.fails($$SELECT sim.offer_contract('transport', 1, 1, 5, 100, 30, 1)$$) AS source_is_station;
SELECT pg_temp.fails($$SELECT sim.offer_contract('procurement', 1, 1, 0, 100, 30)$$) AS zero_qty;
SELECT pg_temp.fails($$SELECT sim.offer_contract('procurement', 1, 1, 5, 0, 30)$$) AS zero_reward;
SELECT pg_temp.fails($$SELECT sim.offer_contract('procurement', 1, 1, 5, 100, 0)$$) AS zero_ticks;
SELECT pg_temp.fails($$SELECT sim.offer_contract('procurement', 99, 1, 5, 100, 30)$$) AS unknown_station;
SELECT pg_temp.fails($$SELECT sim.offer_contract('transport', 1, 1, 5, 100, 30, 99)$$) AS unknown_source;
SELECT pg_temp.fails($$SELECT sim.offer_contract('procurement', 1, 99, 5, 100, 30)$$) AS unknown_good;
SELECT pg_temp.fails($$SELECT sim.offer_contract('procurement', 2, 3, 5, 100, 30)$$) AS not_traded;
SELECT pg_temp.fails($$SELECT sim.offer_contract('transport', 1, 1, 5, 100, 30, 3)$$) AS source_of_another_faction;
SELECT pg_temp.explain($$SELECT sim.offer_contract('transport', 1, 1, 5, 100, 30, 3)$$) AS source_of_another_faction;
SELECT pg_temp.fails($$SELECT sim.offer_contract('procurement', 1, 1, 5, 1000000000, 30)$$) AS not_enough_credits;
-- ship 3, docked at station 2, takes the procurement contract; station 2 is
-- full (100 of 100), so the metal cannot be delivered yet
SELECT sim.accept_contract(2, 3);
SELECT id, status, contractor_faction, ship_id, accepted_tick FROM sim.contract WHERE id = 2;
SELECT pg_temp.fails('SELECT sim.deliver_contract(2)') AS storage_full;
-- transport: 30 ore do not fit into ship 3's hold (75 metal aboard); 10 do,
-- loaded from station 2's stock; then station 2 has 80 ore, not 85
SELECT pg_temp.fails('SELECT sim.accept_contract(3, 3)') AS hold_full;
SELECT pg_temp.fails('SELECT sim.accept_contract(3, 1)') AS not_at_source;
SELECT pg_temp.explain('SELECT sim.accept_contract(3, 1)') AS not_at_source;
SELECT sim.accept_contract(4, 3);
SELECT station_id, good_id, qty FROM sim.station_stock WHERE station_id = 2 ORDER BY good_id;
SELECT ship_id, good_id, qty FROM sim.ship_cargo WHERE ship_id = 3 ORDER BY good_id;
SELECT pg_temp.fails('SELECT sim.accept_contract(5, 3)') AS not_enough_stock;
SELECT pg_temp.fails('SELECT sim.accept_contract(4, 3)') AS not_open;
SELECT pg_temp.explain('SELECT sim.accept_contract(4, 3)') AS not_open;
SELECT pg_temp.fails('SELECT sim.accept_contract(1, 4)') AS not_docked;
SELECT pg_temp.fails('SELECT sim.accept_contract(999, 3)') AS unknown_contract;
SELECT pg_temp.fails('SELECT sim.accept_contract(1, 999)') AS unknown_ship;
SELECT pg_temp.fails('SELECT sim.accept_contract(NULL, 3)') AS null_contract;
-- now station 2 has room: the metal is delivered and the reward paid
SELECT sim.deliver_contract(2) AS reward;
SELECT id, status, escrow, closed_tick FROM sim.contract WHERE id = 2;
SELECT station_id, good_id, qty FROM sim.station_stock WHERE station_id = 2 ORDER BY good_id;
SELECT * FROM pg_temp.new_trades();
-- the transport delivers at station 1, where ship 3 must fly first
SELECT pg_temp.fails('SELECT sim.deliver_contract(4)') AS not_at_destination;
SELECT pg_temp.explain('SELECT sim.deliver_contract(4)') AS not_at_destination;
UPDATE sim.ship SET state = 'undocking' WHERE id = 3;
UPDATE sim.ship SET state = 'idle', docked_at = NULL WHERE id = 3;
UPDATE sim.ship SET state = 'docking', docked_at = 1 WHERE id = 3;
UPDATE sim.ship SET state = 'docked' WHERE id = 3;
SELECT pg_temp.fails('SELECT sim.deliver_contract(4, 1)') AS other_ship;
SELECT sim.deliver_contract(4, 3) AS reward;
SELECT qty AS hub_ore FROM sim.station_stock WHERE station_id = 1 AND good_id = 1;
SELECT faction_id, credits FROM sim.wallet ORDER BY faction_id;
SELECT * FROM pg_temp.new_trades();
SELECT pg_temp.fails('SELECT sim.deliver_contract(4)') AS already_fulfilled;
SELECT pg_temp.explain('SELECT sim.deliver_contract(4)') AS already_fulfilled;
SELECT pg_temp.fails('SELECT sim.deliver_contract(3)') AS not_accepted;
SELECT pg_temp.explain('SELECT sim.deliver_contract(3)') AS not_accepted;
SELECT pg_temp.fails('SELECT sim.deliver_contract(999)') AS unknown_contract;
SELECT pg_temp.fails('SELECT sim.deliver_contract(NULL)') AS null_contract;
-- ship 2 takes the Hub's food contract but has no food
SELECT sim.accept_contract(1, 2);
SELECT pg_temp.fails('SELECT sim.deliver_contract(1)') AS not_enough_cargo;
-- deadlines: contract 6 is accepted, 7 open; at tick 26 both have expired
SELECT sim.offer_contract('procurement', 1, 2, 1, 50, 5) AS contract;
SELECT sim.offer_contract('procurement', 1, 2, 1, 50, 3) AS contract;
SELECT sim.accept_contract(6, 1);
-- (a real tick would have expired them already: run_stations(N) expires
-- what is past its deadline at N; here the clock jumps)
UPDATE sim.world SET tick = 26;
SELECT pg_temp.fails('SELECT sim.accept_contract(7, 1)') AS expired;
SELECT pg_temp.explain('SELECT sim.accept_contract(7, 1)') AS expired;
SELECT pg_temp.fails('SELECT sim.deliver_contract(6)') AS expired;
SELECT count(*) AS ledger_rows FROM pg_temp.new_ledger();
SELECT * FROM sim.audit();

--
-- Ownership: a login that plays faction 3 reaches the commands only through
-- api, and there commands only faction 3's ships and orders
--
CREATE ROLE regress_econ_player;
GRANT sim_player TO regress_econ_player;
GRANT SELECT, UPDATE ON seen TO regress_econ_player;
INSERT INTO sim.player (name, login, faction_id, created_tick) VALUES ('regress econ', 'regress_econ_player', 3, 0);
SELECT sim.commanding_faction() AS operator_faction;
SET ROLE regress_econ_player;
SELECT pg_temp.fails('SELECT sim.buy(5, 1, 1)') AS sim_buy;
SELECT * FROM api.my_wallet;
SELECT pg_temp.fails('SELECT api.buy(1, 1, 1)') AS buy;
SELECT pg_temp.explain('SELECT api.buy(1, 1, 1)') AS buy;
SELECT pg_temp.fails('SELECT api.sell(1, 1, 1)') AS sell;
SELECT pg_temp.fails('SELECT api.refuel(2)') AS refuel;
SELECT pg_temp.fails('SELECT api.transfer_cargo(1, 2, 1, 1)') AS transfer;
SELECT pg_temp.fails('SELECT api.jettison(1, 1, 1)') AS jettison;
SELECT pg_temp.fails($$SELECT api.place_order(1, 1, 'sell', 1, 10)$$) AS place_order;
SELECT pg_temp.fails('SELECT api.cancel_order(4)') AS cancel_order;
SELECT pg_temp.fails('SELECT api.accept_contract(3, 1)') AS accept_contract;
SELECT pg_temp.fails('SELECT api.deliver_contract(1)') AS deliver_contract;
-- its own: ship 5 may give ore to ship 4 (of faction 1)
SELECT api.transfer_cargo(5, 4, 1, 1) AS given;
RESET ROLE;
DELETE FROM sim.player;
SELECT ship_id, good_id, qty FROM sim.ship_cargo WHERE ship_id IN (4, 5) ORDER BY ship_id, good_id;

--
-- Stations at work, later: expiry, price history, new contracts
--
-- a trade at tick 26
SELECT price FROM sim.buy(1, 2, 2);
SELECT * FROM pg_temp.new_trades();
-- tick 27: contracts 6 and 7 expired (deadlines 25 and 23), their escrow
-- returns to faction 2; contract 6's ship and contractor are cleared
SELECT faction_id, credits FROM sim.wallet WHERE faction_id = 2;
SELECT sim.run_stations(27);
SELECT id, status, escrow, ship_id, contractor_faction, closed_tick FROM sim.contract ORDER BY id;
SELECT faction_id, credits FROM sim.wallet WHERE faction_id = 2;
-- every trade so far is in the price history: periods of 5 ticks
SELECT * FROM sim.price_history ORDER BY station_id, good_id, period_start;
SELECT trades_aggregated FROM sim.economy;
-- a later trade of the same period merges into its row: high, low, close,
-- volume and trades change, open does not
SELECT price FROM sim.sell(1, 2, 2);
SELECT sim.run_stations(28);
SELECT * FROM sim.price_history WHERE station_id = 1 AND good_id = 2 ORDER BY period_start;
SELECT trades_aggregated FROM sim.economy;
-- nothing new: nothing changes
SELECT sim.run_stations(31);
-- contract deliveries stay out of the price history
SELECT sum(trades) AS trades_in_history, (SELECT count(*) FROM sim.trade WHERE kind <> 'contract') AS market_trades FROM sim.price_history;
-- tick 40, a contract period: the Hub's food contract is still accepted, so
-- the Hub asks for water now
SELECT sim.run_stations(40);
SELECT id, station_id, good_id, qty, reward, created_tick, deadline_tick, status
  FROM sim.contract WHERE created_tick = 40;
-- tick 51: the contracts due at tick 50 expire, also the accepted one
SELECT sim.run_stations(51);
SELECT id, status, escrow, closed_tick FROM sim.contract WHERE closed_tick = 51 ORDER BY id;
SELECT * FROM pg_temp.new_ledger();

-- Everything is accounted for
SELECT faction_id, credits FROM sim.wallet ORDER BY faction_id;
SELECT * FROM sim.audit();
SELECT flow, reason, count(*) AS rows, sum(amount) AS amount
  FROM sim.ledger GROUP BY flow, reason ORDER BY flow, reason;

DROP OWNED BY regress_econ_player;
DROP ROLE regress_econ_player;
SELECT sim.reset_universe();
