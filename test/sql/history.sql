--
-- history: the raw history's partitions and retention, the rollups and the
-- identities they keep, sim.rollup, the policy's checks and who may read.
--
CREATE EXTENSION IF NOT EXISTS sim CASCADE;
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

-- The five tables are partitioned by range of their tick
SELECT c.relname, c.relkind, pg_catalog.pg_get_partkeydef(c.oid) AS partition_key
  FROM pg_class c JOIN sim.history_table t ON c.oid = ('sim.' || t.name)::regclass
 ORDER BY c.relname;

-- The policy: one row, its defaults
SELECT period_ticks, partition_ticks, raw_retention_ticks, rollup_retention_ticks FROM sim.history_policy;

-- A bad policy is refused with its reason, and changes nothing
SELECT pg_temp.try($$UPDATE sim.history_policy SET partition_ticks = 0$$) AS zero_partition;
SELECT pg_temp.try($$UPDATE sim.history_policy SET period_ticks = 5000$$) AS period_not_whole_partitions;
SELECT pg_temp.try($$UPDATE sim.history_policy SET raw_retention_ticks = 1800$$) AS raw_shorter_than_partition;
SELECT pg_temp.try($$UPDATE sim.history_policy SET partition_ticks = 100, raw_retention_ticks = 1800$$)
       AS raw_shorter_than_period;
SELECT pg_temp.try($$UPDATE sim.history_policy SET rollup_retention_ticks = 3600$$) AS rollups_shorter_than_raw;
SELECT pg_temp.try($$DELETE FROM sim.history_policy$$) AS delete_policy;
-- (inserting a row replaces the one there, as a restore does)
SELECT pg_temp.try($$INSERT INTO sim.history_policy (id) VALUES (true)$$) AS insert_replaces;
SELECT count(*) AS rows, bool_and(period_ticks = 3600 AND partition_ticks = 3600 AND raw_retention_ticks = 86400
                                  AND rollup_retention_ticks = 31536000) AS unchanged
  FROM sim.history_policy;

-- A short policy, so retention cycles many times: partitions of 20 ticks,
-- periods of 40, raw rows kept 60 ticks
-- (new partitions follow the policy: reset, so that tick 0's do too)
UPDATE sim.history_policy SET partition_ticks = 20, period_ticks = 40, raw_retention_ticks = 60;
SELECT sim.reset_universe();
SELECT (sim.generate_universe(11, 3, 400)) ->> 'ships' AS ships;
SELECT parent, name, lo, hi FROM sim.history_partition ORDER BY parent, lo;
SELECT sim.step(200);

-- Only the partitions holding the last 60 ticks are left, and the next
-- ones; raw rows older than that are gone
SELECT parent, count(*) AS partitions, min(lo) AS oldest_tick, max(hi) AS covered_to
  FROM sim.history_partition GROUP BY parent ORDER BY parent;
SELECT (SELECT min(tick) FROM sim.trade) >= 140 AS trades_kept_60_ticks,
       (SELECT min(tick) FROM sim.ledger) >= 140 AS ledger_kept_60_ticks,
       (SELECT min(tick) FROM sim.ship_event) >= 140 AS events_kept_60_ticks;

-- The rollups of every period since tick 0 stay
SELECT period_start, period_end, rolled_tick FROM sim.history_period ORDER BY period_start;
SELECT count(DISTINCT period_start) AS periods FROM sim.market_period;

-- Faucets - sinks of credits = change in the money supply, in every period
-- (period 0 starts from nothing: the seed is its first faucet)
WITH m AS (SELECT period_start, sum(credits) AS money FROM sim.money_period GROUP BY period_start),
     f AS (SELECT period_start, sum(CASE flow WHEN 'faucet' THEN amount ELSE -amount END) AS net
             FROM sim.flow_period WHERE good_id = 0 GROUP BY period_start)
SELECT count(*) AS periods, count(*) FILTER (WHERE net = change) AS identity_holds
  FROM (SELECT f.net, m.money - coalesce(lag(m.money) OVER (ORDER BY m.period_start), 0) AS change
          FROM m LEFT JOIN f USING (period_start)) x;
-- ... and the money of the last period (taken at the start of tick 200),
-- plus tick 200's flows, is the wallets and escrow now
SELECT (SELECT sum(credits) FROM sim.money_period WHERE period_start = 160)
       + (SELECT coalesce(sum(CASE flow WHEN 'faucet' THEN amount ELSE -amount END), 0)
            FROM sim.ledger WHERE tick = 200 AND good_id IS NULL)
       = (SELECT sum(credits) FROM sim.wallet)
         + (SELECT coalesce(sum(escrow), 0) FROM sim.market_order WHERE status = 'open')
         + (SELECT coalesce(sum(escrow), 0) FROM sim.contract WHERE status IN ('open', 'accepted'))
       AS money_is_wallets_and_escrow;

-- Where the raw rows are still kept, the rollups equal a recomputation from
-- them: OHLCV of the trades, the ledger summed
WITH kept AS (SELECT hp.* FROM sim.history_period hp WHERE hp.period_start >= (SELECT min(tick) FROM sim.ledger)),
t AS (
    SELECT k.period_start, tr.station_id, tr.good_id,
           (array_agg(tr.price ORDER BY tr.tick, tr.id))[1] AS open, max(tr.price) AS high,
           min(tr.price) AS low, (array_agg(tr.price ORDER BY tr.tick DESC, tr.id DESC))[1] AS close,
           sum(tr.qty) AS volume, count(*) AS trades, sum(tr.qty * tr.price) AS value, sum(tr.tax) AS tax
      FROM kept k JOIN sim.trade tr ON tr.tick >= k.period_start AND tr.tick < k.period_end
     WHERE tr.kind IN ('market', 'order', 'refuel')
     GROUP BY 1, 2, 3)
SELECT (SELECT count(*) FROM kept) AS periods_with_raw_rows,
       count(*) AS traded_markets,
       count(*) FILTER (WHERE (m.open, m.high, m.low, m.close, m.volume, m.trades, m.value, m.tax)
                              IS NOT DISTINCT FROM (t.open, t.high, t.low, t.close, t.volume, t.trades, t.value, t.tax))
           AS ohlcv_equal,
       (SELECT count(*) FROM sim.market_period m2 JOIN kept k USING (period_start) WHERE m2.trades > 0) AS traded_rows
  FROM t LEFT JOIN sim.market_period m USING (period_start, station_id, good_id);
WITH kept AS (SELECT hp.* FROM sim.history_period hp WHERE hp.period_start >= (SELECT min(tick) FROM sim.ledger)),
l AS (
    SELECT k.period_start, coalesce(l.sector_id, 0) AS sector_id, l.flow, l.reason,
           coalesce(l.good_id, 0) AS good_id, sum(l.amount) AS amount, count(*) AS entries
      FROM kept k JOIN sim.ledger l ON l.tick >= k.period_start AND l.tick < k.period_end
     GROUP BY 1, 2, 3, 4, 5)
SELECT count(*) > 0 AS has_flows,
       count(*) FILTER (WHERE (f.amount, f.entries) IS NOT DISTINCT FROM (l.amount, l.entries)) = count(*)
       AND count(*) = (SELECT count(*) FROM sim.flow_period f2 JOIN kept k USING (period_start)) AS flows_equal
  FROM l LEFT JOIN sim.flow_period f USING (period_start, sector_id, flow, reason, good_id);
-- every market has its row in every period, traded or not, with its quote
SELECT count(*) FILTER (WHERE bid IS NULL) AS rows_without_quote,
       count(*) = (SELECT count(*) FROM sim.station_stock) * (SELECT count(*) FROM sim.history_period)
           AS one_row_per_market_and_period
  FROM sim.market_period;

-- The sectors sum to the global totals
SELECT bool_and(s.volume = g.volume AND s.trades = g.trades AND s.value = g.value AND s.tax = g.tax)
           AS sectors_sum_to_markets,
       bool_and(s.bid_best = g.bid_best AND s.ask_best = g.ask_best) AS best_quotes_over_sectors
  FROM (SELECT period_start, good_id, sum(volume) AS volume, sum(trades) AS trades, sum(value) AS value,
               sum(tax) AS tax, max(bid_best) AS bid_best, min(ask_best) AS ask_best
          FROM sim.sector_market_period GROUP BY 1, 2) s
  JOIN (SELECT period_start, good_id, sum(volume) AS volume, sum(trades) AS trades, sum(value) AS value,
               sum(tax) AS tax, max(bid) AS bid_best, min(ask) AS ask_best
          FROM sim.market_period GROUP BY 1, 2) g USING (period_start, good_id);
SELECT bool_and(s.ships = (SELECT count(*) FROM sim.ship)) AS ships_sum_to_fleet
  FROM (SELECT period_start, sum(ships) AS ships FROM sim.ship_period GROUP BY 1) s;
SELECT bool_and(w.total = m.total) AS wallets_sum_to_money
  FROM (SELECT period_start, sum(credits + escrow) AS total FROM sim.wallet_period GROUP BY 1) w
  JOIN (SELECT period_start, sum(credits) AS total FROM sim.money_period GROUP BY 1) m USING (period_start);

-- sim.rollup recomputes a period as the tick wrote it
CREATE TEMP TABLE before AS
SELECT 'market' AS t, md5(string_agg(m::text, ',' ORDER BY m::text)) AS md5 FROM sim.market_period m WHERE period_start = 160
UNION ALL SELECT 'sector', md5(string_agg(m::text, ',' ORDER BY m::text)) FROM sim.sector_market_period m WHERE period_start = 160
UNION ALL SELECT 'flow', md5(string_agg(m::text, ',' ORDER BY m::text)) FROM sim.flow_period m WHERE period_start = 160
UNION ALL SELECT 'money', md5(string_agg(m::text, ',' ORDER BY m::text)) FROM sim.money_period m WHERE period_start = 160;
UPDATE sim.market_period SET volume = volume + 1 WHERE period_start = 160;
DELETE FROM sim.flow_period WHERE period_start = 160;
SELECT sim.rollup(160);
SELECT b.t, b.md5 = a.md5 AS recomputed_equal
  FROM before b JOIN (
SELECT 'market' AS t, md5(string_agg(m::text, ',' ORDER BY m::text)) AS md5 FROM sim.market_period m WHERE period_start = 160
UNION ALL SELECT 'sector', md5(string_agg(m::text, ',' ORDER BY m::text)) FROM sim.sector_market_period m WHERE period_start = 160
UNION ALL SELECT 'flow', md5(string_agg(m::text, ',' ORDER BY m::text)) FROM sim.flow_period m WHERE period_start = 160
UNION ALL SELECT 'money', md5(string_agg(m::text, ',' ORDER BY m::text)) FROM sim.money_period m WHERE period_start = 160) a
 USING (t) ORDER BY b.t;
-- ... and refuses what it cannot do
SELECT pg_temp.try($$SELECT sim.rollup(0)$$) AS raw_rows_gone;
SELECT pg_temp.try($$SELECT sim.rollup(170)$$) AS not_a_period;
SELECT pg_temp.try($$SELECT sim.rollup(200)$$) AS not_ended;
SELECT pg_temp.try($$SELECT sim.rollup(NULL)$$) AS null_period;

-- Rollups are kept rollup_retention_ticks
UPDATE sim.history_policy SET rollup_retention_ticks = 100;
SELECT sim.step(40);
SELECT min(period_start) AS oldest_period, count(*) AS periods FROM sim.history_period;
SELECT count(*) AS rollup_rows_of_dropped_periods
  FROM (SELECT period_start FROM sim.market_period UNION ALL SELECT period_start FROM sim.flow_period
        UNION ALL SELECT period_start FROM sim.money_period UNION ALL SELECT period_start FROM sim.wallet_period
        UNION ALL SELECT period_start FROM sim.ship_period UNION ALL SELECT period_start FROM sim.sector_market_period) r
 WHERE r.period_start < (SELECT min(period_start) FROM sim.history_period);

-- A pending command is never dropped: a partition holding one stays, and a
-- retention that would drop one is refused
INSERT INTO sim.command (ship_id, kind, issued_tick) SELECT 1, 'undock', tick FROM sim.world RETURNING id > 0 AS queued;
-- (one pending command per ship: a second is not queued)
INSERT INTO sim.command (ship_id, kind, issued_tick) SELECT 1, 'undock', tick FROM sim.world RETURNING id;
SELECT count(*) AS pending FROM sim.pending_command;
SELECT pg_temp.try($$UPDATE sim.history_policy SET raw_retention_ticks = 60 WHERE true$$) AS still_fine;
UPDATE sim.world SET tick = tick + 100;   -- as if the command had waited 100 ticks
SELECT pg_temp.try($$UPDATE sim.history_policy SET raw_retention_ticks = 80$$) AS would_drop_pending;
SELECT sim.step(1);
-- the tick kept the partition of the pending command (it applied the command
-- after), and the next drops it
SELECT count(*) AS pending_after_tick FROM sim.pending_command;
SELECT min(lo) AS oldest_command_partition, count(*) FILTER (WHERE parent = 'trade' AND lo < 260) AS old_trade_partitions
  FROM sim.history_partition WHERE parent IN ('command', 'trade');
SELECT sim.step(1);
SELECT min(lo) AS oldest_command_partition FROM sim.history_partition WHERE parent = 'command';

-- Nobody but an operator reads the raw history or recomputes rollups
SET ROLE sim_player;
SELECT pg_temp.try($$SELECT count(*) FROM sim.trade$$) AS player_reads_trade;
SELECT pg_temp.try($$SELECT sim.rollup(160)$$) AS player_rolls_up;
RESET ROLE;
SET ROLE sim_anon;
SELECT pg_temp.try($$SELECT count(*) FROM sim.ledger$$) AS anon_reads_ledger;
RESET ROLE;
SELECT count(*) FILTER (WHERE has_table_privilege('sim_player', c.oid, 'SELECT')
                           OR has_table_privilege('sim_anon', c.oid, 'SELECT')) AS partitions_readable_by_api_roles
  FROM sim.history_partition h JOIN pg_class c ON c.oid = ('sim.' || h.name)::regclass;

SELECT sim.reset_universe();
UPDATE sim.history_policy SET period_ticks = 3600, partition_ticks = 3600, raw_retention_ticks = 86400,
       rollup_retention_ticks = 31536000;
