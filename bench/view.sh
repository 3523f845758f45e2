#!/usr/bin/env bash
# bench/view.sh -- "which ships are in this camera's view": api.ships_in_view
# beside its peer in the same run, the brute-force query over sim.ship_live
# (the rule of docs/api.md written in SQL), on the most crowded sector of a
# universe, for cameras over the whole sector, a tenth and a hundredth of its
# width (orthographic, and one perspective view of the whole sector).  Each
# camera is timed three ways: ships_in_view from the frustum-culled grid (a
# tick just published it), ships_in_view from the tables (the grid withdrawn
# by sim.invalidate_cache, as after an operator's change), and the peer.
# Every run checks that the three return the same number of ships.
#
# Usage: bench/view.sh [SHIPS ...]    (default: 100000)
# Environment (defaults in brackets):
#   SECTORS ["50 1"]  universes of each size: with 50 sectors (a sector holds
#                 about 2% of the ships) and with one (it holds them all)
#   WARMUP [30]   ticks run before measuring (ships in flight)
#   REPS [15]     timed calls of each query per camera (median reported)
#   BENCH_HOST, BENCH_PORT, SIM_PG_BINDIR  see bench/lib.sh
# jit is off for both sides: the peer's plan would otherwise be compiled on
# every call.  As root, runs the cluster and clients as postgres.
set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)
# shellcheck source=bench/lib.sh
. "$here/lib.sh"

SIZES=("$@")
[ ${#SIZES[@]} -gt 0 ] || SIZES=(100000)
read -r -a SECTOR_COUNTS <<<"${SECTORS:-50 1}"
WARMUP=${WARMUP:-30}
REPS=${REPS:-15}

bench_cluster "jit = off"

echo "sim ships_in_view benchmark: $(nproc) cores, sizes ${SIZES[*]}, warm-up $WARMUP ticks, median of $REPS calls"
for n in "${SIZES[@]}"; do
for sectors in "${SECTOR_COUNTS[@]}"; do
	db=view_${n}_$sectors
	gen_ms=$(newdb "$db" "$n")
	if [ "$sectors" != 50 ]; then
		gen_ms=$(psql -d "$db" -Atc "SELECT round(bench_ms('SELECT sim.generate_universe(42, $sectors, $n, reset => true)')::numeric)")
	fi
	warm "$db" "$WARMUP"
	psql -d "$db" -c "VACUUM ANALYZE" 2>/dev/null
	psql -d "$db" <<'SQL'
-- the peer: the rule of docs/api.md over sim.ship_live
CREATE FUNCTION bench_brute(m float8[], sec integer)
RETURNS TABLE (id bigint, x float8, y float8, z float8)
LANGUAGE sql STABLE AS $$
    SELECT l.id, p.x, p.y, p.z
      FROM sim.ship_live l
     CROSS JOIN LATERAL (SELECT sim.st_x(l.pos) AS x, sim.st_y(l.pos) AS y, sim.st_z(l.pos) AS z) p
     CROSS JOIN LATERAL (SELECT m[1] * p.x + m[5] * p.y + m[9] * p.z + m[13] AS cx,
                                m[2] * p.x + m[6] * p.y + m[10] * p.z + m[14] AS cy,
                                m[3] * p.x + m[7] * p.y + m[11] * p.z + m[15] AS cz,
                                m[4] * p.x + m[8] * p.y + m[12] * p.z + m[16] AS cw) c
     WHERE l.sector_id = sec
       AND c.cw > 0 AND -c.cw <= c.cx AND c.cx <= c.cw AND -c.cw <= c.cy AND c.cy <= c.cw
       AND -c.cw <= c.cz AND c.cz <= c.cw
$$;
-- median milliseconds of reps runs of q
CREATE FUNCTION bench_median(q text, reps integer) RETURNS float8
LANGUAGE plpgsql AS $$
DECLARE
    t   float8[] := '{}';
BEGIN
    FOR i IN 1..reps LOOP
        t := t || bench_ms(q);
    END LOOP;
    RETURN (SELECT percentile_cont(0.5) WITHIN GROUP (ORDER BY v) FROM unnest(t) v);
END
$$;
-- the cameras over sector s: orthographic boxes looking down -z, centred on
-- the sector's middle ship (by x), as wide and as deep as the sector, a tenth
-- and a hundredth of it; and a perspective view of the whole sector
CREATE TABLE bench_cam (name text, sector integer, m float8[]);
INSERT INTO bench_cam
SELECT k.name, s.sector, k.m
  FROM (SELECT sh.sector_id AS sector, count(*) AS ships FROM sim.ship sh
         GROUP BY 1 ORDER BY 2 DESC, 1 LIMIT 1) s
 CROSS JOIN LATERAL (SELECT sc.half_size AS h FROM sim.sector sc WHERE sc.id = s.sector) sz
 CROSS JOIN LATERAL (SELECT sim.st_x(l.pos) AS x, sim.st_y(l.pos) AS y, sim.st_z(l.pos) AS z
                       FROM sim.ship_live l WHERE l.sector_id = s.sector
                      ORDER BY sim.st_x(l.pos) OFFSET s.ships / 2 LIMIT 1) c
 CROSS JOIN LATERAL (VALUES
       ('whole sector', 1.0), ('a tenth', 0.1), ('a hundredth', 0.01)) f(name, frac)
 CROSS JOIN LATERAL (SELECT f.name,
       ARRAY[1 / (sz.h * f.frac), 0, 0, 0,
             0, 1 / (sz.h * f.frac), 0, 0,
             0, 0, -1 / (sz.h * f.frac), 0,
             -c.x / (sz.h * f.frac), -c.y / (sz.h * f.frac), c.z / (sz.h * f.frac), 1]::float8[] AS m) k;
-- perspective, 60 degrees, near 1,000 km, far 5 half-sizes, from 2.5
-- half-sizes above the middle ship, looking down -z
INSERT INTO bench_cam
SELECT 'whole sector, perspective', b.sector,
       ARRAY[1 / tan(pi() / 6), 0, 0, 0,
             0, 1 / tan(pi() / 6), 0, 0,
             0, 0, (5 * sc.half_size + 1e3) / (1e3 - 5 * sc.half_size), -1,
             0, 0, 2 * 5 * sc.half_size * 1e3 / (1e3 - 5 * sc.half_size), 0]::float8[]
       -- times the view: translate by -(x, y, z + 2.5 h)
       AS m
  FROM bench_cam b JOIN sim.sector sc ON sc.id = b.sector WHERE b.name = 'whole sector';
UPDATE bench_cam b SET m = (
    SELECT array_agg(v ORDER BY c, r) FROM (
        SELECT c, r, sum(b.m[4 * k + r + 1] * t.v[4 * c + k + 1]) AS v
          FROM generate_series(0, 3) c, generate_series(0, 3) r, generate_series(0, 3) k,
               (SELECT ARRAY[1, 0, 0, 0, 0, 1, 0, 0, 0, 0, 1, 0,
                             -w.x, -w.y, -(w.z + 2.5 * sc.half_size), 1]::float8[] AS v
                  FROM bench_cam o
                  JOIN sim.sector sc ON sc.id = o.sector
                 CROSS JOIN LATERAL (SELECT -o.m[13] / o.m[1] AS x, -o.m[14] / o.m[6] AS y,
                                            o.m[15] / o.m[1] AS z) w
                 WHERE o.name = 'whole sector') t
         GROUP BY c, r) p)
 WHERE b.name = 'whole sector, perspective';
SQL
	sector=$(psql -d "$db" -Atc "SELECT sector FROM bench_cam LIMIT 1")
	in_sector=$(psql -d "$db" -Atc "SELECT count(*) FROM sim.ship WHERE sector_id = $sector")
	printf '\n%s ships in %s sectors (generated in %s ms), sector %s with %s ships; median of %s calls\n' \
		"$n" "$sectors" "$gen_ms" "$sector" "$in_sector" "$REPS"
	printf '%-28s %8s %12s %12s %12s %9s %9s\n' camera ships "grid ms" "tables ms" "brute ms" "brute/grid" "brute/tables"
	while IFS='|' read -r name; do
		psql -d "$db" -c "SELECT sim.step(1)" >/dev/null
		read -r ships grid_ms < <(psql -d "$db" -AtF' ' -c "
		    SELECT (SELECT count(*) FROM api.ships_in_view(b.m, b.sector)),
		           bench_median(format('SELECT count(*) FROM api.ships_in_view(%L, %s)', b.m, b.sector), $REPS)
		      FROM bench_cam b WHERE b.name = '$name'")
		read -r ships_t tables_ms brute ships_b < <(psql -d "$db" -AtF' ' -c "
		    SELECT sim.invalidate_cache();" -c "
		    SELECT (SELECT count(*) FROM api.ships_in_view(b.m, b.sector)),
		           bench_median(format('SELECT count(*) FROM api.ships_in_view(%L, %s)', b.m, b.sector), $REPS),
		           bench_median(format('SELECT count(*) FROM bench_brute(%L, %s)', b.m, b.sector), $REPS),
		           (SELECT count(*) FROM bench_brute(b.m, b.sector))
		      FROM bench_cam b WHERE b.name = '$name'" | tail -1)
		if [ "$ships" != "$ships_b" ] || [ "$ships_t" != "$ships_b" ]; then
			echo "view.sh: $name: ships_in_view found $ships (grid) and $ships_t (tables), brute force $ships_b" >&2
			exit 1
		fi
		printf '%-28s %8s %12.2f %12.2f %12.2f %9.1fx %9.1fx\n' "$name" "$ships" "$grid_ms" "$tables_ms" "$brute" \
			"$(ratio "$brute" "$grid_ms")" "$(ratio "$brute" "$tables_ms")"
	done < <(psql -d "$db" -Atc "SELECT name FROM bench_cam ORDER BY m[1], name")
done
done
