-- sim: the stations' part of a tick -- production, population consumption,
-- contract expiry and creation, price history.
--
-- The tick calls sim.run_stations(tick) through SPI, inside the tick's
-- transaction; commands exclude ticks (sim.tick_guard), so every trade a
-- command recorded is committed before the tick that aggregates it starts.
-- Everything here is deterministic: rows are visited and written in a
-- fixed order (ORDER BY), and nothing depends on time or chance.

CREATE FUNCTION sim.run_stations(tick bigint) RETURNS void
LANGUAGE plpgsql VOLATILE AS $$
DECLARE
    e           sim.economy;
    r           record;
    d           record;
    k           record;
    net         bigint;
    held        bigint;
    consumed    bigint;
    bid         bigint;
    n           bigint;
    last_trade  bigint;
BEGIN
    PERFORM sim.require_arg(tick, 'tick');
    IF tick < 0 THEN
        RAISE EXCEPTION 'tick must not be negative, not %', tick
            USING ERRCODE = 'invalid_parameter_value';
    END IF;
    PERFORM sim.tick_guard();
    e := sim.economy_rules();

    -- 1. Production: each recipe due at a station runs one cycle when its
    -- inputs are in stock, its outputs have a market there and the station
    -- has room for the net gain of units.
    FOR r IN
        SELECT sr.station_id, sr.recipe_id, st.storage_capacity, st.faction_id
          FROM sim.station_recipe sr
          JOIN sim.recipe rc ON rc.id = sr.recipe_id
          JOIN sim.station st ON st.id = sr.station_id
         WHERE (tick + sr.station_id) % rc.cycle_ticks = 0
         ORDER BY sr.station_id, sr.recipe_id
    LOOP
        CONTINUE WHEN EXISTS (
            SELECT 1 FROM sim.recipe_input ri
              LEFT JOIN sim.station_stock s ON s.station_id = r.station_id AND s.good_id = ri.good_id
             WHERE ri.recipe_id = r.recipe_id AND coalesce(s.qty, 0) < ri.qty);
        CONTINUE WHEN EXISTS (
            SELECT 1 FROM sim.recipe_output ro
             WHERE ro.recipe_id = r.recipe_id
               AND NOT EXISTS (SELECT 1 FROM sim.station_stock s
                                WHERE s.station_id = r.station_id AND s.good_id = ro.good_id));
        net := (SELECT coalesce(sum(ro.qty), 0) FROM sim.recipe_output ro WHERE ro.recipe_id = r.recipe_id)
             - (SELECT coalesce(sum(ri.qty), 0) FROM sim.recipe_input ri WHERE ri.recipe_id = r.recipe_id);
        held := (SELECT st.stock_held FROM sim.station st WHERE st.id = r.station_id);
        CONTINUE WHEN net > r.storage_capacity - held;

        UPDATE sim.station_stock s SET qty = s.qty + c.delta
          FROM (SELECT x.good_id, sum(x.delta) AS delta
                  FROM (SELECT ri.good_id, -ri.qty AS delta FROM sim.recipe_input ri WHERE ri.recipe_id = r.recipe_id
                        UNION ALL
                        SELECT ro.good_id, ro.qty FROM sim.recipe_output ro WHERE ro.recipe_id = r.recipe_id) x
                 GROUP BY x.good_id) c
         WHERE s.station_id = r.station_id AND s.good_id = c.good_id AND c.delta <> 0;
        INSERT INTO sim.ledger (tick, flow, reason, good_id, amount, station_id, ship_id, faction_id)
        SELECT tick, l.flow, l.reason, l.good_id, l.qty, r.station_id, NULL, r.faction_id
          FROM (SELECT 1 AS part, 'sink' AS flow, 'recipe_input' AS reason, ri.good_id, ri.qty
                  FROM sim.recipe_input ri WHERE ri.recipe_id = r.recipe_id
                UNION ALL
                SELECT 2, 'faucet', 'production', ro.good_id, ro.qty
                  FROM sim.recipe_output ro WHERE ro.recipe_id = r.recipe_id) l
         ORDER BY l.part, l.good_id;
    END LOOP;

    -- 2. Consumption: the population of each station consumes what it can of
    -- its demand, and pays the station's bid (at the stock before) for it.
    FOR d IN
        SELECT dm.station_id, dm.good_id, dm.qty, st.faction_id, g.base_price
          FROM sim.station_demand dm
          JOIN sim.station st ON st.id = dm.station_id
          JOIN sim.good g ON g.id = dm.good_id
         WHERE (tick + dm.station_id) % dm.cycle_ticks = 0
         ORDER BY dm.station_id, dm.good_id
    LOOP
        SELECT least(d.qty, s.qty), q.bid INTO consumed, bid
          FROM sim.station_stock s
         CROSS JOIN LATERAL sim.market_quote(d.base_price, s.qty, s.target, e.spread) q
         WHERE s.station_id = d.station_id AND s.good_id = d.good_id;
        CONTINUE WHEN consumed IS NULL OR consumed <= 0;
        UPDATE sim.station_stock s SET qty = s.qty - consumed
         WHERE s.station_id = d.station_id AND s.good_id = d.good_id;
        INSERT INTO sim.ledger (tick, flow, reason, good_id, amount, station_id, ship_id, faction_id)
        VALUES (tick, 'sink', 'consumption', d.good_id, consumed, d.station_id, NULL, d.faction_id),
               (tick, 'faucet', 'population', NULL, consumed * bid, d.station_id, NULL, d.faction_id);
        PERFORM sim.wallet_add(d.faction_id, consumed * bid);
    END LOOP;

    -- 3a. Contracts past their deadline expire; the escrow returns to the
    -- issuer.  The goods of a transport contract stay in the carrier's hold
    -- (they are the carrier's to sell); an expired contract keeps the ship
    -- and faction that had accepted it.
    WITH expired AS (
        UPDATE sim.contract c
           SET status = 'expired', escrow = 0, closed_tick = tick
         WHERE c.status IN ('open', 'accepted') AND c.deadline_tick < tick
        RETURNING c.issuer_faction, c.reward
    )
    INSERT INTO sim.wallet AS w (faction_id, credits)
    SELECT x.issuer_faction, sum(x.reward)::bigint FROM expired x GROUP BY x.issuer_faction ORDER BY x.issuer_faction
    ON CONFLICT ON CONSTRAINT wallet_pkey DO UPDATE SET credits = w.credits + excluded.credits;

    -- 3b. Every contract period, a station short of a good it needs (stock
    -- below half the target) offers a procurement contract for it,
    -- if it has none open for the good and its faction can fund the reward:
    -- at most one per station, for its scarcest such good, for what it
    -- lacks up to half the target but at most 2000 units (a hauler's load).
    IF tick % e.contract_period_ticks = 0 THEN
        FOR k IN
            SELECT DISTINCT ON (s.station_id) s.station_id, s.good_id, st.faction_id,
                   least(s.target / 2 - s.qty, 2000,
                         st.storage_capacity - st.stock_held) AS qty,
                   g.base_price
              FROM sim.station_stock s
              JOIN sim.station st ON st.id = s.station_id
              JOIN sim.good g ON g.id = s.good_id
             WHERE s.qty * 2 < s.target
               AND (EXISTS (SELECT 1 FROM sim.station_recipe sr JOIN sim.recipe_input ri USING (recipe_id)
                             WHERE sr.station_id = s.station_id AND ri.good_id = s.good_id)
                    OR EXISTS (SELECT 1 FROM sim.station_demand dm
                                WHERE dm.station_id = s.station_id AND dm.good_id = s.good_id))
               AND NOT EXISTS (SELECT 1 FROM sim.contract c
                                WHERE c.station_id = s.station_id AND c.good_id = s.good_id
                                  AND c.status IN ('open', 'accepted'))
             ORDER BY s.station_id, s.qty::numeric / s.target, s.good_id
        LOOP
            CONTINUE WHEN k.qty <= 0;
            n := ceil(k.qty * k.base_price * 1.3)::bigint;
            CONTINUE WHEN sim.credits_of(k.faction_id) < n;
            UPDATE sim.wallet w SET credits = w.credits - n WHERE w.faction_id = k.faction_id;
            INSERT INTO sim.contract (kind, issuer_faction, station_id, source_station_id, good_id, qty, reward,
                                      escrow, created_tick, deadline_tick)
            VALUES ('procurement', k.faction_id, k.station_id, NULL, k.good_id, k.qty, n, n, tick,
                    tick + e.contract_ticks);
        END LOOP;
    END IF;

    -- 4. Price history: fold the trades recorded since the last run into
    -- open/high/low/close/volume per station, good and period.
    last_trade := (SELECT max(t.id) FROM sim.trade t WHERE t.id > e.trades_aggregated);
    IF last_trade IS NOT NULL THEN
        INSERT INTO sim.price_history AS ph (station_id, good_id, period_start, open, high, low, close, volume, trades)
        SELECT t.station_id, t.good_id, t.tick - t.tick % e.price_period_ticks,
               (array_agg(t.price ORDER BY t.id))[1], max(t.price), min(t.price),
               (array_agg(t.price ORDER BY t.id DESC))[1], sum(t.qty)::bigint, count(*)::integer
          FROM sim.trade t
         WHERE t.id > e.trades_aggregated AND t.id <= last_trade AND t.kind <> 'contract'
         GROUP BY t.station_id, t.good_id, t.tick - t.tick % e.price_period_ticks
         ORDER BY 1, 2, 3
        ON CONFLICT ON CONSTRAINT price_history_pkey DO UPDATE
           SET high = greatest(ph.high, excluded.high),
               low = least(ph.low, excluded.low),
               close = excluded.close,
               volume = ph.volume + excluded.volume,
               trades = ph.trades + excluded.trades;
        UPDATE sim.economy x SET trades_aggregated = last_trade;
    END IF;
END
$$;
COMMENT ON FUNCTION sim.run_stations(bigint) IS
    'The stations'' part of a tick: production, consumption paid by the population, contract expiry and creation, price history (called by the tick)';

