-- sim: the api schema -- what players and anonymous clients may see and do,
-- in PostgREST's conventions (docs/api.md).
--
-- Players never touch sim's tables.  They read api's views and call api's
-- functions:
--   * views run with their owner's rights (not security_invoker) and are
--     security barriers: each shows public rows, or the calling player's
--     own rows (faction_id = sim.viewer_faction(), NULL for anyone but a
--     player), so no predicate of the caller's can see what a view filters
--     out.  The functions they call are granted to the API roles in
--     sql/finish.sql (pure kinematics and quotes, the caller's own faction
--     and contacts).
--   * functions are SECURITY DEFINER, one per command, no overloads (the
--     busiest -- api.buy, api.sell, api.navigate -- in PL/pgSQL, which keeps
--     their plans between calls); their
--     search_path is pg_catalog, pg_temp (sql/finish.sql) and they name
--     everything with its schema.  Each first asks sim.current_player()
--     who is calling -- the JWT's sub claim for role sim_player, a
--     player's login, or an operator -- which refuses anyone else with
--     42501, then calls the sim command of the same name, which checks
--     that the player commands the ship, order or contract.  Read functions are STABLE, so
--     PostgREST lets a GET call them.
-- Grants: sim_anon reads the public views; sim_player also reads its own
-- rows and calls the functions; sim_operator gets what sim_player gets.

CREATE SCHEMA api;
COMMENT ON SCHEMA api IS
    'The sim universe for players and web apps: views of what a player may see, one function per command';

-- Trades a player took part in are found by faction: the partitions of
-- sim.trade have indexes on (buyer_faction, tick) and (seller_faction, tick)
-- (sim.history_table).

-- ===================================================================
-- Public views
-- ===================================================================

CREATE VIEW api.goods WITH (security_barrier) AS
SELECT g.id, g.name, g.category, g.tier, g.base_price, g.volume
  FROM sim.good g;
COMMENT ON VIEW api.goods IS 'The goods catalogue';
COMMENT ON COLUMN api.goods.id IS 'Good id';
COMMENT ON COLUMN api.goods.name IS 'Name';
COMMENT ON COLUMN api.goods.category IS 'raw, refined, component, product or consumable';
COMMENT ON COLUMN api.goods.tier IS 'Production tier: 0 is raw, each recipe makes one tier above its highest input';
COMMENT ON COLUMN api.goods.base_price IS 'Credits per unit when a station holds its target stock';
COMMENT ON COLUMN api.goods.volume IS 'Volume of one unit';

CREATE VIEW api.factions WITH (security_barrier) AS
SELECT f.id, f.name, f.kind, f.color
  FROM sim.faction f;
COMMENT ON VIEW api.factions IS 'Owners of stations and ships, players included';
COMMENT ON COLUMN api.factions.id IS 'Faction id';
COMMENT ON COLUMN api.factions.name IS 'Name';
COMMENT ON COLUMN api.factions.kind IS 'state, corporation, guild, pirate or player';
COMMENT ON COLUMN api.factions.color IS 'Display colour, #rrggbb';

CREATE VIEW api.sectors WITH (security_barrier) AS
SELECT s.id, s.name, ST_X(s.center) AS x, ST_Y(s.center) AS y, ST_Z(s.center) AS z, s.half_size, s.security
  FROM sim.sector s;
COMMENT ON VIEW api.sectors IS 'Sectors: cubes of space joined by jump gates';
COMMENT ON COLUMN api.sectors.id IS 'Sector id';
COMMENT ON COLUMN api.sectors.name IS 'Name';
COMMENT ON COLUMN api.sectors.x IS 'Centre, x (km)';
COMMENT ON COLUMN api.sectors.y IS 'Centre, y (km)';
COMMENT ON COLUMN api.sectors.z IS 'Centre, z (km)';
COMMENT ON COLUMN api.sectors.half_size IS 'Half the edge of the sector''s cube (km)';
COMMENT ON COLUMN api.sectors.security IS 'Security level, 0 (lawless) to 1';

CREATE VIEW api.jump_gates WITH (security_barrier) AS
SELECT g.id, g.sector_a, ST_X(g.pos_a) AS a_x, ST_Y(g.pos_a) AS a_y, ST_Z(g.pos_a) AS a_z,
       g.sector_b, ST_X(g.pos_b) AS b_x, ST_Y(g.pos_b) AS b_y, ST_Z(g.pos_b) AS b_z
  FROM sim.jump_gate g;
COMMENT ON VIEW api.jump_gates IS 'Jump gates: each joins a point of sector_a with a point of sector_b, both ways';
COMMENT ON COLUMN api.jump_gates.id IS 'Gate id';
COMMENT ON COLUMN api.jump_gates.sector_a IS 'One sector';
COMMENT ON COLUMN api.jump_gates.a_x IS 'The gate in sector_a, x (km)';
COMMENT ON COLUMN api.jump_gates.a_y IS 'The gate in sector_a, y (km)';
COMMENT ON COLUMN api.jump_gates.a_z IS 'The gate in sector_a, z (km)';
COMMENT ON COLUMN api.jump_gates.sector_b IS 'The other sector';
COMMENT ON COLUMN api.jump_gates.b_x IS 'The gate in sector_b, x (km)';
COMMENT ON COLUMN api.jump_gates.b_y IS 'The gate in sector_b, y (km)';
COMMENT ON COLUMN api.jump_gates.b_z IS 'The gate in sector_b, z (km)';

CREATE VIEW api.bodies WITH (security_barrier) AS
SELECT b.id, b.sector_id, b.parent_id, b.kind, b.name, ST_X(b.pos) AS x, ST_Y(b.pos) AS y, ST_Z(b.pos) AS z,
       b.radius,
       ARRAY(SELECT d.good_id FROM sim.deposit d WHERE d.body_id = b.id AND d.remaining > 0 ORDER BY d.good_id)
           AS minable_goods
  FROM sim.body b;
COMMENT ON VIEW api.bodies IS 'Stars, planets, moons, asteroid fields and asteroids, with what can be mined there';
COMMENT ON COLUMN api.bodies.id IS 'Body id';
COMMENT ON COLUMN api.bodies.sector_id IS 'Sector';
COMMENT ON COLUMN api.bodies.parent_id IS 'The body it orbits, if any';
COMMENT ON COLUMN api.bodies.kind IS 'star, planet, moon, asteroid_field or asteroid';
COMMENT ON COLUMN api.bodies.name IS 'Name';
COMMENT ON COLUMN api.bodies.x IS 'Position, x (km)';
COMMENT ON COLUMN api.bodies.y IS 'Position, y (km)';
COMMENT ON COLUMN api.bodies.z IS 'Position, z (km)';
COMMENT ON COLUMN api.bodies.radius IS 'Radius (km)';
COMMENT ON COLUMN api.bodies.minable_goods IS 'Goods with deposits left (api.mine)';

CREATE VIEW api.stations WITH (security_barrier) AS
SELECT st.id, st.name, st.kind, st.faction_id, st.sector_id, st.body_id,
       ST_X(st.pos) AS x, ST_Y(st.pos) AS y, ST_Z(st.pos) AS z,
       st.docking_slots,
       st.docking_slots - (SELECT count(*) FROM sim.ship s WHERE s.docked_at = st.id)::integer AS free_slots
  FROM sim.station st;
COMMENT ON VIEW api.stations IS 'Stations: where ships dock, trade and refuel';
COMMENT ON COLUMN api.stations.id IS 'Station id';
COMMENT ON COLUMN api.stations.name IS 'Name';
COMMENT ON COLUMN api.stations.kind IS 'trade_hub, refinery, factory, shipyard, farm or outpost';
COMMENT ON COLUMN api.stations.faction_id IS 'Owner';
COMMENT ON COLUMN api.stations.sector_id IS 'Sector';
COMMENT ON COLUMN api.stations.body_id IS 'The body it orbits, if any';
COMMENT ON COLUMN api.stations.x IS 'Position, x (km)';
COMMENT ON COLUMN api.stations.y IS 'Position, y (km)';
COMMENT ON COLUMN api.stations.z IS 'Position, z (km)';
COMMENT ON COLUMN api.stations.docking_slots IS 'Ships it can hold docked at once';
COMMENT ON COLUMN api.stations.free_slots IS 'Docking slots free now';

CREATE VIEW api.market WITH (security_barrier) AS
SELECT m.station_id, m.sector_id, m.good_id, m.good, m.stock, m.target, m.bid, m.ask
  FROM sim.market m;
COMMENT ON VIEW api.market IS 'Quotes: what each station pays (bid) and asks (ask) per unit of each good it trades, now';
COMMENT ON COLUMN api.market.station_id IS 'Station';
COMMENT ON COLUMN api.market.sector_id IS 'The station''s sector';
COMMENT ON COLUMN api.market.good_id IS 'Good';
COMMENT ON COLUMN api.market.good IS 'The good''s name';
COMMENT ON COLUMN api.market.stock IS 'Units the station holds';
COMMENT ON COLUMN api.market.target IS 'Stock at which the station quotes the base price';
COMMENT ON COLUMN api.market.bid IS 'Credits per unit the station pays for one unit (api.sell)';
COMMENT ON COLUMN api.market.ask IS 'Credits per unit the station asks for one unit (api.buy)';

CREATE VIEW api.contracts_offered WITH (security_barrier) AS
SELECT c.id, c.kind, c.issuer_faction, c.station_id, c.source_station_id, c.good_id, c.qty, c.reward,
       c.created_tick, c.deadline_tick
  FROM sim.contract c
 WHERE c.status = 'open';
COMMENT ON VIEW api.contracts_offered IS 'Contracts open for acceptance (api.accept_contract)';
COMMENT ON COLUMN api.contracts_offered.id IS 'Contract id';
COMMENT ON COLUMN api.contracts_offered.kind IS 'procurement (bring goods to station_id) or transport (carry them from source_station_id)';
COMMENT ON COLUMN api.contracts_offered.issuer_faction IS 'Who pays the reward';
COMMENT ON COLUMN api.contracts_offered.station_id IS 'Where the goods are delivered';
COMMENT ON COLUMN api.contracts_offered.source_station_id IS 'Where a transport contract''s goods are loaded';
COMMENT ON COLUMN api.contracts_offered.good_id IS 'Good';
COMMENT ON COLUMN api.contracts_offered.qty IS 'Units to deliver';
COMMENT ON COLUMN api.contracts_offered.reward IS 'Credits paid on delivery (held in escrow)';
COMMENT ON COLUMN api.contracts_offered.created_tick IS 'Tick it was offered';
COMMENT ON COLUMN api.contracts_offered.deadline_tick IS 'Tick by which it must be delivered';

CREATE VIEW api.price_history WITH (security_barrier) AS
SELECT h.station_id, h.good_id, h.period_start, h.open, h.high, h.low, h.close, h.volume, h.trades
  FROM sim.price_history h;
COMMENT ON VIEW api.price_history IS 'Traded prices per station, good and period: open, high, low, close, volume';
COMMENT ON COLUMN api.price_history.station_id IS 'Station';
COMMENT ON COLUMN api.price_history.good_id IS 'Good';
COMMENT ON COLUMN api.price_history.period_start IS 'First tick of the period';
COMMENT ON COLUMN api.price_history.open IS 'Price of the period''s first trade';
COMMENT ON COLUMN api.price_history.high IS 'Highest price';
COMMENT ON COLUMN api.price_history.low IS 'Lowest price';
COMMENT ON COLUMN api.price_history.close IS 'Price of the period''s last trade';
COMMENT ON COLUMN api.price_history.volume IS 'Units traded';
COMMENT ON COLUMN api.price_history.trades IS 'Trades';

CREATE VIEW api.error_codes WITH (security_barrier) AS
SELECT e.sqlstate, e.name, e.meaning
  FROM sim.error_codes() e;
COMMENT ON VIEW api.error_codes IS 'The SQLSTATEs of sim''s own errors (SMnnn); others are PostgreSQL''s';
COMMENT ON COLUMN api.error_codes.sqlstate IS 'The SQLSTATE';
COMMENT ON COLUMN api.error_codes.name IS 'Its name';
COMMENT ON COLUMN api.error_codes.meaning IS 'What it means';

CREATE VIEW api.input_limits WITH (security_barrier) AS
SELECT l.name, l.value, l.meaning
  FROM sim.limits() l;
COMMENT ON VIEW api.input_limits IS 'The limits on arguments (array lengths, text lengths) past which a call is refused';
COMMENT ON COLUMN api.input_limits.name IS 'The limit''s name';
COMMENT ON COLUMN api.input_limits.value IS 'Its value';
COMMENT ON COLUMN api.input_limits.meaning IS 'What it bounds';

-- ===================================================================
-- The calling player's own rows
-- ===================================================================

CREATE VIEW api.my_wallet WITH (security_barrier) AS
SELECT p.id AS player_id, p.name AS player, f.id AS faction_id, f.name AS faction, w.credits
  FROM sim.player p
  JOIN sim.faction f ON f.id = p.faction_id
  LEFT JOIN sim.wallet w ON w.faction_id = p.faction_id
 WHERE p.faction_id = (SELECT sim.viewer_faction());
COMMENT ON VIEW api.my_wallet IS 'The calling player: its id, faction and credits (no row for anyone else)';
COMMENT ON COLUMN api.my_wallet.player_id IS 'The player id (the sub claim of its JWT)';
COMMENT ON COLUMN api.my_wallet.player IS 'The player''s name';
COMMENT ON COLUMN api.my_wallet.faction_id IS 'The faction it plays';
COMMENT ON COLUMN api.my_wallet.faction IS 'The faction''s name';
COMMENT ON COLUMN api.my_wallet.credits IS 'Credits';

CREATE VIEW api.my_ships WITH (security_barrier) AS
SELECT s.id, s.name, s.class_id, c.name AS class, s.state, s.sector_id, s.docked_at, s.body_id,
       w.tick, p.px AS x, p.py AS y, p.pz AS z, sqrt(p.vx * p.vx + p.vy * p.vy + p.vz * p.vz) AS speed,
       s.dest_kind, s.dest_id, s.arrival_tick,
       s.fuel, c.fuel_capacity,
       coalesce((SELECT sum(k.qty) FROM sim.ship_cargo k WHERE k.ship_id = s.id), 0)::bigint AS cargo,
       c.cargo_capacity, c.sensor_range,
       (SELECT cm.kind FROM sim.command cm WHERE cm.ship_id = s.id AND cm.status = 'pending'
         ORDER BY cm.id LIMIT 1) AS pending_command
  FROM sim.ship s
  JOIN sim.ship_class c ON c.id = s.class_id
 CROSS JOIN sim.world w
 CROSS JOIN LATERAL sim.leg_state(s.x, s.y, s.z, s.dir_x, s.dir_y, s.dir_z, s.accel,
                                  s.t_burn, s.t_coast, s.t_brake, s.leg_start_tick, w.tick) p
 WHERE s.faction_id = (SELECT sim.viewer_faction());
COMMENT ON VIEW api.my_ships IS 'The calling player''s ships, where they are now and what they carry';
COMMENT ON COLUMN api.my_ships.id IS 'Ship id';
COMMENT ON COLUMN api.my_ships.name IS 'Name';
COMMENT ON COLUMN api.my_ships.class_id IS 'Hull class';
COMMENT ON COLUMN api.my_ships.class IS 'The hull class''s name';
COMMENT ON COLUMN api.my_ships.state IS 'docked, undocking, idle, flying, docking, orbiting or mining';
COMMENT ON COLUMN api.my_ships.sector_id IS 'Sector';
COMMENT ON COLUMN api.my_ships.docked_at IS 'Station it is docked at (docked, docking, undocking)';
COMMENT ON COLUMN api.my_ships.body_id IS 'Body it orbits or mines';
COMMENT ON COLUMN api.my_ships.tick IS 'The tick the position is for (the universe''s current tick)';
COMMENT ON COLUMN api.my_ships.x IS 'Position, x (km)';
COMMENT ON COLUMN api.my_ships.y IS 'Position, y (km)';
COMMENT ON COLUMN api.my_ships.z IS 'Position, z (km)';
COMMENT ON COLUMN api.my_ships.speed IS 'Speed (km per tick)';
COMMENT ON COLUMN api.my_ships.dest_kind IS 'Where it flies: station, body or point';
COMMENT ON COLUMN api.my_ships.dest_id IS 'The station or body it flies to';
COMMENT ON COLUMN api.my_ships.arrival_tick IS 'Tick its current leg ends (flying)';
COMMENT ON COLUMN api.my_ships.fuel IS 'Fuel aboard';
COMMENT ON COLUMN api.my_ships.fuel_capacity IS 'Fuel the tank holds';
COMMENT ON COLUMN api.my_ships.cargo IS 'Units in the hold';
COMMENT ON COLUMN api.my_ships.cargo_capacity IS 'Units the hold takes';
COMMENT ON COLUMN api.my_ships.sensor_range IS 'How far it sees other ships (km): api.contacts';
COMMENT ON COLUMN api.my_ships.pending_command IS 'A command the next tick applies: navigate, undock, dock or mine';

CREATE VIEW api.my_cargo WITH (security_barrier) AS
SELECT k.ship_id, k.good_id, g.name AS good, k.qty
  FROM sim.ship_cargo k
  JOIN sim.ship s ON s.id = k.ship_id
  JOIN sim.good g ON g.id = k.good_id
 WHERE s.faction_id = (SELECT sim.viewer_faction());
COMMENT ON VIEW api.my_cargo IS 'What the calling player''s ships carry';
COMMENT ON COLUMN api.my_cargo.ship_id IS 'Ship';
COMMENT ON COLUMN api.my_cargo.good_id IS 'Good';
COMMENT ON COLUMN api.my_cargo.good IS 'The good''s name';
COMMENT ON COLUMN api.my_cargo.qty IS 'Units aboard';

CREATE VIEW api.my_orders WITH (security_barrier) AS
SELECT o.id, o.station_id, o.good_id, o.side, o.ship_id, o.price, o.qty, o.qty_open, o.escrow,
       o.placed_tick, o.status, o.closed_tick
  FROM sim.market_order o
 WHERE o.faction_id = (SELECT sim.viewer_faction());
COMMENT ON VIEW api.my_orders IS 'The calling player''s limit orders, open and closed';
COMMENT ON COLUMN api.my_orders.id IS 'Order id (api.cancel_order)';
COMMENT ON COLUMN api.my_orders.station_id IS 'Station';
COMMENT ON COLUMN api.my_orders.good_id IS 'Good';
COMMENT ON COLUMN api.my_orders.side IS 'buy or sell';
COMMENT ON COLUMN api.my_orders.ship_id IS 'The ship that placed it (receives or supplied the goods)';
COMMENT ON COLUMN api.my_orders.price IS 'Limit price per unit';
COMMENT ON COLUMN api.my_orders.qty IS 'Units ordered';
COMMENT ON COLUMN api.my_orders.qty_open IS 'Units not yet filled';
COMMENT ON COLUMN api.my_orders.escrow IS 'Credits a buy order holds';
COMMENT ON COLUMN api.my_orders.placed_tick IS 'Tick it was placed';
COMMENT ON COLUMN api.my_orders.status IS 'open, filled or cancelled';
COMMENT ON COLUMN api.my_orders.closed_tick IS 'Tick it was filled or cancelled';

CREATE VIEW api.my_contracts WITH (security_barrier) AS
SELECT c.id, c.kind, c.issuer_faction, c.station_id, c.source_station_id, c.good_id, c.qty, c.reward,
       c.created_tick, c.deadline_tick, c.status, c.ship_id, c.accepted_tick, c.closed_tick
  FROM sim.contract c
 WHERE c.contractor_faction = (SELECT sim.viewer_faction());
COMMENT ON VIEW api.my_contracts IS 'Contracts the calling player accepted';
COMMENT ON COLUMN api.my_contracts.id IS 'Contract id (api.deliver_contract)';
COMMENT ON COLUMN api.my_contracts.kind IS 'procurement or transport';
COMMENT ON COLUMN api.my_contracts.issuer_faction IS 'Who pays the reward';
COMMENT ON COLUMN api.my_contracts.station_id IS 'Where the goods are delivered';
COMMENT ON COLUMN api.my_contracts.source_station_id IS 'Where a transport contract''s goods are loaded';
COMMENT ON COLUMN api.my_contracts.good_id IS 'Good';
COMMENT ON COLUMN api.my_contracts.qty IS 'Units to deliver';
COMMENT ON COLUMN api.my_contracts.reward IS 'Credits paid on delivery';
COMMENT ON COLUMN api.my_contracts.created_tick IS 'Tick it was offered';
COMMENT ON COLUMN api.my_contracts.deadline_tick IS 'Tick by which it must be delivered';
COMMENT ON COLUMN api.my_contracts.status IS 'accepted, fulfilled, expired or cancelled';
COMMENT ON COLUMN api.my_contracts.ship_id IS 'The ship that carries it';
COMMENT ON COLUMN api.my_contracts.accepted_tick IS 'Tick it was accepted';
COMMENT ON COLUMN api.my_contracts.closed_tick IS 'Tick it was fulfilled or expired';

CREATE VIEW api.my_trades WITH (security_barrier) AS
SELECT t.id, t.tick, t.station_id, t.good_id, t.kind,
       CASE WHEN t.buyer_faction = v.f THEN 'buy' ELSE 'sell' END AS side,
       CASE WHEN t.buyer_faction = v.f THEN t.buyer_ship ELSE t.seller_ship END AS ship_id,
       t.qty, t.price, t.tax
  FROM sim.trade t, (SELECT sim.viewer_faction() AS f) v
 WHERE t.buyer_faction = v.f OR t.seller_faction = v.f;
COMMENT ON VIEW api.my_trades IS 'Trades the calling player took part in (within the history''s retention)';
COMMENT ON COLUMN api.my_trades.id IS 'Trade id';
COMMENT ON COLUMN api.my_trades.tick IS 'Tick of the trade';
COMMENT ON COLUMN api.my_trades.station_id IS 'Station';
COMMENT ON COLUMN api.my_trades.good_id IS 'Good';
COMMENT ON COLUMN api.my_trades.kind IS 'market, order, contract or refuel';
COMMENT ON COLUMN api.my_trades.side IS 'buy or sell, seen from the player';
COMMENT ON COLUMN api.my_trades.ship_id IS 'The player''s ship in the trade';
COMMENT ON COLUMN api.my_trades.qty IS 'Units';
COMMENT ON COLUMN api.my_trades.price IS 'Credits per unit';
COMMENT ON COLUMN api.my_trades.tax IS 'Tax the trade paid';

-- Other ships within sensor range of one of the caller's ships, from the
-- shared-memory spatial index (positions of the last tick).
CREATE FUNCTION sim.visible_contacts()
RETURNS TABLE (id bigint, faction_id integer, class_id integer, sector_id integer, state text,
               x double precision, y double precision, z double precision,
               distance double precision, seen_by bigint)
LANGUAGE plpgsql STABLE SECURITY DEFINER ROWS 100 AS $$
DECLARE
    -- a value, not a subquery: the plan then fits one player's few ships
    mine    integer := sim.viewer_faction();
    now     bigint := (SELECT w.tick FROM sim.world w);
BEGIN
    RETURN QUERY
    SELECT DISTINCT ON (o.id) o.id, o.faction_id, o.class_id, o.sector_id, o.state,
           op.px, op.py, op.pz, n.distance, m.id
      FROM sim.ship m
      JOIN sim.ship_class c ON c.id = m.class_id
     CROSS JOIN LATERAL sim.leg_state(m.x, m.y, m.z, m.dir_x, m.dir_y, m.dir_z, m.accel,
                                      m.t_burn, m.t_coast, m.t_brake, m.leg_start_tick, now) mp
     CROSS JOIN LATERAL sim.ships_within_xyz(mp.px, mp.py, mp.pz, c.sensor_range) n
      JOIN sim.ship o ON o.id = n.ship_id AND o.faction_id <> m.faction_id
     CROSS JOIN LATERAL sim.leg_state(o.x, o.y, o.z, o.dir_x, o.dir_y, o.dir_z, o.accel,
                                      o.t_burn, o.t_coast, o.t_brake, o.leg_start_tick, now) op
     WHERE m.faction_id = mine
     ORDER BY o.id, n.distance, m.id;
END
$$;
-- a few thousand rows at most: compiling them is slower than running them
ALTER FUNCTION sim.visible_contacts() SET jit = off;
COMMENT ON FUNCTION sim.visible_contacts() IS
    'Other factions'' ships within sensor range (sim.ship_class.sensor_range) of one of the calling player''s ships (api.contacts)';

CREATE VIEW api.contacts WITH (security_barrier) AS
SELECT c.id, c.faction_id, c.class_id, c.sector_id, c.state, c.x, c.y, c.z, c.distance, c.seen_by
  FROM sim.visible_contacts() c;
COMMENT ON VIEW api.contacts IS
    'Other ships the calling player''s ships see: within the sensor range of their hull class, as of the last tick';
COMMENT ON COLUMN api.contacts.id IS 'Ship id';
COMMENT ON COLUMN api.contacts.faction_id IS 'Owner';
COMMENT ON COLUMN api.contacts.class_id IS 'Hull class';
COMMENT ON COLUMN api.contacts.sector_id IS 'Sector';
COMMENT ON COLUMN api.contacts.state IS 'What it is doing';
COMMENT ON COLUMN api.contacts.x IS 'Position, x (km)';
COMMENT ON COLUMN api.contacts.y IS 'Position, y (km)';
COMMENT ON COLUMN api.contacts.z IS 'Position, z (km)';
COMMENT ON COLUMN api.contacts.distance IS 'Distance from the nearest of the player''s ships that sees it (km)';
COMMENT ON COLUMN api.contacts.seen_by IS 'That ship';

-- ===================================================================
-- Commands
-- ===================================================================

CREATE FUNCTION api.navigate(ship bigint, destination text, mode text DEFAULT 'cruise',
    OUT command_id bigint, OUT start_tick bigint, OUT arrival_tick bigint,
    OUT fuel double precision, OUT legs integer)
LANGUAGE plpgsql VOLATILE SECURITY DEFINER AS $$
BEGIN
    PERFORM sim.current_player();
    SELECT n.command_id, n.start_tick, n.arrival_tick, n.fuel, n.legs
      INTO command_id, start_tick, arrival_tick, fuel, legs
      FROM sim.navigate(ship, destination, mode) n;
END
$$;
COMMENT ON FUNCTION api.navigate(bigint, text, text) IS
    'Fly one of your ships: destination ''station:ID'', ''body:ID'' or ''point:X,Y,Z''; mode drift, cruise or burn. The next tick starts the flight; returns the plan';

CREATE FUNCTION api.undock(ship bigint) RETURNS bigint
LANGUAGE sql VOLATILE SECURITY DEFINER AS $$
    SELECT sim.current_player();
    SELECT sim.undock(ship)
$$;
COMMENT ON FUNCTION api.undock(bigint) IS 'Undock one of your docked ships (the next tick starts it); returns the command id';

CREATE FUNCTION api.dock(ship bigint, station integer) RETURNS bigint
LANGUAGE sql VOLATILE SECURITY DEFINER AS $$
    SELECT sim.current_player();
    SELECT sim.dock(ship, station)
$$;
COMMENT ON FUNCTION api.dock(bigint, integer) IS
    'Dock one of your ships, at rest within docking range, at a station (the next tick starts it); returns the command id';

CREATE FUNCTION api.mine(ship bigint, body integer DEFAULT NULL) RETURNS bigint
LANGUAGE sql VOLATILE SECURITY DEFINER AS $$
    SELECT sim.current_player();
    SELECT sim.mine(ship, body)
$$;
COMMENT ON FUNCTION api.mine(bigint, integer) IS
    'Mine with one of your ships: the body it orbits, or one within mining range; returns the command id';

CREATE FUNCTION api.refuel(ship bigint, amount double precision DEFAULT NULL,
    OUT units bigint, OUT price bigint, OUT total bigint, OUT tax bigint)
LANGUAGE sql VOLATILE SECURITY DEFINER AS $$
    SELECT sim.current_player();
    SELECT r.units, r.price, r.total, r.tax FROM sim.refuel(ship, amount) r
$$;
COMMENT ON FUNCTION api.refuel(bigint, double precision) IS
    'Buy fuel for one of your docked ships (amount NULL: fill the tank); returns units, unit price, total and tax';

CREATE FUNCTION api.buy(ship bigint, good integer, qty bigint, max_price bigint DEFAULT NULL,
    OUT trade_id bigint, OUT price bigint, OUT total bigint, OUT tax bigint)
LANGUAGE plpgsql VOLATILE SECURITY DEFINER AS $$
BEGIN
    PERFORM sim.current_player();
    SELECT b.trade_id, b.price, b.total, b.tax
      INTO trade_id, price, total, tax
      FROM sim.buy(ship, good, qty, max_price) b;
END
$$;
COMMENT ON FUNCTION api.buy(bigint, integer, bigint, bigint) IS
    'Buy goods from the station one of your ships is docked at, at its ask (no more than max_price); returns the trade';

CREATE FUNCTION api.sell(ship bigint, good integer, qty bigint, min_price bigint DEFAULT NULL,
    OUT trade_id bigint, OUT price bigint, OUT total bigint, OUT tax bigint)
LANGUAGE plpgsql VOLATILE SECURITY DEFINER AS $$
BEGIN
    PERFORM sim.current_player();
    SELECT s.trade_id, s.price, s.total, s.tax
      INTO trade_id, price, total, tax
      FROM sim.sell(ship, good, qty, min_price) s;
END
$$;
COMMENT ON FUNCTION api.sell(bigint, integer, bigint, bigint) IS
    'Sell goods from one of your ships to the station it is docked at, at its bid (no less than min_price); returns the trade';

CREATE FUNCTION api.transfer_cargo(from_ship bigint, to_ship bigint, good integer, qty bigint) RETURNS bigint
LANGUAGE sql VOLATILE SECURITY DEFINER AS $$
    SELECT sim.current_player();
    SELECT sim.transfer_cargo(from_ship, to_ship, good, qty)
$$;
COMMENT ON FUNCTION api.transfer_cargo(bigint, bigint, integer, bigint) IS
    'Move goods from one of your ships to another ship docked at the same station; returns the units moved';

CREATE FUNCTION api.jettison(ship bigint, good integer, qty bigint) RETURNS bigint
LANGUAGE sql VOLATILE SECURITY DEFINER AS $$
    SELECT sim.current_player();
    SELECT sim.jettison(ship, good, qty)
$$;
COMMENT ON FUNCTION api.jettison(bigint, integer, bigint) IS 'Throw goods out of one of your ships (they are lost); returns the units';

CREATE FUNCTION api.place_order(ship bigint, good integer, side text, qty bigint, price bigint) RETURNS bigint
LANGUAGE sql VOLATILE SECURITY DEFINER AS $$
    SELECT sim.current_player();
    SELECT sim.place_order(ship, good, side, qty, price)
$$;
COMMENT ON FUNCTION api.place_order(bigint, integer, text, bigint, bigint) IS
    'Place a limit order at the station one of your ships is docked at: side buy (credits held in escrow) or sell (goods taken from the hold); returns the order id';

CREATE FUNCTION api.cancel_order(order_id bigint) RETURNS void
LANGUAGE sql VOLATILE SECURITY DEFINER AS $$
    SELECT sim.current_player();
    SELECT sim.cancel_order(order_id)
$$;
COMMENT ON FUNCTION api.cancel_order(bigint) IS 'Cancel one of your open orders: its escrow or goods come back';

CREATE FUNCTION api.accept_contract(contract bigint, ship bigint) RETURNS void
LANGUAGE sql VOLATILE SECURITY DEFINER AS $$
    SELECT sim.current_player();
    SELECT sim.accept_contract(contract, ship)
$$;
COMMENT ON FUNCTION api.accept_contract(bigint, bigint) IS 'Accept an offered contract for one of your ships to carry out';

CREATE FUNCTION api.deliver_contract(contract bigint, ship bigint DEFAULT NULL) RETURNS bigint
LANGUAGE sql VOLATILE SECURITY DEFINER AS $$
    SELECT sim.current_player();
    SELECT sim.deliver_contract(contract, ship)
$$;
COMMENT ON FUNCTION api.deliver_contract(bigint, bigint) IS
    'Deliver a contract you accepted, from the ship docked at its station; returns the reward paid';

-- ===================================================================
-- Read functions (STABLE: a GET may call them)
-- ===================================================================

CREATE FUNCTION api.route(from_sector integer, to_sector integer, mode text DEFAULT 'cruise',
                          ship_class integer DEFAULT NULL)
RETURNS TABLE (step integer, sector_id integer, gate_id integer,
               from_x double precision, from_y double precision, from_z double precision,
               to_x double precision, to_y double precision, to_z double precision,
               ticks double precision, fuel double precision, total_ticks double precision)
LANGUAGE sql STABLE SECURITY DEFINER AS $$
    SELECT r.step, r.sector_id, r.gate_id, r.from_x, r.from_y, r.from_z, r.to_x, r.to_y, r.to_z,
           r.ticks, r.fuel, r.total_ticks
      FROM sim.route_xyz(from_sector, to_sector, mode, ship_class) r
$$;
COMMENT ON FUNCTION api.route(integer, integer, text, integer) IS
    'The journey between two sectors'' centres through jump gates, one row per leg, for a hull class (NULL: the fastest hull)';

CREATE FUNCTION api.quote(station integer, good integer, qty bigint DEFAULT 1)
RETURNS TABLE (station_id integer, good_id integer, stock bigint, buy_price bigint, buy_cost bigint,
               sell_price bigint, sell_proceeds bigint)
LANGUAGE plpgsql STABLE SECURITY DEFINER AS $$
DECLARE
    e   sim.economy;
    g   sim.good;
    m   sim.station_stock;
    ask bigint;
    bid bigint;
BEGIN
    PERFORM sim.require_arg(station, 'station');
    PERFORM sim.require_arg(good, 'good');
    PERFORM sim.require_arg(qty, 'qty');
    PERFORM sim.require_positive(qty, 'qty');
    e := sim.economy_rules();
    g := sim.good_row(good);
    SELECT * INTO m FROM sim.station_stock s WHERE s.station_id = quote.station AND s.good_id = quote.good;
    IF NOT FOUND THEN
        RAISE EXCEPTION 'station % does not trade good %', station, good
            USING ERRCODE = 'object_not_in_prerequisite_state', HINT = 'api.market lists what each station trades.';
    END IF;
    -- as api.buy and api.sell price a lot
    IF m.qty >= qty THEN
        ask := sim.lot_price('buy', g, m, qty, e);
    END IF;
    bid := sim.lot_price('sell', g, m, qty, e);
    RETURN QUERY SELECT station, good, m.qty, ask,
                        ask * qty +
                            sim.levy(ask * qty, e.tax_rate),
                        bid,
                        bid * qty -
                            sim.levy(bid * qty, e.tax_rate);
END
$$;
COMMENT ON FUNCTION api.quote(integer, integer, bigint) IS
    'What qty units of a good cost to buy at a station now (buy_price per unit; buy_cost with tax; NULL when it holds fewer) and bring when sold (sell_price; sell_proceeds after tax)';

CREATE FUNCTION api.ships_near(ship bigint, radius double precision DEFAULT NULL)
RETURNS TABLE (id bigint, faction_id integer, class_id integer, sector_id integer, state text,
               x double precision, y double precision, z double precision, distance double precision)
LANGUAGE plpgsql STABLE SECURITY DEFINER AS $$
DECLARE
    me  integer := sim.commanding_faction();
BEGIN
    PERFORM sim.require_arg(ship, 'ship');
    IF radius IS NOT NULL AND NOT (radius >= 0) THEN
        RAISE EXCEPTION 'radius must be zero or more' USING ERRCODE = 'invalid_parameter_value';
    END IF;
    IF me IS NOT NULL AND NOT EXISTS (SELECT 1 FROM sim.ship s WHERE s.id = ships_near.ship AND s.faction_id = me) THEN
        PERFORM sim.raise_not_yours('ship', ship);
    END IF;
    IF NOT EXISTS (SELECT 1 FROM sim.ship s WHERE s.id = ships_near.ship) THEN
        RAISE EXCEPTION 'ship % does not exist', ship USING ERRCODE = 'undefined_object';
    END IF;
    RETURN QUERY
    SELECT o.id, o.faction_id, o.class_id, o.sector_id, o.state, op.px, op.py, op.pz, n.distance
      FROM sim.ship m
      JOIN sim.ship_class c ON c.id = m.class_id
     CROSS JOIN sim.world w
     CROSS JOIN LATERAL sim.leg_state(m.x, m.y, m.z, m.dir_x, m.dir_y, m.dir_z, m.accel,
                                      m.t_burn, m.t_coast, m.t_brake, m.leg_start_tick, w.tick) mp
     CROSS JOIN LATERAL sim.ships_within_xyz(mp.px, mp.py, mp.pz,
                                             LEAST(coalesce(radius, c.sensor_range), c.sensor_range)) n
      JOIN sim.ship o ON o.id = n.ship_id AND o.id <> m.id
     CROSS JOIN LATERAL sim.leg_state(o.x, o.y, o.z, o.dir_x, o.dir_y, o.dir_z, o.accel,
                                      o.t_burn, o.t_coast, o.t_brake, o.leg_start_tick, w.tick) op
     WHERE m.id = ships_near.ship
     ORDER BY n.distance, o.id;
END
$$;
COMMENT ON FUNCTION api.ships_near(bigint, double precision) IS
    'Ships within radius (at most, and by default, its sensor range) of one of your ships, nearest first, as of the last tick';

-- ===================================================================
-- Grants
-- ===================================================================

GRANT USAGE ON SCHEMA api TO sim_anon, sim_player, sim_operator;
GRANT SELECT ON api.goods, api.factions, api.sectors, api.jump_gates, api.bodies, api.stations, api.market,
                api.contracts_offered, api.price_history, api.error_codes, api.input_limits
    TO sim_anon, sim_player, sim_operator;
GRANT SELECT ON api.my_wallet, api.my_ships, api.my_cargo, api.my_orders, api.my_contracts, api.my_trades,
                api.contacts
    TO sim_player, sim_operator;
REVOKE EXECUTE ON ALL FUNCTIONS IN SCHEMA api FROM PUBLIC;
GRANT EXECUTE ON ALL FUNCTIONS IN SCHEMA api TO sim_player, sim_operator;
GRANT EXECUTE ON FUNCTION api.route(integer, integer, text, integer), api.quote(integer, integer, bigint)
    TO sim_anon;

-- ===================================================================
-- The ticker, for dashboards; pause, resume and step, for operators
-- ===================================================================
--
-- Who may do what: anyone reads api.ticker and api.tick_times (timing and
-- counts, nothing of any faction's), except api.ticker's last error and its
-- time, which only an operator sees (an error may quote a command's
-- arguments); api.pause, api.resume and api.step are for operators only
-- (sim.acting_as_operator(): a superuser, or the role sim_operator the API
-- server SET ROLEs for a token naming it).  The three are granted to every
-- API role so that each refusal is the function's own 42501 with its hint
-- rather than a bare "permission denied".
--
-- What a hostile holder of an operator token can do: what an operator may
-- -- hold the universe still, or run it forward.  One request is bounded:
-- api.step runs at most sim.api_step_ticks() ticks per call and a request at
-- most the API server's root-field limit of calls, so a request holds its
-- connection, and the ticker, for a bounded number of ticks; longer runs
-- are sim.step's, from SQL.

-- The most ticks one api.step call runs: a web request's worth (a tick of
-- 100,000 ships takes tens of milliseconds), far under sim.step's own
-- sim.limit('step_ticks').
CREATE FUNCTION sim.api_step_ticks() RETURNS integer
LANGUAGE sql IMMUTABLE PARALLEL SAFE
RETURN 1000;
COMMENT ON FUNCTION sim.api_step_ticks() IS
    'The most ticks one api.step call runs (longer runs: sim.step from SQL, up to sim.limit(''step_ticks''))';

-- Refuses (42501) a caller that is not an operator; what names the function
-- refused, a constant of the caller's code, never the client's text.
CREATE FUNCTION sim.require_operator(what text) RETURNS void
LANGUAGE plpgsql STABLE AS $$
BEGIN
    IF NOT sim.acting_as_operator() THEN
        RAISE EXCEPTION '% is for operators only', what
            USING ERRCODE = 'insufficient_privilege',
                  HINT = 'Sign in with a token whose role is sim_operator (the API server accepts them when '
                         'SIM_API_TOKEN_ROLES names sim_operator), or connect as a role granted sim_operator.';
    END IF;
END
$$;
COMMENT ON FUNCTION sim.require_operator(text) IS
    'Raise 42501, naming what, unless the caller acts as an operator (sim.acting_as_operator())';

-- sim.status for everyone: the last error and its time only for operators.
-- SECURITY DEFINER to read the shared-memory ticker state and sim.tick_log.
CREATE FUNCTION sim.ticker_summary()
RETURNS TABLE (tick bigint, paused boolean, tick_interval_ms integer, ships_in_flight bigint,
               commands_pending bigint, tick_ms_p50 double precision, tick_ms_p99 double precision,
               lag_ms double precision, ticks_skipped bigint, last_error text, last_error_at timestamptz)
LANGUAGE plpgsql STABLE SECURITY DEFINER ROWS 1 AS $$
DECLARE
    op  boolean := sim.acting_as_operator();
BEGIN
    RETURN QUERY
    SELECT s.tick, s.paused, s.tick_interval_ms, s.ships_in_flight, s.commands_pending,
           s.tick_ms_p50, s.tick_ms_p99, s.lag_ms, s.ticks_skipped,
           CASE WHEN op THEN s.last_error END, CASE WHEN op THEN s.last_error_at END
      FROM sim.status s;
END
$$;
COMMENT ON FUNCTION sim.ticker_summary() IS
    'sim.status''s tick, timing, lag and skipped ticks for any API role; its last error for operators only (api.ticker)';

CREATE VIEW api.ticker WITH (security_barrier) AS
SELECT t.tick, t.paused, t.tick_interval_ms, t.ships_in_flight, t.commands_pending,
       t.tick_ms_p50, t.tick_ms_p99, t.lag_ms, t.ticks_skipped, t.last_error, t.last_error_at
  FROM sim.ticker_summary() t;
COMMENT ON VIEW api.ticker IS
    'The ticker now, one row: tick, paused, timing over the last 100 ticks, lag, skipped ticks, and for operators the last error';
COMMENT ON COLUMN api.ticker.tick IS 'The current tick';
COMMENT ON COLUMN api.ticker.paused IS 'True while the ticker is paused (api.pause, api.resume)';
COMMENT ON COLUMN api.ticker.tick_interval_ms IS 'Milliseconds between ticks (sim.tick_interval_ms)';
COMMENT ON COLUMN api.ticker.ships_in_flight IS 'Ships flying now';
COMMENT ON COLUMN api.ticker.commands_pending IS 'Commands the next tick applies';
COMMENT ON COLUMN api.ticker.tick_ms_p50 IS 'Median tick duration over the last 100 ticks (ms)';
COMMENT ON COLUMN api.ticker.tick_ms_p99 IS '99th percentile of tick duration over the last 100 ticks (ms)';
COMMENT ON COLUMN api.ticker.lag_ms IS 'How far the ticker runs behind its schedule (ms; NULL when no ticker runs)';
COMMENT ON COLUMN api.ticker.ticks_skipped IS 'Ticks the ticker skipped to catch up with its schedule';
COMMENT ON COLUMN api.ticker.last_error IS 'The last error of a tick (operators only; NULL for anyone else)';
COMMENT ON COLUMN api.ticker.last_error_at IS 'When it happened (operators only)';

CREATE VIEW api.tick_times WITH (security_barrier) AS
SELECT l.tick, l.finished_at, l.duration_ms, l.ships_in_flight, l.arrivals, l.commands, l.source, l.waited_ms
  FROM sim.tick_log l;
COMMENT ON VIEW api.tick_times IS
    'Recent ticks (the last sim.tick_history): when each finished, how long it took, ships flying, arrivals, commands';
COMMENT ON COLUMN api.tick_times.tick IS 'Tick';
COMMENT ON COLUMN api.tick_times.finished_at IS 'When it committed';
COMMENT ON COLUMN api.tick_times.duration_ms IS 'How long it ran (ms)';
COMMENT ON COLUMN api.tick_times.ships_in_flight IS 'Ships flying after it';
COMMENT ON COLUMN api.tick_times.arrivals IS 'Ships that arrived in it';
COMMENT ON COLUMN api.tick_times.commands IS 'Commands it applied';
COMMENT ON COLUMN api.tick_times.source IS 'worker (the ticker) or step (sim.step, api.step)';
COMMENT ON COLUMN api.tick_times.waited_ms IS 'How long it waited for commands'' transactions before it started (ms)';

CREATE FUNCTION api.pause() RETURNS void
LANGUAGE sql VOLATILE SECURITY DEFINER AS $$
    SELECT sim.require_operator('api.pause');
    SELECT sim.pause();
$$;
COMMENT ON FUNCTION api.pause() IS
    'Operators: stop the ticker after the current tick (api.step still runs ticks)';

CREATE FUNCTION api.resume() RETURNS void
LANGUAGE sql VOLATILE SECURITY DEFINER AS $$
    SELECT sim.require_operator('api.resume');
    SELECT sim.resume();
$$;
COMMENT ON FUNCTION api.resume() IS 'Operators: let the ticker run again; its schedule restarts from now';

CREATE FUNCTION api.step(n integer DEFAULT 1) RETURNS bigint
LANGUAGE plpgsql VOLATILE SECURITY DEFINER AS $$
BEGIN
    PERFORM sim.require_operator('api.step');
    IF n IS NULL OR n < 1 OR n > sim.api_step_ticks() THEN
        RAISE EXCEPTION 'api.step runs between 1 and % ticks, not %', sim.api_step_ticks(), coalesce(n::text, 'NULL')
            USING ERRCODE = 'invalid_parameter_value',
                  HINT = 'Run more ticks in several calls, or with sim.step from SQL.';
    END IF;
    RETURN sim.step(n);
END
$$;
COMMENT ON FUNCTION api.step(integer) IS
    'Operators: run n ticks now (1 to sim.api_step_ticks(), 1000), paused or not; returns the new tick';

GRANT SELECT ON api.ticker, api.tick_times TO sim_anon, sim_player, sim_operator;
REVOKE EXECUTE ON FUNCTION api.pause(), api.resume(), api.step(integer) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION api.pause(), api.resume(), api.step(integer) TO sim_anon, sim_player, sim_operator;
GRANT EXECUTE ON FUNCTION sim.ticker_summary() TO sim_anon, sim_player;
