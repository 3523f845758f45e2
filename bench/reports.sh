#!/usr/bin/env bash
# bench/reports.sh -- what an analyst waits for: the typical query of each
# report view (and of sim.economy_health) on a universe of SHIPS ships after
# TICKS ticks with PERIOD-tick periods, p50 of RUNS runs, each beside its
# peer where one exists -- the same figures computed from the raw history
# (sim.trade, sim.ledger) in plain SQL -- with the ratio.
#
# Usage: bench/reports.sh [SHIPS [TICKS [PERIOD]]]   (default: 100000 5000 500: 10 periods)
# Environment: RUNS [7]; BENCH_HOST, BENCH_PORT, SIM_PG_BINDIR as bench/lib.sh says.
# Needs sim installed (make install).  Starts its own throwaway cluster
# unless told otherwise; as root it runs the cluster and clients as postgres.
set -euo pipefail

SHIPS=${1:-100000}
TICKS=${2:-5000}
PERIOD=${3:-500}
RUNS=${RUNS:-7}
here=$(cd "$(dirname "$0")" && pwd)
# shellcheck source=bench/lib.sh
. "$here/lib.sh"
bench_cluster "synchronous_commit = off"

db=reports
gen_ms=$(newdb "$db" "$SHIPS")
psql -d "$db" -c "UPDATE sim.history_policy SET period_ticks = $PERIOD, partition_ticks = $PERIOD"
t0=$(date +%s.%N)
warm "$db" "$TICKS"
warm_s=$(echo "$(date +%s.%N) - $t0" | bc -l)
psql -d "$db" -c "VACUUM ANALYZE" 2>/dev/null
echo "sim report benchmark: $(nproc) cores, $SHIPS ships, $TICKS ticks (generation ${gen_ms} ms, run $(printf '%.0f' "$warm_s") s), period $PERIOD ticks, p50 of $RUNS runs"
psql -d "$db" -Atc "SELECT format('history: %s trades, %s ledger rows, %s market periods, %s periods',
                           (SELECT count(*) FROM sim.trade), (SELECT count(*) FROM sim.ledger),
                           (SELECT count(*) FROM sim.market_period), (SELECT count(DISTINCT period_start) FROM sim.money_period))"
echo
printf '%-24s %-44s %10s %10s %8s\n' view "typical query" "view ms" "peer ms" ratio

# p50 (ms) of RUNS runs of a query: p50 (query)
p50() {
	local q=${1//\'/\'\'}
	psql -d "$db" -Atc "SELECT round(percentile_cont(0.5) WITHIN GROUP (ORDER BY bench_ms('$q'))::numeric, 2)
	                      FROM generate_series(1, $RUNS)"
}
# one line: row (view, what, view query, peer query or empty)
row() {
	local v p=""
	v=$(p50 "$3")
	if [ -n "$4" ]; then
		p=$(p50 "$4")
		printf '%-24s %-44s %10s %10s %7.2fx\n' "$1" "$2" "$v" "$p" "$(ratio "$p" "$v")"
	else
		printf '%-24s %-44s %10s %10s %8s\n' "$1" "$2" "$v" "-" "-"
	fi
}
last=$(psql -d "$db" -Atc "SELECT max(period_start) FROM sim.money_period")
st=$(psql -d "$db" -Atc "SELECT station_id FROM sim.trade GROUP BY 1 ORDER BY count(*) DESC LIMIT 1")

row market_ohlcv "one station, every good and period" \
	"SELECT * FROM report.market_ohlcv WHERE station_id = $st" \
	"SELECT tick - tick % $PERIOD, good_id, (array_agg(price ORDER BY tick, id))[1], max(price), min(price),
	        (array_agg(price ORDER BY tick DESC, id DESC))[1], sum(qty), count(*), sum(qty * price), sum(tax)
	   FROM sim.trade WHERE station_id = $st AND kind <> 'contract' GROUP BY 1, 2"
row market_ohlcv "last period, every market" \
	"SELECT * FROM report.market_ohlcv WHERE period_start = $last" \
	"SELECT station_id, good_id, (array_agg(price ORDER BY tick, id))[1], max(price), min(price),
	        (array_agg(price ORDER BY tick DESC, id DESC))[1], sum(qty), count(*), sum(qty * price), sum(tax)
	   FROM sim.trade WHERE tick >= $last AND tick < $last + $PERIOD AND kind <> 'contract' GROUP BY 1, 2"
row sector_ohlcv "every sector, good and period" \
	"SELECT * FROM report.sector_ohlcv" \
	"SELECT t.tick - t.tick % $PERIOD, s.sector_id, t.good_id, min(t.price), max(t.price), sum(t.qty), count(*)
	   FROM sim.trade t JOIN sim.station s ON s.id = t.station_id WHERE t.kind <> 'contract' GROUP BY 1, 2, 3"
row market_ohlcv_day "one station by day" \
	"SELECT * FROM report.market_ohlcv_day WHERE station_id = $st" \
	"SELECT tick - tick % (24 * $PERIOD), good_id, (array_agg(price ORDER BY tick, id))[1], max(price), min(price),
	        (array_agg(price ORDER BY tick DESC, id DESC))[1], sum(qty), count(*)
	   FROM sim.trade WHERE station_id = $st AND kind <> 'contract' GROUP BY 1, 2"
row sector_ohlcv_day "every sector and good by day" \
	"SELECT * FROM report.sector_ohlcv_day" ""
row order_book "one station's book" \
	"SELECT * FROM report.order_book WHERE station_id = $st" ""
row price_index "every category and period" \
	"SELECT * FROM report.price_index" ""
row money_supply "every period" \
	"SELECT * FROM report.money_supply" \
	"SELECT tick - tick % $PERIOD, sum(amount) FILTER (WHERE flow = 'faucet'), sum(amount) FILTER (WHERE flow = 'sink')
	   FROM sim.ledger WHERE good_id IS NULL GROUP BY 1"
row faucets_sinks "every period and reason" \
	"SELECT * FROM report.faucets_sinks" \
	"SELECT tick - tick % $PERIOD, flow, reason, sum(amount), count(*) FROM sim.ledger WHERE good_id IS NULL GROUP BY 1, 2, 3"
row sector_production "every sector, good and period" \
	"SELECT * FROM report.sector_production" \
	"SELECT l.tick - l.tick % $PERIOD, coalesce(l.sector_id, 0), l.good_id, l.flow, l.reason, sum(l.amount)
	   FROM sim.ledger l WHERE l.good_id IS NOT NULL GROUP BY 1, 2, 3, 4, 5"
row trade_flows "last period's flows" \
	"SELECT * FROM report.trade_flows WHERE period_start = $last" ""
row trade_flows "every flow, all retained trades" \
	"SELECT from_sector, to_sector, sum(qty) FROM report.trade_flows GROUP BY 1, 2" ""
row arbitrage "best 20 now" \
	"SELECT * FROM report.arbitrage ORDER BY margin DESC LIMIT 20" ""
row station_margin "best 20 now" \
	"SELECT * FROM report.station_margin ORDER BY margin_ratio DESC LIMIT 20" ""
row station_margin_period "one station, every period" \
	"SELECT * FROM report.station_margin_period WHERE station_id = $st" ""
row manufacturing_margin "best 20 now" \
	"SELECT * FROM report.manufacturing_margin ORDER BY margin_per_tick DESC LIMIT 20" ""
row wealth_distribution "every period" \
	"SELECT * FROM report.wealth_distribution" ""
row trader_profit "top 10 factions, all retained trades" \
	"SELECT faction_id, sum(profit) FROM report.trader_profit GROUP BY 1 ORDER BY 2 DESC LIMIT 10" ""
row trader_profit "top 10 ships, last period" \
	"SELECT ship_id, profit FROM report.trader_profit WHERE period_start = $last AND ship_id IS NOT NULL
	  ORDER BY profit DESC LIMIT 10" ""
row economy_health "every period and indicator" \
	"SELECT * FROM sim.economy_health" ""
row economy_health_summary "after the first fifth" \
	"SELECT * FROM sim.economy_health_summary" ""
