#!/usr/bin/env bash
# bench/history.sh -- the disk the history takes and what keeping it costs
# the tick, at 100,000 ships, in one run:
#   1. bytes per tick of raw history (the partitions of sim.trade,
#      sim.ship_event, sim.ledger, sim.price_history, sim.command) and of
#      rollups (sim.*_period), under a short policy so that retention cycles
#      several times, the size once it has, and the bytes a day at one tick a
#      second under the default policy, extrapolated from them;
#   2. tick time p50/p99 of the ticks that end a period (rollups, partitions
#      made and dropped) beside the same run's other ticks (the peer);
#   3. BRIN on tick, as the partitions have it, beside a B-tree on tick: size
#      and a range query's time on the largest ledger partition.
#
# Usage: bench/history.sh [SHIPS]    (default 100000)
# Environment (defaults in brackets):
#   PARTITION [500], PERIOD [500], RETENTION [1500]  the short policy
#   TICKS [3500]      ticks run, one transaction each (retention first drops
#                     at tick PARTITION + RETENTION)
#   BENCH_HOST, BENCH_PORT, SIM_PG_BINDIR  as in bench/lib.sh
# Needs sim installed (make install) and PostgreSQL 15 with PostGIS.
set -euo pipefail

SHIPS=${1:-100000}
PARTITION=${PARTITION:-500}
PERIOD=${PERIOD:-500}
RETENTION=${RETENTION:-1500}
TICKS=${TICKS:-3500}
here=$(cd "$(dirname "$0")" && pwd)
# shellcheck source=bench/lib.sh
. "$here/lib.sh"
bench_cluster "synchronous_commit = off"

db=hist_$SHIPS
dbs+=("$db")
psql -d postgres -c "DROP DATABASE IF EXISTS $db WITH (FORCE)" -c "CREATE DATABASE $db" 2>/dev/null
psql -d "$db" -c "SET client_min_messages = warning" -c "CREATE EXTENSION sim CASCADE"
psql -d "$db" -c "UPDATE sim.history_policy SET partition_ticks = $PARTITION, period_ticks = $PERIOD,
                                               raw_retention_ticks = $RETENTION" \
	-c "SELECT sim.reset_universe()" >/dev/null
psql -d "$db" -c "SELECT sim.generate_universe(42, 50, $SHIPS)" >/dev/null

echo "sim history benchmark: $(nproc) cores, $SHIPS ships, $TICKS ticks, policy: partitions of $PARTITION ticks," \
	"periods of $PERIOD, raw rows kept $RETENTION ticks"

# every tick in its own transaction, timed by the client (commit included)
echo "SELECT sim.step(1);" >"$dir/step.sql"
rm -f "$dir"/step_log*
t0=$(date +%s.%N)
(cd "$dir" && pgbench -n -t "$TICKS" -f "$dir/step.sql" -l --log-prefix="$dir/step_log" "$db" >/dev/null)
run_s=$(echo "$(date +%s.%N) - $t0" | bc -l)
printf 'ran %s ticks in %.1f s\n\n' "$TICKS" "$run_s"

# 1. disk
read -r tick oldest raw_bytes partitions < <(psql -d "$db" -Atc "
    SELECT w.tick, min(h.lo) FILTER (WHERE h.parent = 'trade'), sum(h.bytes), count(*)
      FROM sim.world w, sim.history_partition h GROUP BY w.tick" | tr '|' ' ')
read -r rollup_bytes periods < <(psql -d "$db" -Atc "
    SELECT sum(pg_total_relation_size(('sim.' || t)::regclass)), (SELECT count(*) FROM sim.history_period)
      FROM unnest(ARRAY['market_period', 'sector_market_period', 'flow_period', 'money_period',
                        'wallet_period', 'ship_period', 'history_period']) t" | tr '|' ' ')
held=$((tick - oldest + 1))
raw_per_tick=$(echo "$raw_bytes / $held" | bc)
rollup_per_period=$(echo "$rollup_bytes / $periods" | bc)
rollup_per_tick=$(echo "$rollup_per_period / $PERIOD" | bc)
cycles=$(( (tick - RETENTION) / PARTITION ))
[ "$cycles" -ge 0 ] || cycles=0
printf '%-48s %14s\n' measure value
printf '%-48s %14s\n' "raw history now (bytes, $partitions partitions)" "$raw_bytes"
printf '%-48s %14s\n' "ticks it holds (oldest kept $oldest, now $tick)" "$held"
printf '%-48s %14s\n' "partitions dropped by retention, per table" "$cycles"
printf '%-48s %14s\n' "raw bytes per tick" "$raw_per_tick"
printf '%-48s %14s\n' "rollups now (bytes, $periods periods)" "$rollup_bytes"
printf '%-48s %14s\n' "rollup bytes per period (any length)" "$rollup_per_period"
printf '%-48s %14s\n' "rollup bytes per tick at period $PERIOD" "$rollup_per_tick"
psql -d "$db" -Atc "SELECT format('%-48s %14s', 'raw bytes per tick by table: ' || string_agg(parent || ' ' || b, ', ' ORDER BY parent), '')
                      FROM (SELECT parent, sum(bytes) / $held AS b FROM sim.history_partition GROUP BY parent) x"
echo
echo "extrapolated, default policy (partitions and periods of 3600 ticks, raw kept 86400, rollups a year),"
echo "one tick a second:"
printf '%-48s %14s\n' "raw history, steady (bytes, 24+1 partitions)" "$(echo "$raw_per_tick * (86400 + 3600)" | bc)"
printf '%-48s %14s\n' "rollups per day (bytes, 24 periods)" "$(echo "$rollup_per_period * 24" | bc)"
printf '%-48s %14s\n' "rollups after a year (bytes)" "$(echo "$rollup_per_period * 24 * 365" | bc)"
printf '%-48s %14s\n' "unbounded raw history, per day (before)" "$(echo "$raw_per_tick * 86400" | bc)"
echo

# 2. tick time: the ticks that end a period (rollups, and the drops of
# retention) and those that make the next partitions (the tick before a
# partition starts) beside the others.  pgbench writes one line per
# transaction in order: line i is tick start + i.
start=$(( tick - TICKS ))
awk -v s="$start" -v p="$PERIOD" -v w="$PARTITION" '{ t = s + NR;
	print ((t % p == 0) ? "end" : ((t + 1) % w == 0) ? "make" : "other"), $3 / 1000.0 }' \
	"$dir"/step_log* >"$dir/ticks"
read -r oth_p50 oth_p99 < <(awk '$1 == "other" {print $2}' "$dir/ticks" | percentiles)
printf '%-48s %10s %10s %8s\n' "tick time (ms), the others are the peer" "these" "others" ratio
for kind in end make; do
	n=$(awk -v k=$kind '$1 == k' "$dir/ticks" | wc -l)
	read -r p50 p99 < <(awk -v k=$kind '$1 == k {print $2}' "$dir/ticks" | percentiles)
	what="period end"; [ $kind = make ] && what="partitions made"
	printf '%-48s %10s %10s %7.2fx\n' "$what p50 ($n ticks)" "$p50" "$oth_p50" "$(ratio "$p50" "$oth_p50")"
	printf '%-48s %10s %10s %7.2fx\n' "$what p99" "$p99" "$oth_p99" "$(ratio "$p99" "$oth_p99")"
done
echo

# 3. BRIN vs B-tree on tick, on the largest ledger partition: the range
# query through the partition's BRIN (bitmap scan), then through a B-tree
# built for the comparison (index scan), then the B-tree is dropped
part=$(psql -d "$db" -Atc "SELECT name FROM sim.history_partition WHERE parent = 'ledger' ORDER BY bytes DESC LIMIT 1")
psql -d "$db" -c "ANALYZE sim.$part"
cat >"$dir/range.sql" <<SQL
SELECT count(*), sum(amount) FROM sim.$part
 WHERE tick BETWEEN (SELECT min(tick) + 100 FROM sim.$part) AND (SELECT min(tick) + 109 FROM sim.$part);
SQL
range_ms() {
	psql -d "$db" -c "SET enable_seqscan = off" -c "SET enable_$1 = off" -c "\\timing on" \
		-f "$dir/range.sql" -f "$dir/range.sql" -f "$dir/range.sql" -f "$dir/range.sql" -f "$dir/range.sql" 2>&1 |
		awk '/^Time:/ {print $2}' | percentiles | cut -d' ' -f1
}
brin_ms=$(range_ms indexscan)
psql -d "$db" -c "CREATE INDEX bench_btree_tick ON sim.$part (tick)"
btree_ms=$(range_ms bitmapscan)
psql -d "$db" -Atc "
    SELECT format('%-48s %14s', 'ledger partition $part rows', count(*)) FROM sim.$part
    UNION ALL
    SELECT format('%-48s %14s', 'BRIN on tick (bytes)', pg_relation_size(i.indexrelid))
      FROM pg_index i JOIN pg_class c ON c.oid = i.indexrelid
     WHERE i.indrelid = 'sim.$part'::regclass AND c.relam = (SELECT oid FROM pg_am WHERE amname = 'brin')
    UNION ALL
    SELECT format('%-48s %14s', 'B-tree on tick (bytes)', pg_relation_size('sim.bench_btree_tick'))"
printf '%-48s %10s %10s %7.2fx\n' "10-tick range query p50 (ms): BRIN vs B-tree" "$brin_ms" "$btree_ms" "$(ratio "$brin_ms" "$btree_ms")"
psql -d "$db" -c "DROP INDEX sim.bench_btree_tick"
