#!/usr/bin/env bash
# bench/state_hash.sh -- the per-tick cost of the state hash, beside the tick
# it is part of, in the same run: single ticks (sim.step(1), one
# transaction each) after a warm-up, each tick's in-tick time from
# sim.tick_log.duration_ms (the hash included); then sim.tick_hash re-run
# over the same ticks' change rows (still in the record), one statement per
# tick as the tick runs it, timed, and checked equal to the recorded hash.  Prints per tick: the change rows hashed, the
# tick with the hash, the hash alone, the tick without it (the difference)
# and the share of the tick the hash takes.
#
# Usage: bench/state_hash.sh [SHIPS ...]    (default: 100000)
# Environment (defaults in brackets):
#   WARMUP [300]      ticks run before measuring (sim.step(100) at a time)
#   TICKS [100]       single ticks measured
#   BENCH_HOST, BENCH_PORT, SIM_PG_BINDIR  as in bench/lib.sh
set -euo pipefail

SIZES=("$@")
[ ${#SIZES[@]} -gt 0 ] || SIZES=(100000)
WARMUP=${WARMUP:-300}
TICKS=${TICKS:-100}
here=$(cd "$(dirname "$0")" && pwd)
# shellcheck source=bench/lib.sh
. "$here/lib.sh"
bench_cluster "synchronous_commit = off"

echo "sim state hash benchmark: $(nproc) cores, sizes ${SIZES[*]}, warm-up $WARMUP ticks, $TICKS ticks measured"
echo
printf '%-10s %-34s %10s %10s\n' ships measure p50 p99

for n in "${SIZES[@]}"; do
	db=hash_$n
	newdb "$db" "$n" >/dev/null
	warm "$db" "$WARMUP"
	psql -d "$db" -c "VACUUM ANALYZE"
	start_tick=$(psql -d "$db" -Atc "SELECT tick FROM sim.world")

	echo "SELECT sim.step(1);" >"$dir/step.sql"
	(cd "$dir" && pgbench -n -t "$TICKS" -f "$dir/step.sql" "$db" >/dev/null)

	# each measured tick's hash again, from the previous tick's, timed alone;
	# a statement of its own each time, as in the tick (the function's body
	# is planned again at each execution)
	psql -d "$db" -c "CREATE TABLE hash_time AS SELECT tick, 0::double precision AS ms, 0 AS rows, false AS same
	                    FROM sim.tick_log WHERE tick > $start_tick" \
		-c "DO \$\$
	          DECLARE
	              r record; t0 timestamptz; h bytea;
	          BEGIN
	              FOR r IN SELECT l.tick, l.state_hash, p.state_hash AS prev
	                         FROM sim.tick_log l JOIN sim.tick_log p ON p.tick = l.tick - 1
	                        WHERE l.tick > $start_tick ORDER BY l.tick LOOP
	                  t0 := clock_timestamp();
	                  EXECUTE 'SELECT sim.tick_hash(\$1, \$2)' INTO h USING r.tick, r.prev;
	                  UPDATE hash_time SET ms = extract(epoch FROM clock_timestamp() - t0) * 1000,
	                         rows = (SELECT count(*) FROM sim.change c WHERE c.tick = r.tick),
	                         same = (h = r.state_hash)
	                   WHERE tick = r.tick;
	              END LOOP;
	          END \$\$"

	psql -d "$db" -At -F '|' -c "
	    SELECT percentile_cont(0.5) WITHIN GROUP (ORDER BY h.rows), percentile_cont(0.99) WITHIN GROUP (ORDER BY h.rows),
	           percentile_cont(0.5) WITHIN GROUP (ORDER BY l.duration_ms), percentile_cont(0.99) WITHIN GROUP (ORDER BY l.duration_ms),
	           percentile_cont(0.5) WITHIN GROUP (ORDER BY h.ms), percentile_cont(0.99) WITHIN GROUP (ORDER BY h.ms),
	           percentile_cont(0.5) WITHIN GROUP (ORDER BY l.duration_ms - h.ms),
	           percentile_cont(0.99) WITHIN GROUP (ORDER BY l.duration_ms - h.ms),
	           percentile_cont(0.5) WITHIN GROUP (ORDER BY h.ms / nullif(l.duration_ms, 0) * 100),
	           percentile_cont(0.99) WITHIN GROUP (ORDER BY h.ms / nullif(l.duration_ms, 0) * 100),
	           count(*) FILTER (WHERE NOT h.same)
	      FROM sim.tick_log l JOIN hash_time h USING (tick)" |
		while IFS='|' read -r r50 r99 w50 w99 h50 h99 o50 o99 s50 s99 bad; do
			printf '%-10s %-34s %10.0f %10.0f\n' "$n" "change rows hashed per tick" "$r50" "$r99"
			printf '%-10s %-34s %10.3f %10.3f\n' "$n" "in-tick time with the hash (ms)" "$w50" "$w99"
			printf '%-10s %-34s %10.3f %10.3f\n' "$n" "the hash alone (ms)" "$h50" "$h99"
			printf '%-10s %-34s %10.3f %10.3f\n' "$n" "in-tick time without it (ms)" "$o50" "$o99"
			printf '%-10s %-34s %9.1f%% %9.1f%%\n' "$n" "the hash's share of the tick" "$s50" "$s99"
			printf '%-10s %-34s %10s\n' "$n" "re-run hashes unequal to the tick's" "$bad"
		done
	psql -d postgres -c "DROP DATABASE $db WITH (FORCE)"
done
