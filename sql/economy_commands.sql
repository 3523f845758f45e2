-- sim: economic commands -- market buy and sell, refuelling, cargo transfer
-- and jettison, limit orders, contracts.
--
-- Unlike sim.navigate these act at once, in the caller's transaction; the
-- tick is not involved.  Every command
--   1. checks its arguments (NULL: 22004, out of range: 22023);
--   2. calls sim.tick_guard(), so no tick runs until the caller's
--      transaction ends (a tick never sees half a command, and the trades
--      it aggregates are all committed before it starts);
--   3. locks the rows it reads and writes in one global order -- ship rows
--      (ascending id), the station row whose stock it changes, station_stock
--      rows, ship_cargo rows, wallet rows (ascending faction_id), then
--      market_order and contract rows -- so that concurrent commands queue
--      instead of deadlocking;
--   4. checks the state on the locked rows only, and raises before its
--      first write, so a failed command changes nothing.  (sim.buy and
--      sim.sell lock and check the wallets after writing the stock and the
--      hold, writes whose bounds are checked before, so that the wallets,
--      which all trades with a faction's stations lock, are held for the
--      shortest time; when they raise, the error undoes those writes.)
--   5. records itself in the command journal as its last statement (the
--      line marked "journal": sim.journal_write, sql/replay.sql), so only a
--      command that succeeded is journalled.
-- A bound over many rows is read from the one row that owns it: a hold's
-- free room from the ship's cargo_held, a station's free storage from its
-- stock_held (the tallies schema.sql keeps).  Every command that changes a
-- hold or a station's stock locks that owning row, and the tally triggers
-- update it, so any two commands that could together break a bound write
-- the same row.
--
-- Isolation levels.  The commands are correct at READ COMMITTED, REPEATABLE
-- READ and SERIALIZABLE: each either does the right thing or fails with
-- SQLSTATE 40001 (serialization_failure), which the caller retries.
--   - READ COMMITTED: SELECT ... FOR UPDATE waits for a concurrent writer of
--     the row and returns its latest committed version; every later
--     statement sees at least that.  Racing sessions queue and see each
--     other's result.
--   - REPEATABLE READ and SERIALIZABLE: every read that a decision rests on
--     is of a locked row (ship, station, stock, cargo, wallet, order,
--     contract); locking a row that another transaction changed after this
--     one's snapshot fails with 40001.  What a snapshot cannot show -- a
--     row inserted since -- is never summed: it is counted in the owning
--     row's tally, which its insert changed (so locking that row fails), or
--     it collides with this command's own insert (ON CONFLICT under these
--     levels fails with 40001 when the conflicting row is not visible).
--     A command may also fail on a stale snapshot with its own error (say,
--     SM004 for a wallet created since): it then writes nothing.
-- The snapshot of such a transaction may predate a tick that committed
-- while sim.tick_guard() waited; the tick's writes go through the same rows
-- (and tallies), so the command fails with 40001 rather than act on them.
-- test/isolation runs these races at each level.
--
-- SQLSTATEs: SM002 not enough cargo, SM003 hold full, SM004 not enough
-- credits, SM005 price moved, SM006 station storage full, SM007 not enough
-- stock, SM008 contract expired; 55000 for a ship, order or contract in the
-- wrong state; 42704 for unknown ships, goods, stations, orders, contracts;
-- 42501 for another faction's ship, order or station.
--
-- Money: taxes and fees are whole credits, sim.levy(value, rate) -- the
-- exact integer rule the tick uses too (src/core/money.c).

-- ERROR 22004 when value is NULL.
CREATE FUNCTION sim.require_arg(value anyelement, name text) RETURNS void
LANGUAGE plpgsql IMMUTABLE AS $$
BEGIN
    IF value IS NULL THEN
        RAISE EXCEPTION '% must not be null', name
            USING ERRCODE = 'null_value_not_allowed';
    END IF;
END
$$;
COMMENT ON FUNCTION sim.require_arg(anyelement, text) IS
    'Raise null_value_not_allowed naming the argument when it is NULL (used by the commands)';

-- ERROR 22023 when value is not positive (NULL passes: see sim.require_arg).
CREATE FUNCTION sim.require_positive(value bigint, name text) RETURNS void
LANGUAGE plpgsql IMMUTABLE AS $$
BEGIN
    IF value <= 0 THEN
        RAISE EXCEPTION '% must be positive, not %', name, value
            USING ERRCODE = 'invalid_parameter_value';
    END IF;
END
$$;
COMMENT ON FUNCTION sim.require_positive(bigint, text) IS
    'Raise invalid_parameter_value naming the argument when it is zero or negative (used by the commands)';

-- The economy's rules; ERROR 55000 when there is no universe.
CREATE FUNCTION sim.economy_rules() RETURNS sim.economy
LANGUAGE plpgsql STABLE AS $$
DECLARE
    e   sim.economy;
BEGIN
    SELECT * INTO e FROM sim.economy;
    IF NOT FOUND THEN
        RAISE EXCEPTION 'there is no universe'
            USING ERRCODE = 'object_not_in_prerequisite_state',
                  HINT = 'Create one with sim.generate_universe().';
    END IF;
    RETURN e;
END
$$;
COMMENT ON FUNCTION sim.economy_rules() IS 'The row of sim.economy; raises when there is no universe';

-- A good of the catalogue; ERROR 42704 when unknown.
CREATE FUNCTION sim.good_row(good integer) RETURNS sim.good
LANGUAGE plpgsql STABLE AS $$
DECLARE
    g   sim.good;
BEGIN
    SELECT * INTO g FROM sim.good gd WHERE gd.id = good;
    IF NOT FOUND THEN
        RAISE EXCEPTION 'good % does not exist', good
            USING ERRCODE = 'undefined_object',
                  HINT = 'api.goods lists the goods.';
    END IF;
    RETURN g;
END
$$;
COMMENT ON FUNCTION sim.good_row(integer) IS 'A row of sim.good; raises undefined_object when there is none';

-- The unit price of a lot of qty units a station sells (side 'buy': its
-- ask) or buys (side 'sell': its bid): the quote for the stock the lot
-- leaves, so a lot is never cheaper than unit by unit.  sim.buy, sim.sell,
-- sim.refuel and api.quote price by it.  A standard SQL body (parsed at
-- install, so it needs no search_path of its own): the planner inlines it
-- into the commands' expressions.
CREATE FUNCTION sim.lot_price(side text, g sim.good, m sim.station_stock, qty bigint, e sim.economy)
RETURNS bigint
LANGUAGE sql IMMUTABLE
RETURN CASE side
       WHEN 'buy' THEN (sim.market_quote(g.base_price, m.qty - qty, m.target, e.spread)).ask
       WHEN 'sell' THEN (sim.market_quote(g.base_price, m.qty + qty, m.target, e.spread)).bid
       END;
COMMENT ON FUNCTION sim.lot_price(text, sim.good, sim.station_stock, bigint, sim.economy) IS
    'Unit price of a lot a station sells (buy: its ask) or buys (sell: its bid): the quote for the stock the lot leaves';

-- A player learns nothing of what is not its own: another faction's ship,
-- order or contract and one that does not exist get the same 42501.
CREATE FUNCTION sim.raise_not_yours(what text, id bigint) RETURNS void
LANGUAGE plpgsql IMMUTABLE AS $$
BEGIN
    RAISE EXCEPTION '% % is not one of yours', what, id
        USING ERRCODE = 'insufficient_privilege',
              HINT = format('api.my_%ss lists yours.', what);
END
$$;
COMMENT ON FUNCTION sim.raise_not_yours(text, bigint) IS
    'Raise insufficient_privilege: a ship, order or contract that is not the calling player''s (or does not exist)';

-- The ship's row, locked FOR UPDATE; ERROR 42704 when unknown, or, when
-- must_command and the caller is a player, 42501 unless it is the player's.
CREATE FUNCTION sim.lock_ship(ship bigint, must_command boolean DEFAULT true) RETURNS sim.ship
LANGUAGE plpgsql AS $$
DECLARE
    s   sim.ship;
    f   integer;
BEGIN
    IF must_command THEN
        f := sim.commanding_faction();
    END IF;
    SELECT * INTO s FROM sim.ship sh WHERE sh.id = ship FOR UPDATE;
    IF f IS NOT NULL AND (NOT FOUND OR s.faction_id <> f) THEN
        PERFORM sim.raise_not_yours('ship', ship);
    END IF;
    IF NOT FOUND THEN
        RAISE EXCEPTION 'ship % does not exist', ship
            USING ERRCODE = 'undefined_object';
    END IF;
    RETURN s;
END
$$;
COMMENT ON FUNCTION sim.lock_ship(bigint, boolean) IS
    'Lock a ship''s row for a command and return it; raises when it does not exist or (must_command) the caller plays another faction';

-- ERROR 55000 unless the ship is docked (at station, when given).
CREATE FUNCTION sim.require_docked(s sim.ship, station integer DEFAULT NULL, why text DEFAULT NULL)
RETURNS void
LANGUAGE plpgsql IMMUTABLE AS $$
BEGIN
    IF s.state <> 'docked' THEN
        IF station IS NULL THEN
            RAISE EXCEPTION 'ship % is not docked', s.id
                USING ERRCODE = 'object_not_in_prerequisite_state',
                      DETAIL = format('It is %s.', s.state),
                      HINT = 'Fly it to a station with navigate(ship, ''station:ID''); it trades once docked.';
        END IF;
        RAISE EXCEPTION 'ship % is not docked at station %', s.id, station
            USING ERRCODE = 'object_not_in_prerequisite_state',
                  DETAIL = format('It is %s.', s.state),
                  HINT = coalesce(why || ' ', '') || format('Dock it at station %s first.', station);
    END IF;
    IF station IS NOT NULL AND s.docked_at <> station THEN
        RAISE EXCEPTION 'ship % is not docked at station %', s.id, station
            USING ERRCODE = 'object_not_in_prerequisite_state',
                  DETAIL = format('It is docked at station %s.', s.docked_at),
                  HINT = coalesce(why || ' ', '') || format('Fly it to station %s first.', station);
    END IF;
END
$$;
COMMENT ON FUNCTION sim.require_docked(sim.ship, integer, text) IS
    'Raise object_not_in_prerequisite_state unless the ship is docked (at the station, when given); why prefixes the hint';

-- The station's market for a good, its row locked FOR UPDATE; ERROR 55000
-- when the station does not trade the good.
CREATE FUNCTION sim.lock_market(station integer, good integer) RETURNS sim.station_stock
LANGUAGE plpgsql AS $$
DECLARE
    m   sim.station_stock;
BEGIN
    SELECT * INTO m FROM sim.station_stock s
     WHERE s.station_id = station AND s.good_id = good FOR UPDATE;
    IF NOT FOUND THEN
        RAISE EXCEPTION 'station % does not trade "%"', station,
                        coalesce((SELECT sim.echo(g.name) FROM sim.good g WHERE g.id = good), good::text)
            USING ERRCODE = 'object_not_in_prerequisite_state',
                  DETAIL = 'A station trades the goods it holds a stock of.',
                  HINT = 'api.market lists the goods each station buys and sells.';
    END IF;
    RETURN m;
END
$$;
COMMENT ON FUNCTION sim.lock_market(integer, integer) IS
    'Lock a station''s stock row of a good and return it; raises when the station does not trade the good';

-- Lock a station's row, which holds the tally of its stock (stock_held):
-- every command that changes a station's stock takes it, before the stock
-- rows, since the tally trigger writes it.  Returns the units it holds.
CREATE FUNCTION sim.lock_station_stock(station integer) RETURNS bigint
LANGUAGE sql AS $$
    SELECT st.stock_held FROM sim.station st WHERE st.id = station FOR NO KEY UPDATE
$$;
COMMENT ON FUNCTION sim.lock_station_stock(integer) IS
    'Lock a station''s row (the owner of its storage tally) before changing its stock; return the units it holds';

-- Lock the wallets of some factions, in ascending faction_id.
CREATE FUNCTION sim.lock_wallets(VARIADIC factions integer[]) RETURNS void
LANGUAGE plpgsql AS $$
BEGIN
    PERFORM 1 FROM sim.wallet w WHERE w.faction_id = ANY (factions) ORDER BY w.faction_id FOR UPDATE;
END
$$;
COMMENT ON FUNCTION sim.lock_wallets(integer[]) IS 'Lock the wallets of factions in ascending faction_id';

-- The credits of a faction (0 without a wallet).
CREATE FUNCTION sim.credits_of(faction integer) RETURNS bigint
LANGUAGE sql STABLE AS $$
    SELECT coalesce((SELECT w.credits FROM sim.wallet w WHERE w.faction_id = faction), 0)
$$;
COMMENT ON FUNCTION sim.credits_of(integer) IS 'The credits in a faction''s wallet (0 when it has none)';

-- Add credits to a wallet, creating it if needed.
CREATE FUNCTION sim.wallet_add(faction integer, amount bigint) RETURNS void
LANGUAGE sql AS $$
    INSERT INTO sim.wallet AS w (faction_id, credits) VALUES (faction, amount)
    ON CONFLICT ON CONSTRAINT wallet_pkey DO UPDATE SET credits = w.credits + excluded.credits
$$;
COMMENT ON FUNCTION sim.wallet_add(integer, bigint) IS 'Add credits to a faction''s wallet (created when missing)';

-- Add goods to a ship's hold (the tally trigger updates sim.ship.cargo_held,
-- and the ship's trigger checks it against the hull).
CREATE FUNCTION sim.cargo_add(ship bigint, good integer, amount bigint) RETURNS void
LANGUAGE sql AS $$
    INSERT INTO sim.ship_cargo AS c (ship_id, good_id, qty) VALUES (ship, good, amount)
    ON CONFLICT ON CONSTRAINT ship_cargo_pkey DO UPDATE SET qty = c.qty + excluded.qty
$$;
COMMENT ON FUNCTION sim.cargo_add(bigint, integer, bigint) IS 'Add units of a good to a ship''s hold';

-- Take goods out of a ship's hold; the row goes when it reaches 0.
CREATE FUNCTION sim.cargo_remove(ship bigint, good integer, amount bigint) RETURNS void
LANGUAGE plpgsql AS $$
BEGIN
    DELETE FROM sim.ship_cargo c WHERE c.ship_id = ship AND c.good_id = good AND c.qty = amount;
    IF NOT FOUND THEN
        UPDATE sim.ship_cargo c SET qty = c.qty - amount WHERE c.ship_id = ship AND c.good_id = good;
    END IF;
END
$$;
COMMENT ON FUNCTION sim.cargo_remove(bigint, integer, bigint) IS
    'Take units of a good out of a ship''s hold, deleting its row when none are left';

-- Units of a good aboard a ship (locked), and the hold's free room.  s is
-- the ship's row as sim.lock_ship returned it: the room is read from its
-- tally, which no other transaction can change while the row is locked.
CREATE FUNCTION sim.lock_cargo(s sim.ship, good integer, OUT carried bigint, OUT room bigint)
LANGUAGE plpgsql AS $$
BEGIN
    SELECT c.qty INTO carried FROM sim.ship_cargo c
     WHERE c.ship_id = s.id AND c.good_id = good FOR UPDATE;
    carried := coalesce(carried, 0);
    SELECT k.cargo_capacity - s.cargo_held INTO room FROM sim.ship_class k WHERE k.id = s.class_id;
END
$$;
COMMENT ON FUNCTION sim.lock_cargo(sim.ship, integer) IS
    'Lock a ship''s cargo row of a good; return the units carried and the free room of the hold';

-- Shared error reports -------------------------------------------------------

CREATE FUNCTION sim.raise_not_enough_cargo(ship bigint, g sim.good, carried bigint, wanted bigint)
RETURNS void
LANGUAGE plpgsql IMMUTABLE AS $$
BEGIN
    RAISE EXCEPTION 'ship % carries % units of "%", not %', ship, carried, sim.echo(g.name), wanted
        USING ERRCODE = 'SM002',
              HINT = CASE WHEN carried > 0 THEN format('Use at most %s units.', carried)
                          ELSE 'api.my_cargo (sim.ship_cargo for operators) lists what ships carry.' END;
END
$$;
COMMENT ON FUNCTION sim.raise_not_enough_cargo(bigint, sim.good, bigint, bigint) IS 'Raise SM002 (not enough cargo)';

CREATE FUNCTION sim.raise_hold_full(ship bigint, room bigint, wanted bigint) RETURNS void
LANGUAGE plpgsql IMMUTABLE AS $$
BEGIN
    RAISE EXCEPTION 'ship % has room for % more units, not %', ship, room, wanted
        USING ERRCODE = 'SM003',
              HINT = 'Sell, transfer or jettison cargo first, or move fewer units.';
END
$$;
COMMENT ON FUNCTION sim.raise_hold_full(bigint, bigint, bigint) IS 'Raise SM003 (cargo hold full)';

CREATE FUNCTION sim.raise_not_enough_stock(station integer, g sim.good, stock bigint, wanted bigint)
RETURNS void
LANGUAGE plpgsql IMMUTABLE AS $$
BEGIN
    RAISE EXCEPTION 'station % has % units of "%", not %', station, stock, sim.echo(g.name), wanted
        USING ERRCODE = 'SM007',
              HINT = CASE WHEN stock > 0 THEN format('Take at most %s units, or wait for the station to restock.', stock)
                          ELSE 'Wait for the station to restock, or try another station.' END;
END
$$;
COMMENT ON FUNCTION sim.raise_not_enough_stock(integer, sim.good, bigint, bigint) IS 'Raise SM007 (not enough stock)';

CREATE FUNCTION sim.raise_storage_full(station integer, held bigint, capacity bigint, wanted bigint)
RETURNS void
LANGUAGE plpgsql IMMUTABLE AS $$
BEGIN
    RAISE EXCEPTION 'station % has room for % more units, not %', station, capacity - held, wanted
        USING ERRCODE = 'SM006',
              DETAIL = format('It holds %s of %s units.', held, capacity),
              HINT = 'Bring fewer units, or go to another station.';
END
$$;
COMMENT ON FUNCTION sim.raise_storage_full(integer, bigint, bigint, bigint) IS 'Raise SM006 (station storage full)';

-- Market trades ----------------------------------------------------------------
--
-- sim.buy and sim.sell are the commands players call most: their bodies
-- read and lock each row once, with statements PL/pgSQL plans once per
-- session, and write each table with one statement (a hold's row is
-- updated, inserted or deleted, never tried both ways; both wallets change
-- in one UPDATE, locked last), so that each write fires its tables'
-- triggers once.  The helpers above (sim.lock_ship, sim.lock_market,
-- sim.require_docked, ...) are called only to raise their errors, so the
-- messages stay theirs.

CREATE FUNCTION sim.buy(ship bigint, good integer, qty bigint, max_price bigint DEFAULT NULL,
                        OUT trade_id bigint, OUT price bigint, OUT total bigint, OUT tax bigint)
LANGUAGE plpgsql VOLATILE AS $$
DECLARE
    e       sim.economy;
    g       sim.good;
    s       sim.ship;
    m       sim.station_stock;
    f       integer;
    seller  integer;
    carried bigint;
    in_hold boolean;
    room    bigint;
    funds   bigint;
    seller_wallet boolean := false;
    w       record;
    now_tick bigint;
BEGIN
    IF ship IS NULL OR good IS NULL OR qty IS NULL THEN
        PERFORM sim.require_arg(ship, 'ship');
        PERFORM sim.require_arg(good, 'good');
        PERFORM sim.require_arg(qty, 'qty');
    END IF;
    IF qty <= 0 OR max_price <= 0 THEN
        PERFORM sim.require_positive(qty, 'qty');
        PERFORM sim.require_positive(max_price, 'max_price');
    END IF;
    PERFORM sim.tick_guard();
    SELECT * INTO e FROM sim.economy;
    IF NOT FOUND THEN
        e := sim.economy_rules();
    END IF;
    SELECT * INTO g FROM sim.good gd WHERE gd.id = good;
    IF NOT FOUND THEN
        g := sim.good_row(good);
    END IF;

    f := sim.commanding_faction();
    SELECT * INTO s FROM sim.ship sh WHERE sh.id = ship FOR UPDATE;
    IF NOT FOUND OR s.faction_id <> f THEN
        s := sim.lock_ship(ship);
    END IF;
    IF s.state <> 'docked' THEN
        PERFORM sim.require_docked(s);
    END IF;
    SELECT st.faction_id INTO seller FROM sim.station st WHERE st.id = s.docked_at FOR NO KEY UPDATE;
    SELECT * INTO m FROM sim.station_stock k WHERE k.station_id = s.docked_at AND k.good_id = good FOR UPDATE;
    IF NOT FOUND THEN
        m := sim.lock_market(s.docked_at, good);
    END IF;
    IF m.qty < qty THEN
        PERFORM sim.raise_not_enough_stock(s.docked_at, g, m.qty, qty);
    END IF;
    SELECT c.qty INTO carried FROM sim.ship_cargo c WHERE c.ship_id = ship AND c.good_id = good FOR UPDATE;
    in_hold := FOUND;
    SELECT k.cargo_capacity - s.cargo_held INTO room FROM sim.ship_class k WHERE k.id = s.class_id;
    IF room < qty THEN
        PERFORM sim.raise_hold_full(ship, room, qty);
    END IF;
    price := sim.lot_price('buy', g, m, qty, e);
    IF price > max_price THEN
        RAISE EXCEPTION 'the ask for "%" at station % is %, above max_price %', sim.echo(g.name), s.docked_at, price, max_price
            USING ERRCODE = 'SM005',
                  DETAIL = format('Station %s sells "%s" at %s credits per unit now.', s.docked_at, sim.echo(g.name), price),
                  HINT = 'Call again with a higher max_price, or wait for the price to fall.';
    END IF;
    now_tick := sim.current_tick();
    UPDATE sim.station_stock st SET qty = st.qty - buy.qty
     WHERE st.station_id = s.docked_at AND st.good_id = good;
    IF in_hold THEN
        UPDATE sim.ship_cargo c SET qty = c.qty + buy.qty WHERE c.ship_id = ship AND c.good_id = good;
    ELSE
        INSERT INTO sim.ship_cargo (ship_id, good_id, qty) VALUES (ship, good, qty);
    END IF;
    -- the wallets last: every trade with a faction's stations locks its
    -- wallet, so it is held for the shortest time (the writes above cannot
    -- fail, their bounds checked; should this raise, the error undoes them)
    funds := 0;
    FOR w IN SELECT wl.faction_id, wl.credits FROM sim.wallet wl WHERE wl.faction_id IN (s.faction_id, seller)
              ORDER BY wl.faction_id FOR UPDATE LOOP
        IF w.faction_id = s.faction_id THEN
            funds := w.credits;
        END IF;
        IF w.faction_id = seller THEN
            seller_wallet := true;
        END IF;
    END LOOP;
    total := qty * price;
    tax := sim.levy(total, e.tax_rate);
    IF funds < total + tax THEN
        RAISE EXCEPTION 'faction % has % credits, not the % that % units of "%" cost',
                        s.faction_id, funds, total + tax, qty, sim.echo(g.name)
            USING ERRCODE = 'SM004',
                  DETAIL = format('%s units at %s credits are %s credits, plus %s tax.', qty, price, total, tax),
                  HINT = 'Buy fewer units.';
    END IF;

    -- the buyer pays the price and the tax, the seller gets the price
    UPDATE sim.wallet wl
       SET credits = wl.credits - CASE WHEN wl.faction_id = s.faction_id THEN total + tax ELSE 0 END
                                + CASE WHEN wl.faction_id = seller AND seller_wallet THEN total ELSE 0 END
     WHERE wl.faction_id IN (s.faction_id, seller);
    IF NOT seller_wallet THEN
        INSERT INTO sim.wallet (faction_id, credits) VALUES (seller, total);
    END IF;
    IF tax > 0 THEN
        INSERT INTO sim.ledger (tick, flow, reason, good_id, amount, station_id, sector_id, body_id, ship_id, faction_id)
        VALUES (now_tick, 'sink', 'tax', NULL, tax, s.docked_at, s.sector_id, s.body_id, ship, s.faction_id);
    END IF;
    INSERT INTO sim.trade (tick, station_id, good_id, qty, price, buyer_faction, seller_faction,
                           buyer_ship, seller_ship, kind, tax)
    VALUES (now_tick, s.docked_at, good, qty, price, s.faction_id, seller, ship, NULL, 'market', tax)
    RETURNING id INTO trade_id;
    PERFORM sim.journal_write('buy', jsonb_build_object('ship', buy.ship, 'good', buy.good, 'qty', buy.qty, 'max_price', buy.max_price));  -- journal
END
$$;
COMMENT ON FUNCTION sim.buy(bigint, integer, bigint, bigint) IS
    'Buy qty units of a good from the station a ship is docked at, at the ask for the stock the lot leaves (at most max_price); the ship''s faction pays the price and the tax';

CREATE FUNCTION sim.sell(ship bigint, good integer, qty bigint, min_price bigint DEFAULT NULL,
                         OUT trade_id bigint, OUT price bigint, OUT total bigint, OUT tax bigint)
LANGUAGE plpgsql VOLATILE AS $$
DECLARE
    e       sim.economy;
    g       sim.good;
    s       sim.ship;
    m       sim.station_stock;
    f       integer;
    buyer   integer;
    held    bigint;
    capacity bigint;
    carried bigint;
    funds   bigint;
    seller_wallet boolean := false;
    w       record;
    now_tick bigint;
BEGIN
    IF ship IS NULL OR good IS NULL OR qty IS NULL THEN
        PERFORM sim.require_arg(ship, 'ship');
        PERFORM sim.require_arg(good, 'good');
        PERFORM sim.require_arg(qty, 'qty');
    END IF;
    IF qty <= 0 OR min_price <= 0 THEN
        PERFORM sim.require_positive(qty, 'qty');
        PERFORM sim.require_positive(min_price, 'min_price');
    END IF;
    PERFORM sim.tick_guard();
    SELECT * INTO e FROM sim.economy;
    IF NOT FOUND THEN
        e := sim.economy_rules();
    END IF;
    SELECT * INTO g FROM sim.good gd WHERE gd.id = good;
    IF NOT FOUND THEN
        g := sim.good_row(good);
    END IF;

    f := sim.commanding_faction();
    SELECT * INTO s FROM sim.ship sh WHERE sh.id = ship FOR UPDATE;
    IF NOT FOUND OR s.faction_id <> f THEN
        s := sim.lock_ship(ship);
    END IF;
    IF s.state <> 'docked' THEN
        PERFORM sim.require_docked(s);
    END IF;
    SELECT st.stock_held, st.faction_id, st.storage_capacity INTO held, buyer, capacity
      FROM sim.station st WHERE st.id = s.docked_at FOR NO KEY UPDATE;
    SELECT * INTO m FROM sim.station_stock k WHERE k.station_id = s.docked_at AND k.good_id = good FOR UPDATE;
    IF NOT FOUND THEN
        m := sim.lock_market(s.docked_at, good);
    END IF;
    SELECT c.qty INTO carried FROM sim.ship_cargo c WHERE c.ship_id = ship AND c.good_id = good FOR UPDATE;
    carried := coalesce(carried, 0);
    IF carried < qty THEN
        PERFORM sim.raise_not_enough_cargo(ship, g, carried, qty);
    END IF;
    IF held + qty > capacity THEN
        PERFORM sim.raise_storage_full(s.docked_at, held, capacity, qty);
    END IF;
    -- a lot trades at the quote for the stock it makes: never dearer than unit by unit
    price := sim.lot_price('sell', g, m, qty, e);
    IF price < min_price THEN
        RAISE EXCEPTION 'the bid for "%" at station % is %, below min_price %', sim.echo(g.name), s.docked_at, price, min_price
            USING ERRCODE = 'SM005',
                  DETAIL = format('Station %s buys "%s" at %s credits per unit now.', s.docked_at, sim.echo(g.name), price),
                  HINT = 'Call again with a lower min_price, or wait for the price to rise.';
    END IF;
    now_tick := sim.current_tick();
    IF carried = qty THEN
        DELETE FROM sim.ship_cargo c WHERE c.ship_id = ship AND c.good_id = good;
    ELSE
        UPDATE sim.ship_cargo c SET qty = c.qty - sell.qty WHERE c.ship_id = ship AND c.good_id = good;
    END IF;
    UPDATE sim.station_stock st SET qty = st.qty + sell.qty
     WHERE st.station_id = s.docked_at AND st.good_id = good;
    -- the wallets last: every trade with a faction's stations locks its
    -- wallet, so it is held for the shortest time (the writes above cannot
    -- fail, their bounds checked; should this raise, the error undoes them)
    funds := 0;
    FOR w IN SELECT wl.faction_id, wl.credits FROM sim.wallet wl WHERE wl.faction_id IN (s.faction_id, buyer)
              ORDER BY wl.faction_id FOR UPDATE LOOP
        IF w.faction_id = buyer THEN
            funds := w.credits;
        END IF;
        IF w.faction_id = s.faction_id THEN
            seller_wallet := true;
        END IF;
    END LOOP;
    total := qty * price;
    tax := sim.levy(total, e.tax_rate);
    IF funds < total THEN
        RAISE EXCEPTION 'station % cannot pay % credits for % units of "%"', s.docked_at, total, qty, sim.echo(g.name)
            USING ERRCODE = 'SM004',
                  DETAIL = format('Its faction %s has %s credits.', buyer, funds),
                  HINT = 'Sell fewer units, or sell at another station.';
    END IF;

    -- the station's faction pays the price, the seller gets it less the tax
    UPDATE sim.wallet wl
       SET credits = wl.credits - CASE WHEN wl.faction_id = buyer THEN total ELSE 0 END
                                + CASE WHEN wl.faction_id = s.faction_id THEN total - tax ELSE 0 END
     WHERE wl.faction_id IN (buyer, s.faction_id);
    IF NOT seller_wallet AND total - tax > 0 THEN
        INSERT INTO sim.wallet (faction_id, credits) VALUES (s.faction_id, total - tax);
    END IF;
    IF tax > 0 THEN
        INSERT INTO sim.ledger (tick, flow, reason, good_id, amount, station_id, sector_id, body_id, ship_id, faction_id)
        VALUES (now_tick, 'sink', 'tax', NULL, tax, s.docked_at, s.sector_id, s.body_id, ship, s.faction_id);
    END IF;
    INSERT INTO sim.trade (tick, station_id, good_id, qty, price, buyer_faction, seller_faction,
                           buyer_ship, seller_ship, kind, tax)
    VALUES (now_tick, s.docked_at, good, qty, price, buyer, s.faction_id, NULL, ship, 'market', tax)
    RETURNING id INTO trade_id;
    PERFORM sim.journal_write('sell', jsonb_build_object('ship', sell.ship, 'good', sell.good, 'qty', sell.qty, 'min_price', sell.min_price));  -- journal
END
$$;
COMMENT ON FUNCTION sim.sell(bigint, integer, bigint, bigint) IS
    'Sell qty units of a good from a ship''s hold to the station it is docked at, at the bid for the stock the lot makes (at least min_price); the ship''s faction receives the price less the tax';

CREATE FUNCTION sim.refuel(ship bigint, amount double precision DEFAULT NULL,
                           OUT units bigint, OUT price bigint, OUT total bigint, OUT tax bigint)
LANGUAGE plpgsql VOLATILE AS $$
DECLARE
    e       sim.economy;
    g       sim.good;
    s       sim.ship;
    m       sim.station_stock;
    seller  integer;
    tank    double precision;
    room    bigint;
    funds   bigint;
BEGIN
    PERFORM sim.require_arg(ship, 'ship');
    IF NOT (amount > 0 AND amount < 'Infinity') THEN   -- also NaN; NULL passes (fill the tank)
        RAISE EXCEPTION 'amount must be a positive number of fuel units, not %', amount
            USING ERRCODE = 'invalid_parameter_value',
                  HINT = 'Pass NULL to fill the tank.';
    END IF;
    PERFORM sim.tick_guard();
    e := sim.economy_rules();
    SELECT * INTO g FROM sim.good gd WHERE gd.name = 'fuel';
    IF NOT FOUND THEN
        RAISE EXCEPTION 'good "fuel" does not exist'
            USING ERRCODE = 'undefined_object',
                  HINT = 'Refuelling buys the good named "fuel"; add it to sim.good.';
    END IF;

    s := sim.lock_ship(ship);
    PERFORM sim.require_docked(s);
    PERFORM sim.lock_station_stock(s.docked_at);
    m := sim.lock_market(s.docked_at, g.id);
    tank := (SELECT k.fuel_capacity FROM sim.ship_class k WHERE k.id = s.class_id);
    room := floor(tank - s.fuel)::bigint;
    IF room < 1 THEN
        RAISE EXCEPTION 'the tank of ship % is full', ship
            USING ERRCODE = 'object_not_in_prerequisite_state',
                  DETAIL = format('It holds %s of %s fuel units; fuel is sold in whole units.', s.fuel, tank);
    END IF;
    IF ceil(amount) > room THEN
        RAISE EXCEPTION 'the tank of ship % has room for % fuel units, not %', ship, room, ceil(amount)
            USING ERRCODE = 'invalid_parameter_value',
                  DETAIL = format('It holds %s of %s fuel units.', s.fuel, tank),
                  HINT = format('Pass at most %s, or NULL to fill the tank.', room);
    END IF;
    units := coalesce(ceil(amount)::bigint, room);
    IF m.qty < units THEN
        PERFORM sim.raise_not_enough_stock(s.docked_at, g, m.qty, units);
    END IF;
    price := sim.lot_price('buy', g, m, units, e);
    seller := (SELECT st.faction_id FROM sim.station st WHERE st.id = s.docked_at);
    PERFORM sim.lock_wallets(s.faction_id, seller);
    total := units * price;
    tax := sim.levy(total, e.tax_rate);
    funds := sim.credits_of(s.faction_id);
    IF funds < total + tax THEN
        RAISE EXCEPTION 'faction % has % credits, not the % that % fuel units cost',
                        s.faction_id, funds, total + tax, units
            USING ERRCODE = 'SM004',
                  DETAIL = format('%s units at %s credits are %s credits, plus %s tax.', units, price, total, tax),
                  HINT = 'Buy less fuel.';
    END IF;

    UPDATE sim.station_stock st SET qty = st.qty - units
     WHERE st.station_id = s.docked_at AND st.good_id = g.id;
    UPDATE sim.ship sh SET fuel = sh.fuel + units WHERE sh.id = ship;
    UPDATE sim.wallet w SET credits = w.credits - (total + tax) WHERE w.faction_id = s.faction_id;
    PERFORM sim.wallet_add(seller, total);
    INSERT INTO sim.ledger (tick, flow, reason, good_id, amount, station_id, sector_id, body_id, ship_id, faction_id)
    VALUES (sim.current_tick(), 'sink', 'refuel', g.id, units, s.docked_at, s.sector_id, s.body_id, ship, s.faction_id);
    IF tax > 0 THEN
        INSERT INTO sim.ledger (tick, flow, reason, good_id, amount, station_id, sector_id, body_id, ship_id, faction_id)
        VALUES (sim.current_tick(), 'sink', 'tax', NULL, tax, s.docked_at, s.sector_id, s.body_id, ship, s.faction_id);
    END IF;
    INSERT INTO sim.trade (tick, station_id, good_id, qty, price, buyer_faction, seller_faction,
                           buyer_ship, seller_ship, kind, tax)
    VALUES (sim.current_tick(), s.docked_at, g.id, units, price, s.faction_id, seller, ship, NULL, 'refuel', tax);
    PERFORM sim.journal_write('refuel', jsonb_build_object('ship', refuel.ship, 'amount', refuel.amount));  -- journal
END
$$;
COMMENT ON FUNCTION sim.refuel(bigint, double precision) IS
    'Buy whole units of fuel at the ask of the station a ship is docked at, into its tank (amount rounded up; NULL fills the tank)';

-- Cargo between ships, and overboard ---------------------------------------------

CREATE FUNCTION sim.transfer_cargo(from_ship bigint, to_ship bigint, good integer, qty bigint)
RETURNS bigint
LANGUAGE plpgsql VOLATILE AS $$
DECLARE
    g       sim.good;
    src     sim.ship;
    dst     sim.ship;
    src_cargo record;
    dst_cargo record;
    dist    double precision;
    hidden  boolean;   -- to_ship is another faction's: say nothing of it
BEGIN
    PERFORM sim.require_arg(from_ship, 'from_ship');
    PERFORM sim.require_arg(to_ship, 'to_ship');
    PERFORM sim.require_arg(good, 'good');
    PERFORM sim.require_arg(qty, 'qty');
    PERFORM sim.require_positive(qty, 'qty');
    IF from_ship = to_ship THEN
        RAISE EXCEPTION 'from_ship and to_ship are both ship %', from_ship
            USING ERRCODE = 'invalid_parameter_value',
                  HINT = 'Transfer cargo between two different ships.';
    END IF;
    PERFORM sim.tick_guard();
    g := sim.good_row(good);

    -- ships in ascending id; only the giving ship must be the caller's
    IF from_ship < to_ship THEN
        src := sim.lock_ship(from_ship);
        dst := sim.lock_ship(to_ship, false);
    ELSE
        dst := sim.lock_ship(to_ship, false);
        src := sim.lock_ship(from_ship);
    END IF;
    hidden := dst.faction_id <> src.faction_id AND sim.commanding_faction() IS NOT NULL;
    IF hidden AND NOT ((src.state = 'docked' AND dst.state = 'docked' AND src.docked_at = dst.docked_at)
                       OR (src.state IN ('idle', 'orbiting', 'mining') AND dst.state IN ('idle', 'orbiting', 'mining')
                           AND sqrt((src.x - dst.x) ^ 2 + (src.y - dst.y) ^ 2 + (src.z - dst.z) ^ 2) <= 1)) THEN
        RAISE EXCEPTION 'ships % and % are not at the same place', from_ship, to_ship
            USING ERRCODE = 'object_not_in_prerequisite_state',
                  HINT = 'Both ships must be docked at the same station, or at rest (idle, orbiting or mining) within 1 km of each other.';
    END IF;
    IF src.state = 'docked' AND dst.state = 'docked' THEN
        IF src.docked_at <> dst.docked_at THEN
            RAISE EXCEPTION 'ships % and % are docked at different stations', from_ship, to_ship
                USING ERRCODE = 'object_not_in_prerequisite_state',
                      DETAIL = format('Ship %s is docked at station %s, ship %s at station %s.',
                                      from_ship, src.docked_at, to_ship, dst.docked_at),
                      HINT = 'Dock both ships at the same station first.';
        END IF;
    ELSIF src.state IN ('idle', 'orbiting', 'mining') AND dst.state IN ('idle', 'orbiting', 'mining') THEN
        dist := sqrt((src.x - dst.x) ^ 2 + (src.y - dst.y) ^ 2 + (src.z - dst.z) ^ 2);
        IF dist > 1 THEN
            RAISE EXCEPTION 'ships % and % are % km apart', from_ship, to_ship, round(dist::numeric, 3)
                USING ERRCODE = 'object_not_in_prerequisite_state',
                      DETAIL = 'Ships at rest in space can transfer cargo within 1 km of each other.',
                      HINT = 'Fly one ship to the other first.';
        END IF;
    ELSE
        RAISE EXCEPTION 'ships % and % are not at the same place', from_ship, to_ship
            USING ERRCODE = 'object_not_in_prerequisite_state',
                  DETAIL = format('Ship %s is %s, ship %s is %s.', from_ship, src.state, to_ship, dst.state),
                  HINT = 'Both ships must be docked at the same station, or at rest (idle, orbiting or mining) within 1 km of each other.';
    END IF;

    -- cargo rows in ascending ship id
    IF from_ship < to_ship THEN
        src_cargo := sim.lock_cargo(src, good);
        dst_cargo := sim.lock_cargo(dst, good);
    ELSE
        dst_cargo := sim.lock_cargo(dst, good);
        src_cargo := sim.lock_cargo(src, good);
    END IF;
    IF src_cargo.carried < qty THEN
        PERFORM sim.raise_not_enough_cargo(from_ship, g, src_cargo.carried, qty);
    END IF;
    IF dst_cargo.room < qty AND hidden THEN
        RAISE EXCEPTION 'ship % has no room for % units', to_ship, qty
            USING ERRCODE = 'SM003';
    ELSIF dst_cargo.room < qty THEN
        PERFORM sim.raise_hold_full(to_ship, dst_cargo.room, qty);
    END IF;

    PERFORM sim.cargo_remove(from_ship, good, qty);
    PERFORM sim.cargo_add(to_ship, good, qty);
    PERFORM sim.journal_write('transfer_cargo', jsonb_build_object('from_ship', transfer_cargo.from_ship, 'to_ship', transfer_cargo.to_ship, 'good', transfer_cargo.good, 'qty', transfer_cargo.qty));  -- journal
    RETURN qty;
END
$$;
COMMENT ON FUNCTION sim.transfer_cargo(bigint, bigint, integer, bigint) IS
    'Move qty units of a good from one ship''s hold to another''s: both docked at one station, or at rest within 1 km; returns qty';

CREATE FUNCTION sim.jettison(ship bigint, good integer, qty bigint) RETURNS bigint
LANGUAGE plpgsql VOLATILE AS $$
DECLARE
    g       sim.good;
    s       sim.ship;
    cargo   record;
BEGIN
    PERFORM sim.require_arg(ship, 'ship');
    PERFORM sim.require_arg(good, 'good');
    PERFORM sim.require_arg(qty, 'qty');
    PERFORM sim.require_positive(qty, 'qty');
    PERFORM sim.tick_guard();
    g := sim.good_row(good);

    s := sim.lock_ship(ship);
    cargo := sim.lock_cargo(s, good);
    IF cargo.carried < qty THEN
        PERFORM sim.raise_not_enough_cargo(ship, g, cargo.carried, qty);
    END IF;

    PERFORM sim.cargo_remove(ship, good, qty);
    INSERT INTO sim.ledger (tick, flow, reason, good_id, amount, station_id, sector_id, body_id, ship_id, faction_id)
    VALUES (sim.current_tick(), 'sink', 'jettison', good, qty, s.docked_at, s.sector_id, s.body_id, ship, s.faction_id);
    PERFORM sim.journal_write('jettison', jsonb_build_object('ship', jettison.ship, 'good', jettison.good, 'qty', jettison.qty));  -- journal
    RETURN qty;
END
$$;
COMMENT ON FUNCTION sim.jettison(bigint, integer, bigint) IS
    'Destroy qty units of a good from a ship''s hold (in any state); returns qty';

-- Limit orders -------------------------------------------------------------------

CREATE FUNCTION sim.place_order(ship bigint, good integer, side text, qty bigint, price bigint)
RETURNS bigint
LANGUAGE plpgsql VOLATILE AS $$
DECLARE
    e       sim.economy;
    g       sim.good;
    s       sim.ship;
    cargo   record;
    fee     bigint;
    hold    bigint := 0;
    funds   bigint;
    order_id bigint;
BEGIN
    PERFORM sim.require_arg(ship, 'ship');
    PERFORM sim.require_arg(good, 'good');
    PERFORM sim.require_arg(side, 'side');
    PERFORM sim.require_arg(qty, 'qty');
    PERFORM sim.require_arg(price, 'price');
    IF side NOT IN ('buy', 'sell') THEN
        RAISE EXCEPTION 'side must be buy or sell, not "%"', sim.echo(side)
            USING ERRCODE = 'invalid_parameter_value',
                  HINT = 'Pass ''buy'' to bid for goods, ''sell'' to offer them.';
    END IF;
    PERFORM sim.require_positive(qty, 'qty');
    PERFORM sim.require_positive(price, 'price');
    PERFORM sim.tick_guard();
    e := sim.economy_rules();
    g := sim.good_row(good);

    s := sim.lock_ship(ship);
    PERFORM sim.require_docked(s);
    PERFORM sim.lock_market(s.docked_at, good);
    IF side = 'sell' THEN
        cargo := sim.lock_cargo(s, good);
        IF cargo.carried < qty THEN
            PERFORM sim.raise_not_enough_cargo(ship, g, cargo.carried, qty);
        END IF;
    ELSE
        hold := qty * price;
    END IF;
    PERFORM sim.lock_wallets(s.faction_id);
    -- the wallet's lock serialises a faction's orders: the count is exact
    IF (SELECT count(*) FROM sim.market_order o WHERE o.faction_id = s.faction_id AND o.status = 'open')
       >= sim.limit('open_orders') THEN
        RAISE EXCEPTION 'faction % has % open orders already', s.faction_id, sim.limit('open_orders')
            USING ERRCODE = 'program_limit_exceeded',
                  DETAIL = format('A faction may have at most %s open orders at once.', sim.limit('open_orders')),
                  HINT = 'Cancel some open orders, or let them fill, first.';
    END IF;
    fee := sim.levy(qty * price, e.order_fee_rate);
    funds := sim.credits_of(s.faction_id);
    IF funds < hold + fee THEN
        RAISE EXCEPTION 'faction % has % credits, not the % that the order needs', s.faction_id, funds, hold + fee
            USING ERRCODE = 'SM004',
                  DETAIL = CASE WHEN side = 'buy'
                                THEN format('A buy order holds its price times its quantity (%s credits) until it fills, plus a fee of %s.', hold, fee)
                                ELSE format('Placing the order costs a fee of %s credits.', fee) END,
                  HINT = 'Order fewer units or at a lower price.';
    END IF;

    IF side = 'sell' THEN
        PERFORM sim.cargo_remove(ship, good, qty);
    END IF;
    IF hold + fee > 0 THEN
        UPDATE sim.wallet w SET credits = w.credits - (hold + fee) WHERE w.faction_id = s.faction_id;
    END IF;
    IF fee > 0 THEN
        INSERT INTO sim.ledger (tick, flow, reason, good_id, amount, station_id, sector_id, body_id, ship_id, faction_id)
        VALUES (sim.current_tick(), 'sink', 'order_fee', NULL, fee, s.docked_at, s.sector_id, s.body_id, ship, s.faction_id);
    END IF;
    INSERT INTO sim.market_order (station_id, good_id, side, faction_id, ship_id, price, qty, qty_open,
                                  escrow, placed_tick)
    VALUES (s.docked_at, good, side, s.faction_id, ship, price, qty, qty, hold, sim.current_tick())
    RETURNING id INTO order_id;
    PERFORM sim.journal_write('place_order', jsonb_build_object('ship', place_order.ship, 'good', place_order.good, 'side', place_order.side, 'qty', place_order.qty, 'price', place_order.price));  -- journal
    RETURN order_id;
END
$$;
COMMENT ON FUNCTION sim.place_order(bigint, integer, text, bigint, bigint) IS
    'Place a limit order at the station a ship is docked at: a sell order takes the goods from the hold, a buy order holds qty * price credits; the fee is paid at once; returns the order id';

CREATE FUNCTION sim.cancel_order(order_id bigint) RETURNS void
LANGUAGE plpgsql VOLATILE AS $$
DECLARE
    o       sim.market_order;
    f       integer;
    s       sim.ship;
    cargo   record;
BEGIN
    PERFORM sim.require_arg(order_id, 'order_id');
    PERFORM sim.tick_guard();
    f := sim.commanding_faction();
    SELECT * INTO o FROM sim.market_order mo WHERE mo.id = order_id;
    IF f IS NOT NULL AND (NOT FOUND OR o.faction_id <> f) THEN
        PERFORM sim.raise_not_yours('order', order_id);
    END IF;
    IF NOT FOUND THEN
        RAISE EXCEPTION 'order % does not exist', order_id
            USING ERRCODE = 'undefined_object';
    END IF;
    IF o.status <> 'open' THEN
        RAISE EXCEPTION 'order % is not open', order_id
            USING ERRCODE = 'object_not_in_prerequisite_state',
                  DETAIL = format('It was %s at tick %s.', o.status, o.closed_tick);
    END IF;

    IF o.side = 'sell' THEN
        -- the open goods return to the ship that placed the order
        IF NOT EXISTS (SELECT 1 FROM sim.ship sh WHERE sh.id = o.ship_id) THEN
            RAISE EXCEPTION 'ship % that placed sell order % no longer exists', o.ship_id, order_id
                USING ERRCODE = 'object_not_in_prerequisite_state',
                      DETAIL = 'The goods of a cancelled sell order return to the hold of the ship that placed it.',
                      HINT = 'Let the order fill instead.';
        END IF;
        s := sim.lock_ship(o.ship_id, false);
        PERFORM sim.require_docked(s, o.station_id,
                                   'The goods of a cancelled sell order return to the hold of the ship that placed it.');
        cargo := sim.lock_cargo(s, o.good_id);
        IF cargo.room < o.qty_open THEN
            PERFORM sim.raise_hold_full(s.id, cargo.room, o.qty_open);
        END IF;
    ELSE
        PERFORM sim.lock_wallets(o.faction_id);
    END IF;
    -- re-read the order under its lock: a concurrent cancel may have won
    SELECT * INTO o FROM sim.market_order mo WHERE mo.id = order_id FOR UPDATE;
    IF o.status <> 'open' THEN
        RAISE EXCEPTION 'order % is not open', order_id
            USING ERRCODE = 'object_not_in_prerequisite_state',
                  DETAIL = format('It was %s at tick %s.', o.status, o.closed_tick);
    END IF;

    IF o.side = 'sell' THEN
        IF o.qty_open > 0 THEN
            PERFORM sim.cargo_add(o.ship_id, o.good_id, o.qty_open);
        END IF;
    ELSIF o.escrow > 0 THEN
        PERFORM sim.wallet_add(o.faction_id, o.escrow);
    END IF;
    UPDATE sim.market_order mo SET status = 'cancelled', escrow = 0, closed_tick = sim.current_tick()
     WHERE mo.id = order_id;
    PERFORM sim.journal_write('cancel_order', jsonb_build_object('order_id', cancel_order.order_id));  -- journal
END
$$;
COMMENT ON FUNCTION sim.cancel_order(bigint) IS
    'Cancel an open order: a buy order''s escrow returns to the wallet, a sell order''s open goods to the hold of its ship (docked at the order''s station)';

-- Contracts ----------------------------------------------------------------------

-- ERROR unless the contract (as read) may be acted on: 55000 when its status
-- is not the one wanted, SM008 when its deadline has passed.
CREATE FUNCTION sim.require_contract(c sim.contract, wanted text, now_tick bigint) RETURNS void
LANGUAGE plpgsql IMMUTABLE AS $$
BEGIN
    IF c.status = 'expired' OR (c.status IN ('open', 'accepted') AND c.deadline_tick < now_tick) THEN
        RAISE EXCEPTION 'contract % expired at tick %', c.id, c.deadline_tick
            USING ERRCODE = 'SM008',
                  DETAIL = format('It is tick %s now.', now_tick),
                  HINT = 'api.contracts_offered lists the open contracts.';
    END IF;
    IF c.status <> wanted THEN
        RAISE EXCEPTION 'contract % is not %', c.id, wanted
            USING ERRCODE = 'object_not_in_prerequisite_state',
                  DETAIL = CASE WHEN c.status = 'accepted'
                                THEN format('Ship %s accepted it at tick %s.', c.ship_id, c.accepted_tick)
                                WHEN c.status = 'open' THEN 'It is open.'
                                ELSE format('It was %s at tick %s.', c.status, c.closed_tick) END,
                  HINT = CASE WHEN c.status = 'open'
                              THEN format('Accept it first with sim.accept_contract(%s, ship).', c.id)
                              ELSE 'api.contracts_offered lists the open contracts.' END;
    END IF;
END
$$;
COMMENT ON FUNCTION sim.require_contract(sim.contract, text, bigint) IS
    'Raise unless a contract has the wanted status and its deadline has not passed';

CREATE FUNCTION sim.accept_contract(contract bigint, ship bigint) RETURNS void
LANGUAGE plpgsql VOLATILE AS $$
DECLARE
    c       sim.contract;
    g       sim.good;
    s       sim.ship;
    m       sim.station_stock;
    cargo   record;
    now_tick bigint;
BEGIN
    PERFORM sim.require_arg(contract, 'contract');
    PERFORM sim.require_arg(ship, 'ship');
    PERFORM sim.tick_guard();
    now_tick := sim.current_tick();
    SELECT * INTO c FROM sim.contract ct WHERE ct.id = contract;
    IF NOT FOUND THEN
        RAISE EXCEPTION 'contract % does not exist', contract
            USING ERRCODE = 'undefined_object';
    END IF;
    PERFORM sim.require_contract(c, 'open', now_tick);
    g := sim.good_row(c.good_id);

    s := sim.lock_ship(ship);
    IF c.kind = 'transport' THEN
        PERFORM sim.require_docked(s, c.source_station_id,
                                   format('A transport contract loads its goods at station %s.', c.source_station_id));
        PERFORM sim.lock_station_stock(c.source_station_id);
        m := sim.lock_market(c.source_station_id, c.good_id);
        IF m.qty < c.qty THEN
            PERFORM sim.raise_not_enough_stock(c.source_station_id, g, m.qty, c.qty);
        END IF;
        cargo := sim.lock_cargo(s, c.good_id);
        IF cargo.room < c.qty THEN
            PERFORM sim.raise_hold_full(ship, cargo.room, c.qty);
        END IF;
    ELSE
        PERFORM sim.require_docked(s);
    END IF;
    SELECT * INTO c FROM sim.contract ct WHERE ct.id = contract FOR UPDATE;
    PERFORM sim.require_contract(c, 'open', now_tick);

    IF c.kind = 'transport' THEN
        UPDATE sim.station_stock st SET qty = st.qty - c.qty
         WHERE st.station_id = c.source_station_id AND st.good_id = c.good_id;
        PERFORM sim.cargo_add(ship, c.good_id, c.qty);
    END IF;
    UPDATE sim.contract ct SET status = 'accepted', contractor_faction = s.faction_id, ship_id = ship,
                               accepted_tick = now_tick
     WHERE ct.id = contract;
    PERFORM sim.journal_write('accept_contract', jsonb_build_object('contract', accept_contract.contract, 'ship', accept_contract.ship));  -- journal
END
$$;
COMMENT ON FUNCTION sim.accept_contract(bigint, bigint) IS
    'Take an open contract for a docked ship; a transport contract loads its goods at its source station now';

CREATE FUNCTION sim.deliver_contract(contract bigint, ship bigint DEFAULT NULL) RETURNS bigint
LANGUAGE plpgsql VOLATILE AS $$
DECLARE
    f       integer;
    c       sim.contract;
    g       sim.good;
    s       sim.ship;
    held    bigint;
    capacity bigint;
    cargo   record;
    now_tick bigint;
BEGIN
    PERFORM sim.require_arg(contract, 'contract');
    PERFORM sim.tick_guard();
    now_tick := sim.current_tick();
    f := sim.commanding_faction();
    SELECT * INTO c FROM sim.contract ct WHERE ct.id = contract;
    IF f IS NOT NULL AND (NOT FOUND OR c.contractor_faction IS DISTINCT FROM f) THEN
        PERFORM sim.raise_not_yours('contract', contract);
    END IF;
    IF NOT FOUND THEN
        RAISE EXCEPTION 'contract % does not exist', contract
            USING ERRCODE = 'undefined_object';
    END IF;
    PERFORM sim.require_contract(c, 'accepted', now_tick);
    IF ship IS NOT NULL AND ship <> c.ship_id THEN
        RAISE EXCEPTION 'contract % was accepted by ship %, not %', contract, c.ship_id, ship
            USING ERRCODE = 'object_not_in_prerequisite_state',
                  HINT = 'Only the ship that accepted a contract can deliver it.';
    END IF;
    g := sim.good_row(c.good_id);

    s := sim.lock_ship(c.ship_id);
    PERFORM sim.require_docked(s, c.station_id, 'The contract delivers its goods there.');
    held := sim.lock_station_stock(c.station_id);
    PERFORM sim.lock_market(c.station_id, c.good_id);
    cargo := sim.lock_cargo(s, c.good_id);
    IF cargo.carried < c.qty THEN
        PERFORM sim.raise_not_enough_cargo(s.id, g, cargo.carried, c.qty);
    END IF;
    capacity := (SELECT st.storage_capacity FROM sim.station st WHERE st.id = c.station_id);
    IF held + c.qty > capacity THEN
        PERFORM sim.raise_storage_full(c.station_id, held, capacity, c.qty);
    END IF;
    PERFORM sim.lock_wallets(c.contractor_faction);
    SELECT * INTO c FROM sim.contract ct WHERE ct.id = contract FOR UPDATE;
    PERFORM sim.require_contract(c, 'accepted', now_tick);
    IF c.ship_id <> s.id THEN   -- cannot happen: an accepted contract keeps its ship
        RAISE EXCEPTION 'contract % changed its ship while being delivered', contract
            USING ERRCODE = 'object_not_in_prerequisite_state';
    END IF;

    PERFORM sim.cargo_remove(s.id, c.good_id, c.qty);
    UPDATE sim.station_stock st SET qty = st.qty + c.qty
     WHERE st.station_id = c.station_id AND st.good_id = c.good_id;
    PERFORM sim.wallet_add(c.contractor_faction, c.escrow);
    UPDATE sim.contract ct SET status = 'fulfilled', escrow = 0, closed_tick = now_tick
     WHERE ct.id = contract;
    INSERT INTO sim.trade (tick, station_id, good_id, qty, price, buyer_faction, seller_faction,
                           buyer_ship, seller_ship, kind, tax)
    VALUES (now_tick, c.station_id, c.good_id, c.qty, greatest(1, c.reward / c.qty),
            c.issuer_faction, c.contractor_faction, NULL, s.id, 'contract', 0);
    PERFORM sim.journal_write('deliver_contract', jsonb_build_object('contract', deliver_contract.contract, 'ship', deliver_contract.ship));  -- journal
    RETURN c.reward;
END
$$;
COMMENT ON FUNCTION sim.deliver_contract(bigint, bigint) IS
    'Deliver an accepted contract''s goods from its ship (docked at the contract''s station) and pay the reward to the contractor; returns the reward';

CREATE FUNCTION sim.offer_contract(kind text, station integer, good integer, qty bigint, reward bigint,
                                   ticks integer, source_station integer DEFAULT NULL)
RETURNS bigint
LANGUAGE plpgsql VOLATILE AS $$
DECLARE
    issuer      integer;
    source_owner integer;
    f           integer;
    funds       bigint;
    now_tick    bigint;
    contract_id bigint;
BEGIN
    PERFORM sim.require_arg(kind, 'kind');
    PERFORM sim.require_arg(station, 'station');
    PERFORM sim.require_arg(good, 'good');
    PERFORM sim.require_arg(qty, 'qty');
    PERFORM sim.require_arg(reward, 'reward');
    PERFORM sim.require_arg(ticks, 'ticks');
    IF kind NOT IN ('procurement', 'transport') THEN
        RAISE EXCEPTION 'kind must be procurement or transport, not "%"', sim.echo(kind)
            USING ERRCODE = 'invalid_parameter_value',
                  HINT = 'Pass ''procurement'' to buy goods delivered to your station, ''transport'' to have your goods carried.';
    END IF;
    IF kind = 'transport' AND source_station IS NULL THEN
        RAISE EXCEPTION 'a transport contract needs a source_station'
            USING ERRCODE = 'null_value_not_allowed',
                  HINT = 'Name the station the goods are loaded at.';
    END IF;
    IF kind = 'procurement' AND source_station IS NOT NULL THEN
        RAISE EXCEPTION 'a procurement contract has no source_station'
            USING ERRCODE = 'invalid_parameter_value',
                  HINT = 'Offer a transport contract to have goods carried from one station to another.';
    END IF;
    IF source_station = station THEN
        RAISE EXCEPTION 'source_station and station are both station %', station
            USING ERRCODE = 'invalid_parameter_value';
    END IF;
    PERFORM sim.require_positive(qty, 'qty');
    PERFORM sim.require_positive(reward, 'reward');
    PERFORM sim.require_positive(ticks, 'ticks');
    PERFORM sim.tick_guard();
    now_tick := sim.current_tick();
    PERFORM sim.good_row(good);
    issuer := (SELECT st.faction_id FROM sim.station st WHERE st.id = station);
    IF issuer IS NULL THEN
        RAISE EXCEPTION 'station % does not exist', station
            USING ERRCODE = 'undefined_object';
    END IF;
    f := sim.commanding_faction();
    IF f IS NOT NULL AND f <> issuer THEN
        RAISE EXCEPTION 'station % belongs to another faction', station
            USING ERRCODE = 'insufficient_privilege',
                  DETAIL = format('You play faction %s; the station belongs to faction %s.', f, issuer);
    END IF;
    IF source_station IS NOT NULL THEN
        source_owner := (SELECT st.faction_id FROM sim.station st WHERE st.id = source_station);
        IF source_owner IS NULL THEN
            RAISE EXCEPTION 'station % does not exist', source_station
                USING ERRCODE = 'undefined_object';
        END IF;
        IF source_owner <> issuer THEN
            RAISE EXCEPTION 'source station % belongs to faction %, not to the issuer %', source_station,
                            source_owner, issuer
                USING ERRCODE = 'insufficient_privilege',
                      DETAIL = 'A transport contract carries the issuer''s own goods: they leave the source station''s stock unpaid.',
                      HINT = 'Choose a source station of the same faction, or buy the goods with a procurement contract.';
        END IF;
    END IF;
    -- both ends must trade the good (existence only: their stock is not touched)
    IF source_station < station THEN
        PERFORM sim.lock_market(source_station, good);
    END IF;
    PERFORM sim.lock_market(station, good);
    IF source_station > station THEN
        PERFORM sim.lock_market(source_station, good);
    END IF;
    PERFORM sim.lock_wallets(issuer);
    funds := sim.credits_of(issuer);
    IF funds < reward THEN
        RAISE EXCEPTION 'faction % has % credits, not the reward of %', issuer, funds, reward
            USING ERRCODE = 'SM004',
                  DETAIL = 'The reward is held in escrow from the offer until delivery or expiry.',
                  HINT = 'Offer a smaller reward.';
    END IF;

    UPDATE sim.wallet w SET credits = w.credits - reward WHERE w.faction_id = issuer;
    INSERT INTO sim.contract (kind, issuer_faction, station_id, source_station_id, good_id, qty, reward,
                              escrow, created_tick, deadline_tick)
    VALUES (kind, issuer, station, source_station, good, qty, reward, reward, now_tick, now_tick + ticks)
    RETURNING id INTO contract_id;
    PERFORM sim.journal_write('offer_contract', jsonb_build_object('kind', offer_contract.kind, 'station', offer_contract.station, 'good', offer_contract.good, 'qty', offer_contract.qty, 'reward', offer_contract.reward, 'ticks', offer_contract.ticks, 'source_station', offer_contract.source_station));  -- journal
    RETURN contract_id;
END
$$;
COMMENT ON FUNCTION sim.offer_contract(text, integer, integer, bigint, bigint, integer, integer) IS
    'Offer a procurement (bring qty units to station) or transport (carry them from source_station) contract on behalf of the station''s faction, the reward held in escrow; due within ticks; returns the contract id';
