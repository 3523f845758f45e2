-- pgTAP: the economic commands on a generated universe -- who may command
-- what (SET ROLE to a player's login, which acts through api), the SQLSTATE of each
-- refusal, what a successful command changes, and the tick picking up what
-- the commands did (price history, contract expiry) with every unit and
-- credit still accounted for.
--
-- Run: pg_prove -d DB test/pgtap/economy_commands.sql (DB needs postgis and
-- pgtap available; everything happens in one transaction that is rolled back).
BEGIN;
SET client_min_messages = warning;
CREATE EXTENSION IF NOT EXISTS pgtap;
CREATE EXTENSION IF NOT EXISTS sim CASCADE;
RESET client_min_messages;
SELECT sim.reset_universe();   -- start empty (undone by the final ROLLBACK)

SELECT plan(69);

-- The commands exist with their signatures ---------------------------------------------
SELECT has_function('sim', 'commanding_faction', ARRAY[]::text[], 'sim.commanding_faction()');
SELECT has_function('sim', 'buy', ARRAY['bigint', 'integer', 'bigint', 'bigint'], 'sim.buy(ship, good, qty, max_price)');
SELECT has_function('sim', 'sell', ARRAY['bigint', 'integer', 'bigint', 'bigint'], 'sim.sell(ship, good, qty, min_price)');
SELECT has_function('sim', 'refuel', ARRAY['bigint', 'double precision'], 'sim.refuel(ship, amount)');
SELECT has_function('sim', 'transfer_cargo', ARRAY['bigint', 'bigint', 'integer', 'bigint'],
                    'sim.transfer_cargo(from_ship, to_ship, good, qty)');
SELECT has_function('sim', 'jettison', ARRAY['bigint', 'integer', 'bigint'], 'sim.jettison(ship, good, qty)');
SELECT has_function('sim', 'place_order', ARRAY['bigint', 'integer', 'text', 'bigint', 'bigint'],
                    'sim.place_order(ship, good, side, qty, price)');
SELECT has_function('sim', 'cancel_order', ARRAY['bigint'], 'sim.cancel_order(order_id)');
SELECT has_function('sim', 'offer_contract', ARRAY['text', 'integer', 'integer', 'bigint', 'bigint', 'integer', 'integer'],
                    'sim.offer_contract(kind, station, good, qty, reward, ticks, source_station)');
SELECT has_function('sim', 'accept_contract', ARRAY['bigint', 'bigint'], 'sim.accept_contract(contract, ship)');
SELECT has_function('sim', 'deliver_contract', ARRAY['bigint', 'bigint'], 'sim.deliver_contract(contract, ship)');
SELECT has_function('sim', 'run_stations', ARRAY['bigint'], 'sim.run_stations(tick)');

-- Without a universe there is nothing to trade -------------------------------------------
SELECT throws_ok($$SELECT sim.buy(1, 1, 1)$$, '55000', 'there is no universe', 'buy needs a universe');
SELECT throws_ok($$SELECT sim.offer_contract('procurement', 1, 1, 1, 1, 1)$$, '42704', NULL,
                 'offer_contract needs a station');

-- A universe, and the ships and stations used below ------------------------------------
SELECT lives_ok($$SELECT sim.generate_universe(11, 2, 40)$$, 'a universe of 2 sectors and 40 ships');
SELECT is_empty($$SELECT * FROM sim.audit()$$, 'the generated universe is accounted for');

-- a: the first docked ship; b: another ship of its faction docked at the same
-- station; x: the first docked ship of another faction; g: the good with the
-- lowest id that a's station holds at least 100 units of
CREATE TEMP TABLE pick AS
WITH a AS (SELECT s.id, s.faction_id, s.docked_at FROM sim.ship s WHERE s.state = 'docked' ORDER BY s.id LIMIT 1)
SELECT a.id AS a, a.faction_id AS f, a.docked_at AS st,
       (SELECT s.id FROM sim.ship s WHERE s.state = 'docked' AND s.docked_at = a.docked_at
           AND s.faction_id = a.faction_id AND s.id <> a.id ORDER BY s.id LIMIT 1) AS b,
       (SELECT s.id FROM sim.ship s WHERE s.state = 'docked' AND s.faction_id <> a.faction_id
         ORDER BY s.id LIMIT 1) AS x,
       (SELECT m.good_id FROM sim.station_stock m WHERE m.station_id = a.docked_at AND m.qty >= 100
         ORDER BY m.good_id LIMIT 1) AS g
  FROM a;
SELECT ok((SELECT a IS NOT NULL AND b IS NOT NULL AND x IS NOT NULL AND g IS NOT NULL FROM pick),
          'the ships and the good were found');
SELECT is((SELECT st.faction_id FROM sim.station st, pick WHERE st.id = pick.st), (SELECT f FROM pick),
          'ship a is docked at a station of its own faction');

-- Things of the other faction for the player to try: a buy order placed and
-- a contract accepted by ship x, and an open contract at its station (as an
-- operator)
SELECT lives_ok($$SELECT sim.place_order(x, g, 'buy', 1, 1) FROM pick$$, 'an operator places an order for ship x');
SELECT lives_ok($$SELECT sim.accept_contract(sim.offer_contract('procurement', s.docked_at,
                          (SELECT m.good_id FROM sim.station_stock m WHERE m.station_id = s.docked_at
                            ORDER BY m.good_id LIMIT 1), 5, 100, 1000), s.id)
                    FROM pick JOIN sim.ship s ON s.id = pick.x$$,
                'an operator offers a contract at ship x''s station and x accepts it');
SELECT lives_ok($$SELECT sim.offer_contract('procurement', s.docked_at,
                          (SELECT m.good_id FROM sim.station_stock m WHERE m.station_id = s.docked_at
                            ORDER BY m.good_id LIMIT 1), 5, 101, 1000)
                    FROM pick JOIN sim.ship s ON s.id = pick.x$$,
                'an operator offers another contract at ship x''s station');
CREATE TEMP TABLE theirs AS
SELECT (SELECT o.id FROM sim.market_order o, pick WHERE o.ship_id = pick.x) AS order_id,
       (SELECT c.id FROM sim.contract c, pick WHERE c.ship_id = pick.x) AS contract_id,
       (SELECT c.id FROM sim.contract c WHERE c.reward = 101) AS open_contract_id,
       (SELECT s.docked_at FROM sim.ship s, pick WHERE s.id = pick.x) AS station;

-- A login that plays ship a's faction, through api --------------------------------------
CREATE ROLE regress_econ_tap;
GRANT sim_player TO regress_econ_tap;
INSERT INTO sim.player (name, login, faction_id, created_tick) SELECT 'regress econ tap', 'regress_econ_tap', f, 0 FROM pick;
CREATE TEMP TABLE bought (trade_id bigint, price bigint, total bigint, tax bigint);
CREATE TEMP TABLE quote AS
SELECT m.ask, m.stock, m.target, (SELECT w.credits FROM sim.wallet w, pick WHERE w.faction_id = pick.f) AS credits
  FROM sim.market m, pick WHERE m.station_id = pick.st AND m.good_id = pick.g;
-- the unit price of 10 units: the ask for the stock they leave
CREATE TEMP TABLE lot AS
SELECT (sim.market_quote(g.base_price, q.stock - 10, q.target, e.spread)).ask AS price
  FROM quote q, pick, sim.good g, sim.economy e WHERE g.id = pick.g;
-- pgTAP keeps its results in temporary tables of this session
GRANT SELECT ON pick, theirs, quote, lot TO regress_econ_tap;
GRANT SELECT, INSERT ON bought TO regress_econ_tap;
GRANT SELECT, INSERT, UPDATE, DELETE ON __tcache__ TO regress_econ_tap;
GRANT USAGE, UPDATE ON SEQUENCE __tcache___id_seq, __tresults___numb_seq TO regress_econ_tap;

SELECT is(sim.commanding_faction(), NULL, 'an operator commands no faction of its own');
SELECT ok(NOT has_function_privilege('regress_econ_tap', 'sim.run_stations(bigint)', 'EXECUTE'),
          'only the tick (and superusers) run the stations');

SET ROLE regress_econ_tap;
SELECT is((SELECT faction_id FROM api.my_wallet), (SELECT f FROM pick), 'the login plays the faction of its player');

-- Another faction's ships, orders and stations: 42501 --------------------------------
SELECT throws_ok(format('SELECT api.buy(%s, %s, 1)', x, g), '42501',
                 format('ship %s is not one of yours', x), 'buy with another faction''s ship') FROM pick;
SELECT throws_ok(format('SELECT api.sell(%s, %s, 1)', x, g), '42501', NULL, 'sell from another faction''s ship') FROM pick;
SELECT throws_ok(format('SELECT api.refuel(%s)', x), '42501', NULL, 'refuel another faction''s ship') FROM pick;
SELECT throws_ok(format('SELECT api.transfer_cargo(%s, %s, %s, 1)', x, a, g), '42501', NULL,
                 'take cargo out of another faction''s ship') FROM pick;
SELECT throws_ok(format('SELECT api.jettison(%s, %s, 1)', x, g), '42501', NULL, 'jettison from another faction''s ship') FROM pick;
SELECT throws_ok(format($$SELECT api.place_order(%s, %s, 'sell', 1, 10)$$, x, g), '42501', NULL,
                 'place an order for another faction''s ship') FROM pick;
SELECT throws_ok(format('SELECT api.cancel_order(%s)', order_id), '42501',
                 format('order %s is not one of yours', order_id), 'cancel another faction''s order') FROM theirs;
SELECT throws_ok(format('SELECT api.accept_contract(%s, %s)', open_contract_id, x), '42501', NULL,
                 'accept a contract for another faction''s ship') FROM theirs, pick;
SELECT throws_ok(format('SELECT api.deliver_contract(%s)', contract_id), '42501', NULL,
                 'deliver a contract accepted by another faction''s ship') FROM theirs;
SELECT throws_ok(format($$SELECT sim.offer_contract('procurement', %s, %s, 1, 10, 100)$$, station, g), '42501',
                 'permission denied for schema sim', 'a player reaches nothing in sim') FROM theirs, pick;

-- Its own ships: the commands work, and refuse with specific SQLSTATEs -----------------
SELECT lives_ok(format('INSERT INTO bought SELECT * FROM api.buy(%s, %s, 10)', a, g), 'buy 10 units with ship a') FROM pick;
SELECT is((SELECT price FROM bought), (SELECT price FROM lot), 'the price is the ask for the stock the lot leaves');
SELECT ok((SELECT price FROM bought) >= (SELECT ask FROM quote), '... never below the ask quoted before the trade');
SELECT is((SELECT total FROM bought), (SELECT 10 * price FROM lot), 'the total is 10 times the price');
SELECT is((SELECT tax FROM bought), (SELECT ceil(total * 0.02)::bigint FROM bought), 'the tax is 2% rounded up');
SELECT is((SELECT w.credits FROM api.my_wallet w),
          (SELECT q.credits - b.tax FROM quote q, bought b),
          'the faction paid the total and the tax, and its station received the total');
SELECT is((SELECT c.qty FROM api.my_cargo c, pick WHERE c.ship_id = pick.a AND c.good_id = pick.g), 10::bigint,
          'the goods are aboard');
SELECT is((SELECT m.stock FROM api.market m, pick WHERE m.station_id = pick.st AND m.good_id = pick.g),
          (SELECT stock - 10 FROM quote), 'they left the station''s stock');
SELECT results_eq($$SELECT t.kind, t.qty, t.ship_id, t.side FROM api.my_trades t, bought b WHERE t.id = b.trade_id$$,
                  $$SELECT 'market'::text, 10::bigint, a, 'buy'::text FROM pick$$, 'the trade is recorded');
SELECT throws_ok(format('SELECT api.buy(%s, %s, 1, 1)', a, g), 'SM005', NULL, 'the ask is above max_price 1') FROM pick;
SELECT throws_ok(format('SELECT api.buy(%s, %s, %s)', a, g, stock + 1), 'SM007', NULL, 'more than the station has')
  FROM pick, quote;
SELECT throws_ok(format('SELECT api.buy(%s, %s, %s)', a, g, k.cargo_capacity - 9), 'SM003', NULL,
                 'more than the hold has room for')
  FROM pick JOIN api.my_ships k ON k.id = pick.a;
SELECT throws_ok(format('SELECT api.sell(%s, %s, 11)', a, g), 'SM002', 'ship ' || a || ' carries 10 units of "'
                 || (SELECT name FROM api.goods WHERE id = g) || '", not 11', 'selling more than the hold carries')
  FROM pick;
SELECT throws_ok(format('SELECT api.transfer_cargo(%s, %s, %s, 1)', a, a, g), '22023', NULL, 'a transfer needs two ships')
  FROM pick;
SELECT lives_ok(format('SELECT api.transfer_cargo(%s, %s, %s, 4)', a, b, g), 'ship a gives 4 units to ship b') FROM pick;
SELECT is((SELECT array_agg(c.qty ORDER BY c.ship_id) FROM api.my_cargo c, pick
            WHERE c.ship_id IN (pick.a, pick.b) AND c.good_id = pick.g), ARRAY[6, 4]::bigint[],
          'ship a has 6 units left, ship b 4');
SELECT lives_ok(format('SELECT api.jettison(%s, %s, 1)', b, g), 'ship b dumps a unit') FROM pick;
SELECT lives_ok(format($$SELECT api.place_order(%s, %s, 'sell', 3, 1000000)$$, b, g), 'ship b offers 3 units') FROM pick;
SELECT is((SELECT c.qty FROM api.my_cargo c, pick WHERE c.ship_id = pick.b AND c.good_id = pick.g), NULL,
          'the units offered left the hold (its row is gone)');
SELECT lives_ok(format('SELECT api.cancel_order(o.id) FROM api.my_orders o WHERE o.ship_id = %s', b),
                'the order is cancelled') FROM pick;
SELECT is((SELECT c.qty FROM api.my_cargo c, pick WHERE c.ship_id = pick.b AND c.good_id = pick.g), 3::bigint,
          'the units are back aboard');
SELECT lives_ok(format('SELECT api.refuel(%s, 1)', a), 'ship a buys one unit of fuel') FROM pick;
-- its own station offers a contract (an operator's command); its ship a takes it and delivers
RESET ROLE;
CREATE TEMP TABLE offered AS SELECT sim.offer_contract('procurement', st, g, 5, 500, 1000) AS id FROM pick;
GRANT SELECT ON offered TO regress_econ_tap;
SET ROLE regress_econ_tap;
SELECT lives_ok(format($$SELECT api.accept_contract(%s, %s)$$, o.id, a),
                'the own station offers a contract and ship a accepts it') FROM pick, offered o;
SELECT is((SELECT api.deliver_contract(c.id) FROM api.my_contracts c, pick WHERE c.ship_id = pick.a), 500::bigint,
          'ship a delivers it for the reward');
SELECT is((SELECT c.status FROM api.my_contracts c, pick WHERE c.ship_id = pick.a), 'fulfilled', 'the contract is fulfilled');
RESET ROLE;
SELECT is_empty($$SELECT * FROM sim.audit()$$, 'every unit and credit is accounted for after the commands');

-- The tick takes it from here ----------------------------------------------------------------
-- a contract due at the next tick expires at the one after; its escrow returns
SELECT lives_ok($$SELECT sim.offer_contract('procurement', st, g, 5, 777, 1) FROM pick$$, 'a contract due next tick');
CREATE TEMP TABLE due AS SELECT c.id, c.deadline_tick FROM sim.contract c WHERE c.reward = 777;
SELECT lives_ok($$SELECT sim.step(2)$$, 'two ticks run');
SELECT is((SELECT c.status FROM sim.contract c JOIN due USING (id)), 'expired', 'the tick expired the contract');
SELECT is((SELECT c.closed_tick FROM sim.contract c JOIN due USING (id)), (SELECT deadline_tick + 1 FROM due),
          'at the first tick after its deadline');
-- the trades of the commands are in the price history
SELECT is((SELECT e.trades_aggregated FROM sim.economy e),
          (SELECT max(t.id) FROM sim.trade t WHERE t.tick < (SELECT w.tick FROM sim.world w)),
          'the last tick aggregated every earlier trade (its own come after its stations ran)');
SELECT results_eq($$SELECT h.volume >= 10, h.low <= b.price, h.high >= b.price FROM sim.price_history h, bought b, pick
                     WHERE h.station_id = pick.st AND h.good_id = pick.g AND h.period_start = 0$$,
                  $$VALUES (true, true, true)$$, 'the purchase is in the price history of its station and good');
SELECT is_empty($$SELECT * FROM sim.audit()$$, 'every unit and credit is accounted for after the ticks');

-- A deadline passed before the tick noticed it: SM008 ------------------------------------
SELECT lives_ok($$SELECT sim.offer_contract('procurement', st, g, 1, 4321, 1) FROM pick$$, 'a contract due next tick');
UPDATE sim.world SET tick = tick + 5;
SELECT throws_ok(format('SELECT sim.accept_contract(c.id, %s) FROM sim.contract c WHERE c.reward = 4321', a), 'SM008',
                 NULL, 'a contract past its deadline cannot be accepted') FROM pick;

SELECT * FROM finish();
ROLLBACK;
