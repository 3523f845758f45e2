#!/usr/bin/env bash
# bench/economy_health.sh -- is the economy inside its bands over a long run?
# Generates a universe, runs it TICKS ticks with PERIOD-tick rollup periods,
# then prints, per period after the warm-up, every health indicator of
# sim.economy_health beside its band (sim.economy_band; a value outside it
# is marked !), and the summary sim.economy_health_report(WARMUP).  The
# peer here is the band itself.
#
# Usage: bench/economy_health.sh [SEED SHIPS TICKS PERIOD [WARMUP]]
#   with no arguments: seed 2026 and seed 7 at 10,000 ships, then seed 2026
#   at 2,000 ships, each 20,000 ticks in 1,000-tick periods, warm-up 4,000.
#   WARMUP defaults to a fifth of TICKS (as sim.economy_health_summary).
# Environment: SECTORS [50] sectors of the universe; BENCH_HOST, BENCH_PORT,
# SIM_PG_BINDIR as bench/lib.sh says.
set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)
# shellcheck source=bench/lib.sh
. "$here/lib.sh"
bench_cluster "synchronous_commit = off"
SECTORS=${SECTORS:-50}

# one universe: run (seed, ships, ticks, period, warmup)
run() {
	local seed=$1 ships=$2 ticks=$3 period=$4 warmup=${5:-$(($3 / 5))} db t0 secs
	db=health_${seed}_$ships
	dbs+=("$db")
	psql -d postgres -c "DROP DATABASE IF EXISTS $db WITH (FORCE)" -c "CREATE DATABASE $db" 2>/dev/null
	psql -d "$db" -c "SET client_min_messages = warning" -c "CREATE EXTENSION sim CASCADE"
	psql -d "$db" -Atc "SELECT sim.generate_universe($seed, $SECTORS, $ships)" >/dev/null
	psql -d "$db" -c "UPDATE sim.history_policy SET period_ticks = $period, partition_ticks = $period"
	t0=$(date +%s.%N)
	warm "$db" "$ticks"
	secs=$(echo "$(date +%s.%N) - $t0" | bc -l)
	echo
	printf 'seed %s, %s ships, %s sectors: %s ticks in %.0f s, periods of %s ticks, warm-up %s ticks\n' \
		"$seed" "$ships" "$SECTORS" "$ticks" "$secs" "$period" "$warmup"
	# the bands, one column per indicator, then each period's values
	psql -d "$db" -At -F ' ' <<SQL
SELECT format('%-12s', 'indicator') || string_agg(format(' %17s', indicator), '' ORDER BY indicator)
  FROM sim.economy_band;
SELECT format('%-12s', 'band') || string_agg(format(' %17s', '[' || coalesce(round(lo::numeric, 2)::text, '-inf') || ', '
                                                     || coalesce(round(hi::numeric, 2)::text, 'inf') || ']'), '' ORDER BY indicator)
  FROM sim.economy_band;
SELECT format('%-12s', period_start)
       || string_agg(format(' %17s', coalesce(round(value::numeric, 4)::text, 'null') || CASE WHEN ok THEN ' ' ELSE '!' END),
                     '' ORDER BY indicator)
  FROM sim.economy_health
 WHERE period_start >= $warmup
 GROUP BY period_start ORDER BY period_start;
SQL
	echo
	psql -d "$db" -c "SELECT indicator, lo, hi, periods, inside, round(worst::numeric, 4) AS worst,
	                         round(mean::numeric, 4) AS mean,
	                         CASE WHEN inside = periods THEN 'inside' ELSE 'OUTSIDE' END AS verdict
	                    FROM sim.economy_health_report($warmup)"
	psql -d "$db" -Atc "SELECT format('audit violations: %s', count(*)) FROM sim.audit()"
	psql -d postgres -c "DROP DATABASE $db WITH (FORCE)"
}

echo "sim economy health: $(nproc) cores"
if [ $# -gt 0 ]; then
	run "$@"
else
	run 2026 10000 20000 1000 4000
	run 7 10000 20000 1000 4000
	run 2026 2000 20000 1000 4000
fi
