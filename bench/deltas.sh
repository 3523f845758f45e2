#!/usr/bin/env bash
# bench/deltas.sh -- what following the universe costs, each beside its peer
# in the same run, in a steady state of NPC life (after a warm-up):
#   1. bytes per tick: the change record as stored and as the JSON feed of
#      sim.changes_since, vs the binary delta raw and LZ4-compressed;
#   2. throughput: sim.delta (encode) and sim.delta_records (decode) vs
#      sim.changes_since over the same ticks;
#   3. WAL per tick (sim.step(1), one transaction each, change record
#      included) vs one plain SQL UPDATE moving every ship;
#   4. latency from a tick's commit to a LISTEN client (docs/examples/
#      sim-follow.c) receiving its notification, vs a bare pg_notify of the
#      same channel through the same client.
#
# Usage: bench/deltas.sh [SHIPS ...]    (default: 100000)
# Environment (defaults in brackets):
#   WARMUP [600]   ticks run before measuring
#   TICKS [100]    ticks measured
#   SQL_TICKS [5]  runs of the SQL UPDATE peer
#   LATENCY [100]  notifications timed for each of the two latency runs
#   BENCH_HOST, BENCH_PORT  see bench/lib.sh
# Needs sim installed (make install), PostgreSQL 15 with PostGIS, a C
# compiler and libpq-dev.  As root, runs the cluster and clients as postgres.
set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)
# shellcheck source=bench/lib.sh
. "$here/lib.sh"

SIZES=("$@")
[ ${#SIZES[@]} -gt 0 ] || SIZES=(100000)
WARMUP=${WARMUP:-600}
TICKS=${TICKS:-100}
SQL_TICKS=${SQL_TICKS:-5}
LATENCY=${LATENCY:-100}

bench_cluster "synchronous_commit = on"

cc -O2 -o "$dir/sim-follow" "$here/../docs/examples/sim-follow.c" \
	-I"$("$PGBIN/pg_config" --includedir)" -L"$("$PGBIN/pg_config" --libdir)" -lpq

kb() { echo "$1 / 1024" | bc -l; }

echo "sim deltas benchmark: $(nproc) cores, sizes ${SIZES[*]}, warm-up $WARMUP ticks, $TICKS ticks measured"
for n in "${SIZES[@]}"; do
	db=deltas_$n
	gen_ms=$(newdb "$db" "$n")
	t0=$(date +%s.%N)
	warm "$db" "$WARMUP"
	psql -d "$db" -c "VACUUM ANALYZE" 2>/dev/null
	printf '\n%s ships: generated in %s ms, %s warm-up ticks in %.1f s\n' "$n" "$gen_ms" "$WARMUP" \
		"$(echo "$(date +%s.%N) - $t0" | bc -l)"

	# 3 first (it makes the measured ticks): WAL of single-tick transactions
	from=$(psql -d "$db" -Atc "SELECT tick FROM sim.world")
	lsn0=$(psql -d "$db" -Atc "SELECT pg_current_wal_insert_lsn()")
	echo "SELECT sim.step(1);" >"$dir/step.sql"
	rm -f "$dir"/step_log*
	(cd "$dir" && pgbench -n -t "$TICKS" -f "$dir/step.sql" -l --log-prefix="$dir/step_log" "$db" >/dev/null)
	lsn1=$(psql -d "$db" -Atc "SELECT pg_current_wal_insert_lsn()")
	to=$(psql -d "$db" -Atc "SELECT tick FROM sim.world")
	read -r tick_p50 tick_p99 < <(latency "$dir"/step_log*)
	wal_tick=$(psql -d "$db" -Atc "SELECT pg_wal_lsn_diff('$lsn1', '$lsn0') / $TICKS")

	sql_peer "$db"
	lsn0=$(psql -d "$db" -Atc "SELECT pg_current_wal_insert_lsn()")
	(cd "$dir" && pgbench -n -t "$SQL_TICKS" -f "$dir/update.sql" "$db" >/dev/null)
	lsn1=$(psql -d "$db" -Atc "SELECT pg_current_wal_insert_lsn()")
	wal_sql=$(psql -d "$db" -Atc "SELECT pg_wal_lsn_diff('$lsn1', '$lsn0') / $SQL_TICKS")

	# 1. bytes per tick over the measured ticks
	read -r changes stored feed < <(psql -d "$db" -AtF' ' -c "
	    SELECT (SELECT count(*) FROM sim.change WHERE tick > $from AND tick <= $to),
	           (SELECT sum(pg_column_size(c.*)) FROM sim.change c WHERE tick > $from AND tick <= $to),
	           (SELECT sum(octet_length(f::text)) FROM sim.changes_since($from) f WHERE f.tick <= $to)")
	read -r raw1 lz41 < <(psql -d "$db" -AtF' ' -c "
	    SELECT sum(length(sim.delta(t - 1, t, compress => false))), sum(length(sim.delta(t - 1, t)))
	      FROM generate_series($from + 1, $to) t")
	read -r rawr lz4r < <(psql -d "$db" -AtF' ' -c "
	    SELECT length(sim.delta($from, $to, compress => false)), length(sim.delta($from, $to))")

	# 2. throughput over the measured ticks (best of 3 each)
	psql -d "$db" -c "CREATE TABLE bench_delta AS SELECT sim.delta($from, $to) AS d"
	read -r enc_ms dec_ms feed_ms < <(psql -d "$db" -AtF' ' -c "
	    SELECT min(bench_ms('SELECT sim.delta($from, $to)')),
	           min(bench_ms('SELECT count(*) FROM bench_delta, sim.delta_records(d)')),
	           min(bench_ms('SELECT count(*) FROM sim.changes_since($from) f WHERE f.tick <= $to'))
	      FROM generate_series(1, 3)")

	# 4. latency to a LISTEN client: ticks, then bare notifications
	"${as_user[@]}" "$dir/sim-follow" --latency \
		"host=$host port=$port dbname=$db application_name=bench-follow" >>"$dir/follow.out" 2>"$dir/follow.err" &
	follower=$!
	poll=0
	until [ "$(psql -d "$db" -Atc "SELECT count(*) FROM pg_stat_activity WHERE application_name = 'bench-follow'")" = 1 ] ||
		[ $poll -ge 100 ]; do
		sleep 0.1
		poll=$((poll + 1))
	done
	sleep 0.5
	echo "SELECT sim.step(1);" >"$dir/tick1.sql"
	(cd "$dir" && pgbench -n -t "$LATENCY" -R 20 -f "$dir/tick1.sql" "$db" >/dev/null)
	sleep 1
	{ grep '^latency_ms' "$dir/follow.out" || true; } | awk '{print $2}' >"$dir/lat_tick"
	seen=$(wc -l <"$dir/follow.out")
	cat >"$dir/notify.sql" <<'SQL'
SELECT pg_notify('sim_tick', format('{"tick": %s, "at": "%s"}', (SELECT tick FROM sim.world), clock_timestamp()));
SQL
	(cd "$dir" && pgbench -n -t "$LATENCY" -R 20 -f "$dir/notify.sql" "$db" >/dev/null)
	sleep 1
	{ tail -n +"$((seen + 1))" "$dir/follow.out" | grep '^latency_ms' || true; } | awk '{print $2}' >"$dir/lat_bare"
	kill "$follower" 2>/dev/null || true
	wait "$follower" 2>/dev/null || true
	if [ ! -s "$dir/lat_tick" ] || [ ! -s "$dir/lat_bare" ]; then
		echo "warning: the LISTEN client timed nothing:" >&2
		cat "$dir/follow.err" >&2
	fi
	read -r lat_p50 lat_p99 < <(percentiles <"$dir/lat_tick")
	read -r bare_p50 bare_p99 < <(percentiles <"$dir/lat_bare")

	per() { echo "$1 / $TICKS" | bc -l; }
	printf '%-46s %12s %12s %10s\n' measure sim peer ratio
	printf '%-46s %10.1fKB %10.1fKB %9.1fx   (%s changes/tick)\n' "bytes/tick: LZ4 delta vs JSON feed" \
		"$(kb "$(per "$lz41")")" "$(kb "$(per "$feed")")" "$(ratio "$feed" "$lz41")" "$((changes / TICKS))"
	printf '%-46s %10.1fKB %10.1fKB %9.1fx\n' "bytes/tick: LZ4 delta vs stored change rows" \
		"$(kb "$(per "$lz41")")" "$(kb "$(per "$stored")")" "$(ratio "$stored" "$lz41")"
	printf '%-46s %10.1fKB %10.1fKB %9.1fx\n' "bytes/tick: LZ4 delta vs raw binary delta" \
		"$(kb "$(per "$lz41")")" "$(kb "$(per "$raw1")")" "$(ratio "$raw1" "$lz41")"
	printf '%-46s %10.1fKB %10.1fKB %9.1fx\n' "bytes/tick, one $TICKS-tick delta: LZ4 vs raw" \
		"$(kb "$(per "$lz4r")")" "$(kb "$(per "$rawr")")" "$(ratio "$rawr" "$lz4r")"
	printf '%-46s %10.0fk/s %10.0fk/s %9.1fx   (%.1f MB/s of raw delta)\n' "encode: sim.delta vs changes_since rows" \
		"$(echo "$changes / $enc_ms" | bc -l)" "$(echo "$changes / $feed_ms" | bc -l)" \
		"$(ratio "$feed_ms" "$enc_ms")" "$(echo "$rawr / $enc_ms / 1000" | bc -l)"
	printf '%-46s %10.0fk/s %10.0fk/s %9.1fx\n' "decode: sim.delta_records vs changes_since rows" \
		"$(echo "$changes / $dec_ms" | bc -l)" "$(echo "$changes / $feed_ms" | bc -l)" "$(ratio "$feed_ms" "$dec_ms")"
	printf '%-46s %10.1fKB %10.1fKB %9.1fx\n' "WAL/tick vs SQL UPDATE of every ship" \
		"$(kb "$wal_tick")" "$(kb "$wal_sql")" "$(ratio "$wal_sql" "$wal_tick")"
	printf '%-46s %10sms %10sms   (%s and %s notifications timed)\n' "LISTEN latency p50: tick vs bare pg_notify" \
		"$lat_p50" "$bare_p50" "$(wc -l <"$dir/lat_tick")" "$(wc -l <"$dir/lat_bare")"
	printf '%-46s %10sms %10sms\n' "LISTEN latency p99: tick vs bare pg_notify" "$lat_p99" "$bare_p99"
	printf '%-46s %10sms %12s   (p99 %s ms)\n' "tick p50 (sim.step(1), commit included)" "$tick_p50" "" "$tick_p99"

	psql -d postgres -c "DROP DATABASE $db WITH (FORCE)"
done
