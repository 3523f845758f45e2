#!/usr/bin/env bash
# bench/engine.sh -- what users feel, each beside its peer in the same run:
#   1. universe generation vs a plain INSERT ... SELECT generate_series
#   2. a full tick (sim.step) with every ship in flight vs one SQL UPDATE
#      moving every ship
#   3. sim.ships_within vs a PostGIS GiST ST_3DDWithin query on the same
#      positions (answers compared first)
#
# Usage: bench/engine.sh [SHIPS ...]     (default: 10000 100000 1000000)
# Needs sim installed (make install) and PostgreSQL 15 with PostGIS.  Starts
# its own throwaway cluster (bench/lib.sh, which also tells how to use a
# running one); as root it runs the cluster as postgres.
set -euo pipefail

SIZES=("$@")
[ ${#SIZES[@]} -gt 0 ] || SIZES=(10000 100000 1000000)
TICKS=${TICKS:-30}
SQL_TICKS=${SQL_TICKS:-5}
QUERY_SECONDS=${QUERY_SECONDS:-10}
RADIUS=${RADIUS:-500}
here=$(cd "$(dirname "$0")" && pwd)
# shellcheck source=bench/lib.sh
. "$here/lib.sh"
bench_cluster "synchronous_commit = off"

# milliseconds the server takes to run one statement: timed (database, sql)
timed() {
	psql -d "$1" -Atc "SELECT round(bench_ms(\$q\$$2\$q\$)::numeric, 1)"
}

# the best of 5 runs of one statement in one session (warm caches), in ms
timed_best() {
	psql -d "$1" -Atc "SELECT round(min(bench_ms(\$q\$$2\$q\$))::numeric, 1) FROM generate_series(1, 5)"
}

echo "sim engine benchmark: $(nproc) cores, sizes ${SIZES[*]}, $TICKS ticks, radius $RADIUS km"
echo
printf '%-10s %-28s %12s %12s %10s\n' ships measure sim peer ratio

for n in "${SIZES[@]}"; do
	db=bench_$n
	dbs+=("$db")
	"${as_user[@]}" "$PGBIN/createdb" -h "$host" -p "$port" "$db"
	psql -d "$db" -c "CREATE EXTENSION sim CASCADE" 2>/dev/null
	psql -d "$db" -c "CREATE FUNCTION bench_ms(q text) RETURNS double precision LANGUAGE plpgsql AS
	                  \$\$ DECLARE t0 timestamptz := clock_timestamp();
	                     BEGIN EXECUTE q; RETURN extract(epoch FROM clock_timestamp() - t0) * 1000; END \$\$"

	# 1. generation vs INSERT ... SELECT generate_series of as many ship rows
	gen_ms=$(timed "$db" "SELECT sim.generate_universe(42, 50, $n)")
	psql -d "$db" -c "CREATE TABLE plain_ship (LIKE sim.ship INCLUDING DEFAULTS)"
	ins_ms=$(timed "$db" "INSERT INTO plain_ship (id, name, faction_id, class_id, role, sector_id, state,
	                                 fuel, x, y, z)
	                            SELECT i, 'ship-' || i, 1 + i % 8, 1 + i % 7, 'miner', 1 + i % 50, 'idle',
	                                   100, random() * 1e6, random() * 1e6, random() * 1e6
	                              FROM generate_series(1, $n) i")
	printf '%-10s %-28s %10sms %10sms %9.1fx\n' "$n" "generate vs INSERT (time)" "$gen_ms" "$ins_ms" \
		"$(echo "$gen_ms / ($ins_ms + 0.001)" | bc -l)"

	# every ship in flight: a burn-coast-brake leg towards a random point
	# 50,000-150,000 km away, planned at tick 1 at the class's cruise profile
	# (no NPC pilots here: this measures the engine; ships are teleported into
	# flight, so the state machine's trigger is skipped as for a restore)
	psql -d "$db" <<'SQL'
DELETE FROM sim.npc_personality;
SET session_replication_role = replica;
UPDATE sim.ship s SET state = 'flying', docked_at = NULL, body_id = NULL, wake_tick = NULL,
       dir_x = p.dx, dir_y = p.dy, dir_z = p.dz, accel = p.a,
       t_burn = p.tb, t_coast = p.tc, t_brake = p.tb,
       leg_start_tick = 1, arrival_tick = 1 + ceil(2 * p.tb + p.tc)::bigint
  FROM (SELECT sh.id, u.dx, u.dy, u.dz, k.a, k.tb, greatest(k.tc, 0) AS tc
          FROM sim.ship sh
          JOIN sim.ship_class c ON c.id = sh.class_id,
       LATERAL (SELECT 2 * sim.rand_unit(1, 1, sh.id) - 1 AS zz,
                       2 * pi() * sim.rand_unit(1, 2, sh.id) AS ph,
                       50000 + 100000 * sim.rand_unit(1, 3, sh.id) AS d) r,
       LATERAL (SELECT sqrt(1 - r.zz * r.zz) * cos(r.ph) AS dx,
                       sqrt(1 - r.zz * r.zz) * sin(r.ph) AS dy, r.zz AS dz) u,
       LATERAL (SELECT 0.6 * c.max_accel AS a, 0.7 * c.max_speed / (0.6 * c.max_accel) AS tb,
                       (r.d - (0.7 * c.max_speed) ^ 2 / (0.6 * c.max_accel)) / (0.7 * c.max_speed) AS tc) k) p
 WHERE p.id = s.id;
RESET session_replication_role;
VACUUM ANALYZE sim.ship;
SQL
	# first tick loads the shared-memory world
	psql -d "$db" -c "SELECT sim.step(1)" >/dev/null

	# 2. a full tick vs one UPDATE moving every ship
	echo "SELECT sim.step(1);" >"$dir/step.sql"
	rm -f "$dir"/step_log*
	(cd "$dir" && pgbench -n -t "$TICKS" -f "$dir/step.sql" -l --log-prefix="$dir/step_log" "$db" >/dev/null)
	read -r tick_p50 tick_p99 < <(latency "$dir"/step_log*)
	inner=$(psql -d "$db" -Atc "SELECT round(percentile_cont(0.5) WITHIN GROUP (ORDER BY duration_ms)::numeric, 2) || ' ' ||
	                                   round(percentile_cont(0.99) WITHIN GROUP (ORDER BY duration_ms)::numeric, 2)
	                              FROM (SELECT duration_ms FROM sim.tick_log ORDER BY tick DESC LIMIT $TICKS) t")
	sql_peer "$db"
	rm -f "$dir"/upd_log*
	(cd "$dir" && pgbench -n -t "$SQL_TICKS" -f "$dir/update.sql" -l --log-prefix="$dir/upd_log" "$db" >/dev/null)
	read -r upd_p50 upd_p99 < <(latency "$dir"/upd_log*)
	printf '%-10s %-28s %10sms %10sms %9.1fx\n' "$n" "tick p50 vs SQL UPDATE p50" "$tick_p50" "$upd_p50" \
		"$(echo "$upd_p50 / $tick_p50" | bc -l)"
	printf '%-10s %-28s %10sms %10sms %9.1fx\n' "$n" "tick p99 vs SQL UPDATE p99" "$tick_p99" "$upd_p99" \
		"$(echo "$upd_p99 / $tick_p99" | bc -l)"
	printf '%-10s %-28s %12s\n' "$n" "in-tick time p50/p99 (ms)" "$inner"

	# 3. radius queries: same answers, then throughput.  Jump to tick 5000 so
	# the ships have spread out along their legs, and index those positions.
	psql -d "$db" -c "UPDATE sim.world SET tick = 4999" -c "SELECT sim.step(1)" >/dev/null
	psql -d "$db" -c "CREATE TABLE gist_ship AS
	                    SELECT ship_id AS id, ST_MakePoint(x, y, z) AS geom FROM sim.ship_positions();
	                  ALTER TABLE gist_ship ADD PRIMARY KEY (id);
	                  CREATE INDEX ON gist_ship USING gist (geom gist_geometry_ops_nd)" -c "VACUUM ANALYZE gist_ship"
	centers="generate_series(1, 200) q, LATERAL (SELECT geom FROM gist_ship WHERE id = 1 + (q * 7919) % $n) c"
	mismatches=$(psql -d "$db" -Atc "
	    SELECT count(*) FROM $centers
	     WHERE (SELECT coalesce(array_agg(ship_id ORDER BY ship_id), '{}') FROM sim.ships_within(c.geom, $RADIUS))
	        <> (SELECT coalesce(array_agg(id ORDER BY id), '{}') FROM gist_ship g WHERE ST_3DDWithin(g.geom, c.geom, $RADIUS))")
	hits=$(psql -d "$db" -Atc "SELECT round(avg((SELECT count(*) FROM sim.ships_within(c.geom, $RADIUS)))) FROM $centers")
	printf '\\set i random(1, %s)\nSELECT count(*) FROM sim.ships_within((SELECT geom FROM gist_ship WHERE id = :i), %s);\n' \
		"$n" "$RADIUS" >"$dir/within.sql"
	printf '\\set i random(1, %s)\nSELECT count(*) FROM gist_ship g WHERE ST_3DDWithin(g.geom, (SELECT geom FROM gist_ship WHERE id = :i), %s);\n' \
		"$n" "$RADIUS" >"$dir/gist.sql"
	tps_sim=$(pgbench -n -M prepared -T "$QUERY_SECONDS" -f "$dir/within.sql" "$db" | awk '/^tps/ {print $3}')
	tps_gist=$(pgbench -n -M prepared -T "$QUERY_SECONDS" -f "$dir/gist.sql" "$db" | awk '/^tps/ {print $3}')
	printf '%-10s %-28s %8.0f q/s %8.0f q/s %9.1fx   (answers differing: %s of 200, mean hits %s)\n' \
		"$n" "ships_within vs ST_3DDWithin" "$tps_sim" "$tps_gist" \
		"$(echo "$tps_sim / $tps_gist" | bc -l)" "$mismatches" "$hits"
	# 2000 queries in one statement, centres prepared beforehand: server-side execution only
	psql -d "$db" -c "CREATE TABLE centers AS SELECT q, geom FROM generate_series(1, 2000) q,
	                    LATERAL (SELECT geom FROM gist_ship WHERE id = 1 + (q * 104729) % $n) c"
	batch_sim=$(timed_best "$db" "SELECT sum((SELECT count(*) FROM sim.ships_within(c.geom, $RADIUS))) FROM centers c")
	batch_gist=$(timed_best "$db" "SELECT sum((SELECT count(*) FROM gist_ship g
	                                              WHERE ST_3DDWithin(g.geom, c.geom, $RADIUS))) FROM centers c")
	printf '%-10s %-28s %10sms %10sms %9.1fx\n' "$n" "2000 queries, one statement" "$batch_sim" "$batch_gist" \
		"$(echo "$batch_gist / ($batch_sim + 0.001)" | bc -l)"

	"${as_user[@]}" "$PGBIN/dropdb" -h "$host" -p "$port" "$db"
done
