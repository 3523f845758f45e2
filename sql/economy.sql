-- sim: the economy's tables -- its knobs, ship states and their events,
-- markets, trades, price history, limit orders, contracts, behaviour trees,
-- the ledger, the audit and the stranded ships.  Commands live in
-- economy_commands.sql.

-- Knobs of the economy: one row, present with the universe.
CREATE TABLE sim.economy (
    id                  boolean PRIMARY KEY DEFAULT true CHECK (id),
    spread              double precision NOT NULL DEFAULT 0.10 CHECK (spread >= 0 AND spread < 1),
    -- rates in whole millionths: taxes and fees are sim.levy(value, rate)
    tax_rate            numeric NOT NULL DEFAULT 0.02
        CHECK (tax_rate >= 0 AND tax_rate < 1 AND trunc(tax_rate * 1000000) = tax_rate * 1000000),
    order_fee_rate      numeric NOT NULL DEFAULT 0.01
        CHECK (order_fee_rate >= 0 AND order_fee_rate < 1
               AND trunc(order_fee_rate * 1000000) = order_fee_rate * 1000000),
    dock_ticks          integer NOT NULL DEFAULT 5 CHECK (dock_ticks BETWEEN 1 AND 86400),
    undock_ticks        integer NOT NULL DEFAULT 5 CHECK (undock_ticks BETWEEN 1 AND 86400),
    mine_cycle_ticks    integer NOT NULL DEFAULT 30 CHECK (mine_cycle_ticks BETWEEN 1 AND 86400),
    docking_range       double precision NOT NULL DEFAULT 100 CHECK (docking_range > 0 AND docking_range < 'Infinity'),
    mining_range        double precision NOT NULL DEFAULT 500 CHECK (mining_range > 0 AND mining_range < 'Infinity'),
    price_period_ticks  integer NOT NULL DEFAULT 60 CHECK (price_period_ticks BETWEEN 1 AND 86400),
    contract_period_ticks integer NOT NULL DEFAULT 60 CHECK (contract_period_ticks BETWEEN 1 AND 86400),
    contract_ticks      integer NOT NULL DEFAULT 3600 CHECK (contract_ticks BETWEEN 1 AND 10000000),
    npc_cooldown_ticks  integer NOT NULL DEFAULT 30 CHECK (npc_cooldown_ticks BETWEEN 1 AND 86400),
    trades_aggregated   bigint NOT NULL DEFAULT 0 CHECK (trades_aggregated >= 0),
    -- the balance of the economy (docs/gameplay.md, "The economy in balance"):
    -- the defaults are the plain rules (no fees, no stays, one batch, the
    -- population pays the whole bid); sim.generate_universe sets the
    -- balanced values
    budget_period_ticks integer CHECK (budget_period_ticks BETWEEN 1 AND 86400),
    population_pay_ppm  integer NOT NULL DEFAULT 1000000
        CHECK (population_pay_ppm BETWEEN 1000 AND 1000000),
    money_anchor        bigint CHECK (money_anchor >= 0),
    anchor_pull_ppm     integer NOT NULL DEFAULT 0 CHECK (anchor_pull_ppm BETWEEN 0 AND 1000000),
    docking_fee         bigint NOT NULL DEFAULT 0 CHECK (docking_fee >= 0),
    tow_fee             bigint NOT NULL DEFAULT 0 CHECK (tow_fee >= 0),
    dock_stay_ticks     integer NOT NULL DEFAULT 0 CHECK (dock_stay_ticks BETWEEN 0 AND 86400),
    handling_rate       integer NOT NULL DEFAULT 1000000 CHECK (handling_rate BETWEEN 1 AND 1000000),
    recipe_batches      integer NOT NULL DEFAULT 1 CHECK (recipe_batches BETWEEN 1 AND 100000),
    mining_speed        double precision NOT NULL DEFAULT 1 CHECK (mining_speed > 0 AND mining_speed <= 100)
);
COMMENT ON TABLE sim.economy IS 'Rules of the economy: spread, tax and fee rates, durations and ranges (one row)';
COMMENT ON COLUMN sim.economy.budget_period_ticks IS 'How often the monetary rule sets population_pay_ppm from the sinks and pay of the last SIM_BUDGET_WINDOW (10) periods (NULL: never, the rate stays)';
COMMENT ON COLUMN sim.economy.population_pay_ppm IS 'Millionths of the bid the population pays for what it consumes: the monetary rule''s state, written by the tick';
COMMENT ON COLUMN sim.economy.money_anchor IS 'The money supply the monetary rule steers back to (the seeded credits; NULL: no pull)';
COMMENT ON COLUMN sim.economy.anchor_pull_ppm IS 'Millionths of the gap between money_anchor and the money supply the population is to pay back per window of the monetary rule';
COMMENT ON COLUMN sim.economy.docking_fee IS 'Credits a ship pays (a sink) when it docks';
COMMENT ON COLUMN sim.economy.tow_fee IS 'Credits a stranded NPC ship pays (a sink, as far as its wallet goes) to be towed to a station';
COMMENT ON COLUMN sim.economy.dock_stay_ticks IS 'Ticks an NPC ship stays docked before it decides, plus one per handling_rate units in its hold';
COMMENT ON COLUMN sim.economy.handling_rate IS 'Units of cargo loaded or unloaded per tick at a station';
COMMENT ON COLUMN sim.economy.recipe_batches IS 'Most batches a recipe runs per cycle at a station, as inputs, room and its outputs'' targets allow';
COMMENT ON COLUMN sim.economy.mining_speed IS 'Multiplies every hull''s mining_rate';

-- Each market is a station_stock row: the station buys and sells that good
-- at prices set by its stock relative to the target (see docs/gameplay.md).
ALTER TABLE sim.station_stock
    ADD COLUMN target bigint NOT NULL DEFAULT 1000 CHECK (target > 0);

-- Population: goods a station consumes every cycle (a sink); the population
-- pays the station's bid price for them (a faucet of credits).
CREATE TABLE sim.station_demand (
    station_id  integer NOT NULL,
    good_id     integer NOT NULL,
    qty         integer NOT NULL CHECK (qty > 0),
    cycle_ticks integer NOT NULL CHECK (cycle_ticks > 0),
    PRIMARY KEY (station_id, good_id),
    FOREIGN KEY (station_id, good_id) REFERENCES sim.station_stock ON DELETE CASCADE
);
COMMENT ON TABLE sim.station_demand IS 'What each station''s population consumes per cycle';

-- The ship state machine: the only transitions a ship may make, between
-- states of sim.ship_state.
CREATE TABLE sim.ship_transition (
    from_state  text NOT NULL REFERENCES sim.ship_state (name),
    to_state    text NOT NULL REFERENCES sim.ship_state (name),
    cause       text NOT NULL,
    PRIMARY KEY (from_state, to_state)
);
COMMENT ON TABLE sim.ship_transition IS 'The ship state machine: every allowed change of sim.ship.state and its cause';
INSERT INTO sim.ship_transition (from_state, to_state, cause) VALUES
    ('docked',    'undocking', 'undock command or NPC decision'),
    ('undocking', 'idle',      'undocking finished'),
    ('idle',      'flying',    'navigate'),
    ('orbiting',  'flying',    'navigate'),
    ('flying',    'idle',      'arrived at a point'),
    ('flying',    'docking',   'arrived at a station'),
    ('flying',    'orbiting',  'arrived at a body'),
    ('idle',      'docking',   'dock command within docking range'),
    ('docking',   'docked',    'a docking slot was free'),
    ('idle',      'orbiting',  'mine command from rest within mining range of a body'),
    ('orbiting',  'mining',    'mine command or NPC decision'),
    ('mining',    'orbiting',  'hold full or deposits exhausted'),
    ('orbiting',  'idle',      'taken out of orbit by an operator (no command does it)');

-- Every state change of every ship, written by the trigger below.
-- Partitioned by tick (sql/history.sql keeps the partitions and their retention).
CREATE TABLE sim.ship_event (
    id          bigint GENERATED ALWAYS AS IDENTITY,
    tick        bigint NOT NULL,
    ship_id     bigint NOT NULL,
    from_state  text NOT NULL,
    to_state    text NOT NULL,
    station_id  integer,
    body_id     integer,
    PRIMARY KEY (id, tick)
) PARTITION BY RANGE (tick);
COMMENT ON TABLE sim.ship_event IS 'One row per ship state transition (no foreign keys: history outlives ships; partitioned by tick, kept sim.history_policy.raw_retention_ticks)';
CREATE INDEX ship_event_ship ON sim.ship_event (ship_id, tick);
CREATE INDEX ship_event_tick ON sim.ship_event USING brin (tick);

-- The tick being run in this backend, else the universe's tick.
CREATE FUNCTION sim.current_tick() RETURNS bigint
AS 'MODULE_PATHNAME', 'sim_current_tick'
LANGUAGE C VOLATILE;
COMMENT ON FUNCTION sim.current_tick() IS 'The tick a change made now belongs to: the one being run, or the last committed';

-- Commands that change the economy outside a tick call this first: it holds
-- ticks off until the caller's transaction ends.
CREATE FUNCTION sim.tick_guard() RETURNS void
AS 'MODULE_PATHNAME', 'sim_tick_guard'
LANGUAGE C VOLATILE;
COMMENT ON FUNCTION sim.tick_guard() IS
    'Keep ticks from running until this transaction ends -- an operator''s for as long as it likes, anyone else''s for sim.max_command_wait_ms per round before the tick cancels it (economic commands call it before changing rows)';

CREATE FUNCTION sim.tick_writing_ships() RETURNS boolean
AS 'MODULE_PATHNAME', 'sim_tick_writing_ships'
LANGUAGE C VOLATILE;
COMMENT ON FUNCTION sim.tick_writing_ships() IS
    'True while the tick writes ship rows whose transitions it has checked and records itself';

-- State transitions are checked against sim.ship_transition and recorded
-- in sim.ship_event for every UPDATE of sim.ship by the trigger
-- sim.ship_updated (sql/deltas.sql), except the tick's batched write, which
-- checks each step against the same table and records the events itself.

-- Prices: the supply/demand curve, computed by the same C code the tick uses.
CREATE FUNCTION sim.market_quote(base_price bigint, stock bigint, target bigint, spread double precision,
                                 OUT bid bigint, OUT ask bigint)
AS 'MODULE_PATHNAME', 'sim_market_quote'
LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION sim.market_quote(bigint, bigint, bigint, double precision) IS
    'Bid (the station buys) and ask (the station sells) for a stock against its target';

-- Taxes and fees: the one rule, the same C code the tick uses (money.h).
CREATE FUNCTION sim.levy(value bigint, rate numeric) RETURNS bigint
AS 'MODULE_PATHNAME', 'sim_levy'
LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION sim.levy(bigint, numeric) IS
    'The tax or fee on a value of credits at a rate in [0, 1) of whole millionths: ceil(value * rate), exactly, in whole credits';

CREATE VIEW sim.market AS
SELECT s.station_id, st.sector_id, s.good_id, g.name AS good, s.qty AS stock, s.target,
       q.bid, q.ask
  FROM sim.station_stock s
  JOIN sim.station st ON st.id = s.station_id
  JOIN sim.good g ON g.id = s.good_id
 CROSS JOIN sim.economy e
 CROSS JOIN LATERAL sim.market_quote(g.base_price, s.qty, s.target, e.spread) q;
COMMENT ON VIEW sim.market IS 'Every station market: stock, target and the current bid and ask';

-- The kinds of trade, with the codes the change record gives them: the one
-- list (the trades' foreign key and sim.change_code both take it from here).
CREATE TABLE sim.trade_kind (
    code        smallint PRIMARY KEY CHECK (code >= 0),
    name        text NOT NULL UNIQUE,
    meaning     text NOT NULL
);
COMMENT ON TABLE sim.trade_kind IS 'The kinds of trade in sim.trade, by their code in the change record';
INSERT INTO sim.trade_kind (code, name, meaning) VALUES
    (0, 'market', 'with a station''s quote (sim.buy, sim.sell, NPC trades)'),
    (1, 'order', 'two limit orders matched by the tick'),
    (2, 'contract', 'a contract delivered'),
    (3, 'refuel', 'fuel bought into a ship''s tank, not its hold');

-- Every trade: market purchases and sales, refuels, matched orders, contract
-- deliveries.  Partitioned by tick (sql/history.sql).
CREATE TABLE sim.trade (
    id              bigint GENERATED ALWAYS AS IDENTITY,
    tick            bigint NOT NULL,
    station_id      integer NOT NULL,
    good_id         integer NOT NULL,
    qty             bigint NOT NULL CHECK (qty > 0),
    price           bigint NOT NULL CHECK (price > 0),
    buyer_faction   integer NOT NULL,
    seller_faction  integer NOT NULL,
    buyer_ship      bigint,
    seller_ship     bigint,
    kind            text NOT NULL REFERENCES sim.trade_kind (name),
    buy_order       bigint,
    sell_order      bigint,
    tax             bigint NOT NULL CHECK (tax >= 0),
    PRIMARY KEY (id, tick)
) PARTITION BY RANGE (tick);
COMMENT ON TABLE sim.trade IS 'Every trade: tick, station, good, quantity, unit price, buyer and seller, and the tax it paid (history: no foreign keys but its kind; partitioned by tick, kept sim.history_policy.raw_retention_ticks)';
COMMENT ON COLUMN sim.trade.kind IS 'One of sim.trade_kind: market, refuel, order or contract';
COMMENT ON COLUMN sim.trade.tax IS 'Credits taken as tax: sim.levy(qty * price, tax_rate) for market, refuel and order trades (0 for contracts)';
CREATE INDEX trade_station_good ON sim.trade (station_id, good_id, tick);
CREATE INDEX trade_buyer_ship ON sim.trade (buyer_ship, tick) WHERE buyer_ship IS NOT NULL;
CREATE INDEX trade_seller_ship ON sim.trade (seller_ship, tick) WHERE seller_ship IS NOT NULL;
CREATE INDEX trade_tick ON sim.trade USING brin (tick);

CREATE TABLE sim.price_history (
    station_id      integer NOT NULL,
    good_id         integer NOT NULL,
    period_start    bigint NOT NULL,
    open            bigint NOT NULL,
    high            bigint NOT NULL,
    low             bigint NOT NULL,
    close           bigint NOT NULL,
    volume          bigint NOT NULL CHECK (volume > 0),
    trades          integer NOT NULL CHECK (trades > 0),
    PRIMARY KEY (station_id, good_id, period_start),
    CHECK (low <= open AND low <= close AND high >= open AND high >= close AND low > 0)
) PARTITION BY RANGE (period_start);
COMMENT ON TABLE sim.price_history IS 'Open, high, low, close and volume of trades per station, good and period (sim.economy.price_period_ticks; partitioned by period_start, kept sim.history_policy.raw_retention_ticks)';

-- Limit orders, matched by the tick with price-time priority.
CREATE TABLE sim.market_order (
    id              bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    station_id      integer NOT NULL,
    good_id         integer NOT NULL,
    side            text NOT NULL CHECK (side IN ('buy', 'sell')),
    faction_id      integer NOT NULL REFERENCES sim.faction,
    ship_id         bigint NOT NULL,
    price           bigint NOT NULL CHECK (price > 0),
    qty             bigint NOT NULL CHECK (qty > 0),
    qty_open        bigint NOT NULL CHECK (qty_open >= 0 AND qty_open <= qty),
    escrow          bigint NOT NULL CHECK (escrow >= 0),
    placed_tick     bigint NOT NULL,
    status          text NOT NULL DEFAULT 'open' CHECK (status IN ('open', 'filled', 'cancelled')),
    closed_tick     bigint,
    FOREIGN KEY (station_id, good_id) REFERENCES sim.station_stock,
    CHECK ((status = 'open') = (closed_tick IS NULL)),
    CHECK (status = 'open' OR escrow = 0),
    CHECK (status <> 'filled' OR qty_open = 0),
    CHECK (side = 'buy' OR escrow = 0)
);
COMMENT ON TABLE sim.market_order IS 'Limit orders: a sell order holds its goods (qty_open), a buy order its credits (escrow)';
CREATE INDEX market_order_open ON sim.market_order (station_id, good_id, side, price, id) WHERE status = 'open';
CREATE INDEX market_order_faction ON sim.market_order (faction_id);
CREATE INDEX market_order_faction_open ON sim.market_order (faction_id) WHERE status = 'open';

-- Contracts: the reward is held in escrow from creation until delivery or expiry.
CREATE TABLE sim.contract (
    id              bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    kind            text NOT NULL CHECK (kind IN ('procurement', 'transport')),
    issuer_faction  integer NOT NULL REFERENCES sim.faction,
    station_id      integer NOT NULL REFERENCES sim.station,
    source_station_id integer REFERENCES sim.station,
    good_id         integer NOT NULL REFERENCES sim.good,
    qty             bigint NOT NULL CHECK (qty > 0),
    reward          bigint NOT NULL CHECK (reward > 0),
    escrow          bigint NOT NULL CHECK (escrow >= 0),
    created_tick    bigint NOT NULL,
    deadline_tick   bigint NOT NULL CHECK (deadline_tick > created_tick),
    status          text NOT NULL DEFAULT 'open'
        CHECK (status IN ('open', 'accepted', 'fulfilled', 'expired', 'cancelled')),
    contractor_faction integer REFERENCES sim.faction,
    ship_id         bigint,
    accepted_tick   bigint,
    closed_tick     bigint,
    CHECK ((kind = 'transport') = (source_station_id IS NOT NULL)),
    CHECK (source_station_id IS DISTINCT FROM station_id),
    CHECK ((status IN ('open', 'accepted')) = (escrow = reward)),
    CHECK ((status IN ('open', 'accepted')) = (closed_tick IS NULL)),
    CHECK (status NOT IN ('accepted', 'fulfilled') OR (ship_id IS NOT NULL AND contractor_faction IS NOT NULL)),
    CHECK (status <> 'open' OR (ship_id IS NULL AND contractor_faction IS NULL))
);
COMMENT ON TABLE sim.contract IS 'Procurement (bring goods to a station) and transport (carry goods between stations) contracts';
CREATE INDEX contract_active ON sim.contract (deadline_tick) WHERE status IN ('open', 'accepted');
CREATE INDEX contract_station_good ON sim.contract (station_id, good_id) WHERE status IN ('open', 'accepted');

-- The ledger: every creation (faucet) and destruction (sink) of goods and credits.
-- Partitioned by tick (sql/history.sql); sector_id and body_id say where the
-- flow happened (NULL: nowhere in particular, like the seed or a player's grant).
CREATE TABLE sim.ledger (
    id          bigint GENERATED ALWAYS AS IDENTITY,
    tick        bigint NOT NULL,
    flow        text NOT NULL CHECK (flow IN ('faucet', 'sink')),
    reason      text NOT NULL,
    good_id     integer,
    amount      bigint NOT NULL CHECK (amount > 0),
    station_id  integer,
    sector_id   integer,
    body_id     integer,
    ship_id     bigint,
    faction_id  integer,
    PRIMARY KEY (id, tick),
    CHECK ((flow, reason) IN (('faucet', 'seed'), ('faucet', 'mining'), ('faucet', 'production'),
                              ('faucet', 'population'), ('faucet', 'operator'), ('faucet', 'player'),
                              ('sink', 'consumption'), ('sink', 'recipe_input'), ('sink', 'jettison'),
                              ('sink', 'refuel'), ('sink', 'tax'), ('sink', 'order_fee'),
                              ('sink', 'operator'), ('sink', 'player'),
                              ('sink', 'docking_fee'), ('sink', 'towing'))),
    CHECK (reason NOT IN ('tax', 'order_fee', 'population', 'docking_fee', 'towing') OR good_id IS NULL),
    CHECK (reason NOT IN ('mining', 'production', 'consumption', 'recipe_input', 'jettison', 'refuel')
           OR good_id IS NOT NULL)
) PARTITION BY RANGE (tick);
COMMENT ON TABLE sim.ledger IS 'Faucets and sinks of goods (good_id set) and credits (good_id NULL), where they happened (partitioned by tick, kept sim.history_policy.raw_retention_ticks)';
COMMENT ON COLUMN sim.ledger.sector_id IS 'Where the flow happened: the station''s sector, else the ship''s (NULL: nowhere, as the seed)';
COMMENT ON COLUMN sim.ledger.body_id IS 'The body mined (mining rows)';
CREATE INDEX ledger_tick ON sim.ledger USING brin (tick);

-- Behaviour trees for NPC pilots: one tree per role, nodes as rows.
CREATE TABLE sim.bt_leaf (
    name        text PRIMARY KEY,
    kind        text NOT NULL CHECK (kind IN ('condition', 'action')),
    description text NOT NULL
);
COMMENT ON TABLE sim.bt_leaf IS 'The conditions and actions the tick knows; tree leaves name them';

CREATE TABLE sim.bt_tree (
    id          integer PRIMARY KEY,
    name        text NOT NULL UNIQUE CHECK (name <> ''),
    role        text NOT NULL UNIQUE CHECK (role = ANY (sim.npc_roles()))
);
COMMENT ON TABLE sim.bt_tree IS 'The behaviour tree that drives NPC ships of a role';

CREATE TABLE sim.bt_node (
    tree_id     integer NOT NULL REFERENCES sim.bt_tree ON DELETE CASCADE,
    node_id     integer NOT NULL CHECK (node_id > 0),
    parent_id   integer CHECK (parent_id > 0),
    seq         integer NOT NULL DEFAULT 0,
    kind        text NOT NULL CHECK (kind IN ('sequence', 'selector', 'inverter', 'condition', 'action')),
    leaf        text REFERENCES sim.bt_leaf,
    param       double precision NOT NULL DEFAULT 0 CHECK (sim.finite(ARRAY[param])),
    PRIMARY KEY (tree_id, node_id),
    FOREIGN KEY (tree_id, parent_id) REFERENCES sim.bt_node,
    UNIQUE (tree_id, parent_id, seq),
    CHECK ((kind IN ('condition', 'action')) = (leaf IS NOT NULL))
);
COMMENT ON TABLE sim.bt_node IS 'Nodes of behaviour trees: composites (sequence, selector, inverter) and leaves (condition, action)';
CREATE UNIQUE INDEX bt_node_one_root ON sim.bt_node (tree_id) WHERE parent_id IS NULL;

CREATE FUNCTION sim.bt_leaf_kind_matches() RETURNS trigger
LANGUAGE plpgsql AS $$
DECLARE
    bad record;
BEGIN
    SELECT n.tree_id, n.node_id, n.kind, n.leaf INTO bad
      FROM changed n JOIN sim.bt_leaf l ON l.name = n.leaf
     WHERE l.kind <> n.kind
     LIMIT 1;
    IF FOUND THEN
        RAISE EXCEPTION 'node % of tree % is a %, but % is not one', bad.node_id, bad.tree_id, bad.kind, bad.leaf
            USING ERRCODE = 'check_violation';
    END IF;
    RETURN NULL;
END
$$;
CREATE TRIGGER bt_node_leaf_ins AFTER INSERT ON sim.bt_node
    REFERENCING NEW TABLE AS changed
    FOR EACH STATEMENT EXECUTE FUNCTION sim.bt_leaf_kind_matches();
CREATE TRIGGER bt_node_leaf_upd AFTER UPDATE ON sim.bt_node
    REFERENCING NEW TABLE AS changed
    FOR EACH STATEMENT EXECUTE FUNCTION sim.bt_leaf_kind_matches();

INSERT INTO sim.bt_leaf (name, kind, description) VALUES
    ('is_docked',        'condition', 'the ship is docked'),
    ('is_idle',          'condition', 'the ship is at rest in space'),
    ('is_orbiting',      'condition', 'the ship orbits a body'),
    ('cargo_above',      'condition', 'the hold is fuller than param (a fraction of capacity)'),
    ('cargo_empty',      'condition', 'the hold is empty'),
    ('fuel_below',       'condition', 'fuel is below param (a fraction of the tank) raised by fear'),
    ('has_contract',     'condition', 'the ship carries out an accepted contract'),
    ('at_deposit',       'condition', 'the orbited body has a deposit left'),
    ('risky_sector',     'condition', 'the sector''s security is below the pilot''s fear times param'),
    ('refuel',           'action',    'buy fuel up to the full tank'),
    ('sell_cargo',       'action',    'sell the hold to the station where the price is right'),
    ('deliver_contract', 'action',    'deliver the accepted contract here'),
    ('accept_contract',  'action',    'accept the best open contract from this station'),
    ('buy_for_trade',    'action',    'buy the good with the best margin at a reachable station'),
    ('undock',           'action',    'start undocking'),
    ('mine',             'action',    'start mining the orbited body'),
    ('goto_buyer',       'action',    'fly to the best station to sell the hold'),
    ('goto_contract',    'action',    'fly to where the accepted contract leads'),
    ('goto_deposit',     'action',    'fly to the deposit whose goods the sector''s stations bid most for'),
    ('goto_station',     'action',    'fly to a station of the sector (loyalty prefers the own faction''s)'),
    ('goto_safe_sector', 'action',    'fly to the best station of a safer neighbouring sector'),
    ('buy_for_contract', 'action',    'buy here what the accepted procurement contract still lacks'),
    ('pass',             'action',    'do nothing and succeed (makes a branch optional)'),
    ('wait',             'action',    'sleep param ticks (default: sim.economy.npc_cooldown_ticks)');

-- The trees a generated universe starts with; edit the rows to change them.
CREATE FUNCTION sim.install_default_trees() RETURNS void
LANGUAGE plpgsql AS $$
BEGIN
    INSERT INTO sim.bt_tree (id, name, role) VALUES
        (1, 'miner', 'miner'), (2, 'trader', 'trader'), (3, 'hauler', 'hauler'), (4, 'patrol', 'patrol');

    -- every tree but the patrol's starts with an optional refuel
    INSERT INTO sim.bt_node (tree_id, node_id, parent_id, seq, kind, leaf, param)
    SELECT t, n.node_id, n.parent_id, n.seq, n.kind, n.leaf, n.param
      FROM generate_series(1, 3) t,
           (VALUES (1, NULL, 0, 'sequence', NULL, 0.0),
                   (2, 1, 1, 'selector', NULL, 0),
                   (3, 2, 1, 'sequence', NULL, 0),
                   (4, 3, 1, 'condition', 'is_docked', 0),
                   (5, 3, 2, 'condition', 'fuel_below', 0.5),
                   (6, 3, 3, 'action', 'refuel', 0),
                   (7, 2, 2, 'action', 'pass', 0),
                   (8, 1, 2, 'selector', NULL, 0)) n(node_id, parent_id, seq, kind, leaf, param);

    INSERT INTO sim.bt_node (tree_id, node_id, parent_id, seq, kind, leaf, param) VALUES
        -- miner: sell a full hold, mine what the body holds, find a deposit
        (1,  9,  8, 1, 'sequence', NULL, 0),
        (1, 10,  9, 1, 'condition', 'is_docked', 0),
        (1, 11,  9, 2, 'inverter', NULL, 0),
        (1, 12, 11, 1, 'condition', 'cargo_empty', 0),
        (1, 13,  9, 3, 'action', 'sell_cargo', 0),
        (1, 14,  9, 4, 'action', 'undock', 0),
        (1, 15,  8, 2, 'sequence', NULL, 0),
        (1, 16, 15, 1, 'condition', 'is_docked', 0),
        (1, 17, 15, 2, 'action', 'undock', 0),
        (1, 18,  8, 3, 'sequence', NULL, 0),
        (1, 19, 18, 1, 'condition', 'cargo_above', 0.9),
        (1, 20, 18, 2, 'action', 'goto_buyer', 0),
        (1, 21,  8, 4, 'sequence', NULL, 0),
        (1, 22, 21, 1, 'condition', 'is_orbiting', 0),
        (1, 23, 21, 2, 'condition', 'at_deposit', 0),
        (1, 24, 21, 3, 'action', 'mine', 0),
        (1, 25,  8, 5, 'sequence', NULL, 0),
        (1, 26, 25, 1, 'inverter', NULL, 0),
        (1, 27, 26, 1, 'condition', 'cargo_empty', 0),
        (1, 28, 25, 2, 'action', 'goto_buyer', 0),
        (1, 29,  8, 6, 'action', 'goto_deposit', 0),
        (1, 30,  8, 7, 'action', 'wait', 0),
        -- trader: sell, buy where the margin is best, leave risky sectors
        (2,  9,  8, 1, 'sequence', NULL, 0),
        (2, 10,  9, 1, 'condition', 'is_docked', 0),
        (2, 11,  9, 2, 'inverter', NULL, 0),
        (2, 12, 11, 1, 'condition', 'cargo_empty', 0),
        (2, 13,  9, 3, 'action', 'sell_cargo', 0),
        (2, 14,  9, 4, 'action', 'undock', 0),
        (2, 15,  8, 2, 'sequence', NULL, 0),
        (2, 16, 15, 1, 'condition', 'is_docked', 0),
        (2, 17, 15, 2, 'action', 'buy_for_trade', 0),
        (2, 18, 15, 3, 'action', 'undock', 0),
        (2, 19,  8, 3, 'sequence', NULL, 0),
        (2, 20, 19, 1, 'condition', 'is_docked', 0),
        (2, 21, 19, 2, 'action', 'undock', 0),
        (2, 22,  8, 4, 'sequence', NULL, 0),
        (2, 23, 22, 1, 'condition', 'risky_sector', 1.0),
        (2, 24, 22, 2, 'action', 'goto_safe_sector', 0),
        (2, 25,  8, 5, 'sequence', NULL, 0),
        (2, 26, 25, 1, 'inverter', NULL, 0),
        (2, 27, 26, 1, 'condition', 'cargo_empty', 0),
        (2, 28, 25, 2, 'action', 'goto_buyer', 0),
        (2, 29,  8, 6, 'action', 'goto_station', 0),
        (2, 30,  8, 7, 'action', 'wait', 0),
        -- hauler: contracts first, then whatever the hold carries
        (3,  9,  8, 1, 'sequence', NULL, 0),
        (3, 10,  9, 1, 'condition', 'is_docked', 0),
        (3, 11,  9, 2, 'condition', 'has_contract', 0),
        (3, 12,  9, 3, 'action', 'deliver_contract', 0),
        (3, 13,  9, 4, 'action', 'undock', 0),
        (3, 14,  8, 2, 'sequence', NULL, 0),
        (3, 15, 14, 1, 'condition', 'is_docked', 0),
        (3, 16, 14, 2, 'condition', 'has_contract', 0),
        (3, 17, 14, 3, 'action', 'buy_for_contract', 0),
        (3, 18, 14, 4, 'action', 'undock', 0),
        (3, 19,  8, 3, 'sequence', NULL, 0),
        (3, 20, 19, 1, 'condition', 'is_docked', 0),
        (3, 21, 19, 2, 'inverter', NULL, 0),
        (3, 22, 21, 1, 'condition', 'has_contract', 0),
        (3, 23, 19, 3, 'action', 'accept_contract', 0),
        (3, 24, 19, 4, 'action', 'undock', 0),
        (3, 25,  8, 4, 'sequence', NULL, 0),
        (3, 26, 25, 1, 'condition', 'is_docked', 0),
        (3, 27, 25, 2, 'inverter', NULL, 0),
        (3, 28, 27, 1, 'condition', 'cargo_empty', 0),
        (3, 29, 25, 3, 'action', 'sell_cargo', 0),
        (3, 30, 25, 4, 'action', 'undock', 0),
        (3, 31,  8, 5, 'sequence', NULL, 0),
        (3, 32, 31, 1, 'condition', 'is_docked', 0),
        (3, 33, 31, 2, 'action', 'undock', 0),
        (3, 34,  8, 6, 'sequence', NULL, 0),
        (3, 35, 34, 1, 'condition', 'has_contract', 0),
        (3, 36, 34, 2, 'action', 'goto_contract', 0),
        (3, 37,  8, 7, 'sequence', NULL, 0),
        (3, 38, 37, 1, 'inverter', NULL, 0),
        (3, 39, 38, 1, 'condition', 'cargo_empty', 0),
        (3, 40, 37, 2, 'action', 'goto_buyer', 0),
        (3, 41,  8, 8, 'action', 'goto_station', 0),
        (3, 42,  8, 9, 'action', 'wait', 0),
        -- patrol: fly from station to station, refuelling when low
        (4,  1, NULL, 0, 'selector', NULL, 0),
        (4,  7,  1, 0, 'sequence', NULL, 0),
        (4,  8,  7, 1, 'condition', 'is_docked', 0),
        (4,  9,  7, 2, 'condition', 'fuel_below', 0.5),
        (4, 10,  7, 3, 'action', 'refuel', 0),
        (4, 11,  7, 4, 'action', 'undock', 0),
        (4,  2,  1, 1, 'sequence', NULL, 0),
        (4,  3,  2, 1, 'condition', 'is_docked', 0),
        (4,  4,  2, 2, 'action', 'undock', 0),
        (4,  5,  1, 2, 'action', 'goto_station', 0),
        (4,  6,  1, 3, 'action', 'wait', 0);
END
$$;
COMMENT ON FUNCTION sim.install_default_trees() IS 'Insert the default behaviour trees (miner, trader, hauler, patrol)';

-- Conservation: every good and every credit is where the ledger says.
CREATE FUNCTION sim.audit()
RETURNS TABLE (check_name text, subject text, expected numeric, actual numeric, detail text)
LANGUAGE plpgsql STABLE AS $$
BEGIN
    -- goods: faucets - sinks = stations + holds + sell orders
    RETURN QUERY
    WITH flows AS (
        SELECT l.good_id, sum(CASE WHEN l.flow = 'faucet' THEN l.amount ELSE -l.amount END) AS net
          FROM sim.ledger l WHERE l.good_id IS NOT NULL GROUP BY l.good_id
    ), held AS (
        SELECT good_id, sum(qty) AS qty FROM (
            SELECT s.good_id, s.qty FROM sim.station_stock s
            UNION ALL SELECT c.good_id, c.qty FROM sim.ship_cargo c
            UNION ALL SELECT o.good_id, o.qty_open FROM sim.market_order o
             WHERE o.side = 'sell' AND o.status = 'open') h
         GROUP BY good_id
    )
    SELECT 'goods conserved', g.name, coalesce(f.net, 0)::numeric, coalesce(h.qty, 0)::numeric,
           'ledger faucets minus sinks differ from the goods held'
      FROM sim.good g
      LEFT JOIN flows f ON f.good_id = g.id
      LEFT JOIN held h ON h.good_id = g.id
     WHERE coalesce(f.net, 0) <> coalesce(h.qty, 0);

    -- credits: faucets - sinks = wallets + buy-order and contract escrow
    RETURN QUERY
    WITH flows AS (
        SELECT coalesce(sum(CASE WHEN l.flow = 'faucet' THEN l.amount ELSE -l.amount END), 0) AS net
          FROM sim.ledger l WHERE l.good_id IS NULL
    ), held AS (
        SELECT (SELECT coalesce(sum(credits), 0) FROM sim.wallet)
             + (SELECT coalesce(sum(escrow), 0) FROM sim.market_order WHERE status = 'open')
             + (SELECT coalesce(sum(escrow), 0) FROM sim.contract WHERE status IN ('open', 'accepted')) AS qty
    )
    SELECT 'credits conserved', 'credits', f.net::numeric, h.qty::numeric,
           'ledger faucets minus sinks differ from wallets and escrow'
      FROM flows f, held h
     WHERE f.net <> h.qty;

    -- escrow of open buy orders covers what they may still pay
    RETURN QUERY
    SELECT 'order escrow', 'order ' || o.id, (o.price * o.qty_open)::numeric, o.escrow::numeric,
           'an open buy order must hold price times its open quantity'
      FROM sim.market_order o
     WHERE o.status = 'open' AND o.side = 'buy' AND o.escrow <> o.price * o.qty_open;

    -- the tallies the capacity checks read equal the rows they sum
    RETURN QUERY
    SELECT 'hold tally', 'ship ' || sh.id, coalesce(c.qty, 0)::numeric, sh.cargo_held::numeric,
           'sim.ship.cargo_held differs from the sum of the ship''s cargo'
      FROM sim.ship sh
      LEFT JOIN (SELECT k.ship_id, sum(k.qty) AS qty FROM sim.ship_cargo k GROUP BY k.ship_id) c
        ON c.ship_id = sh.id
     WHERE sh.cargo_held <> coalesce(c.qty, 0);
    RETURN QUERY
    SELECT 'storage tally', 'station ' || st.id, coalesce(k.qty, 0)::numeric, st.stock_held::numeric,
           'sim.station.stock_held differs from the sum of the station''s stock'
      FROM sim.station st
      LEFT JOIN (SELECT s.station_id, sum(s.qty) AS qty FROM sim.station_stock s GROUP BY s.station_id) k
        ON k.station_id = st.id
     WHERE st.stock_held <> coalesce(k.qty, 0);

    -- docking slots are never overbooked
    RETURN QUERY
    SELECT 'docking slots', 'station ' || st.id, st.docking_slots::numeric, count(*)::numeric,
           'more ships docked than the station has slots'
      FROM sim.station st JOIN sim.ship s ON s.docked_at = st.id AND s.state = 'docked'
     GROUP BY st.id, st.docking_slots
    HAVING count(*) > st.docking_slots;

    -- no negative quantity anywhere (the constraints forbid it; this proves it)
    RETURN QUERY
    SELECT 'non-negative', t.what, 0::numeric, t.v::numeric, 'a quantity is negative'
      FROM (SELECT 'wallet ' || faction_id AS what, credits AS v FROM sim.wallet
            UNION ALL SELECT 'stock ' || station_id || '/' || good_id, qty FROM sim.station_stock
            UNION ALL SELECT 'cargo ' || ship_id || '/' || good_id, qty FROM sim.ship_cargo
            UNION ALL SELECT 'deposit ' || body_id || '/' || good_id, remaining FROM sim.deposit
            UNION ALL SELECT 'ship fuel ' || id, floor(fuel)::bigint FROM sim.ship) t
     WHERE t.v < 0;
END
$$;
COMMENT ON FUNCTION sim.audit() IS
    'Every violation of conservation and of the economy''s invariants; an empty result means all is accounted for';

-- Ships that cannot move on their own: at rest in space (idle or orbiting,
-- not mining) and unable to reach any station of their sector with the fuel
-- in their tank.  The cheapest flight is the one in drift mode (a quarter of
-- the hull's acceleration, 35% of its top speed: SimModeAccel and
-- SimModeSpeed in src/core/journey.c); a rest-to-rest leg of d km burns
-- 2 * fuel_per_dv * min(0.35 * max_speed, sqrt(0.25 * max_accel * d)).
-- docs/gameplay.md says what happens to them.
CREATE VIEW sim.stranded_ship AS
SELECT s.id AS ship_id, s.sector_id, s.state, s.fuel,
       CASE WHEN n.dist IS NULL THEN 'no station in its sector'
            ELSE 'too little fuel to reach a station' END AS reason
  FROM sim.ship s
  JOIN sim.ship_class c ON c.id = s.class_id
  LEFT JOIN LATERAL (
        SELECT ST_3DDistance(st.pos, ST_MakePoint(s.x, s.y, s.z)) AS dist
          FROM sim.station st
         WHERE st.sector_id = s.sector_id
         ORDER BY 1
         LIMIT 1) n ON true
 WHERE s.state IN ('idle', 'orbiting')
   AND (n.dist IS NULL
        OR s.fuel < 2 * c.fuel_per_dv * least(0.35 * c.max_speed, sqrt(0.25 * c.max_accel * n.dist)));
COMMENT ON VIEW sim.stranded_ship IS
    'Ships at rest in space that cannot reach a station of their sector with their fuel, and why';
