# shellcheck shell=bash
#
# bench/lib.sh -- the throwaway cluster and helpers the benchmarks share.
# Sourced, never run.  After sourcing, call bench_cluster [conf lines...];
# then psql, pgbench, newdb, warm, sql_peer, percentiles, latency and ratio
# are ready.  As root, the
# cluster and every client run as the postgres user.
#
# Environment: BENCH_HOST, BENCH_PORT  use this running cluster (socket
# directory and port; sim preloaded, sim.max_ships large enough) instead of
# starting a throwaway one.  SIM_PG_BINDIR: the PostgreSQL 15 bin directory
# to use (default Debian's, /usr/lib/postgresql/15/bin).

PGBIN=${SIM_PG_BINDIR:-/usr/lib/postgresql/15/bin}

as_user=()
[ "$(id -u)" -eq 0 ] && as_user=(runuser -u postgres --)

dir=$(mktemp -d /tmp/sim-bench.XXXXXX)
chmod 755 "$dir"
[ "$(id -u)" -eq 0 ] && chown postgres "$dir"
dbs=()
if [ -n "${BENCH_HOST:-}" ]; then
	host=$BENCH_HOST
	port=${BENCH_PORT:-5432}
	own_cluster=0
else
	host=$dir
	port=$((20000 + RANDOM % 20000))
	own_cluster=1
fi

psql() { "${as_user[@]}" "$PGBIN/psql" -h "$host" -p "$port" -X -q -v ON_ERROR_STOP=1 "$@"; }
pgbench() { "${as_user[@]}" "$PGBIN/pgbench" -h "$host" -p "$port" "$@"; }

bench_cleanup() {
	if [ "$own_cluster" = 1 ]; then
		"${as_user[@]}" "$PGBIN/pg_ctl" -D "$dir/data" -m immediate stop >/dev/null 2>&1 || true
	else
		for d in "${dbs[@]}"; do
			psql -d postgres -c "DROP DATABASE IF EXISTS $d WITH (FORCE)" >/dev/null 2>&1 || true
		done
	fi
	rm -rf "$dir"
}
trap bench_cleanup EXIT

# Start the throwaway cluster (unless BENCH_HOST is set); each argument is
# one more postgresql.conf line.
bench_cluster() {
	[ "$own_cluster" = 1 ] || return 0
	"${as_user[@]}" "$PGBIN/initdb" -D "$dir/data" -A trust >/dev/null
	{
		cat <<CONF
port = $port
unix_socket_directories = '$dir'
listen_addresses = ''
shared_preload_libraries = 'sim'
sim.database = ''
sim.max_ships = 1100000
shared_buffers = 2GB
max_wal_size = 8GB
checkpoint_timeout = 30min
CONF
		printf '%s\n' "$@"
	} >>"$dir/data/postgresql.conf"
	"${as_user[@]}" "$PGBIN/pg_ctl" -D "$dir/data" -l "$dir/log" -w start >/dev/null
}

# A fresh database with sim, bench_ms(query) and a universe of $2 ships;
# prints the generation's milliseconds: newdb (name, ships)
newdb() {
	dbs+=("$1")
	psql -d postgres -c "DROP DATABASE IF EXISTS $1 WITH (FORCE)" -c "CREATE DATABASE $1" 2>/dev/null
	psql -d "$1" -c "SET client_min_messages = warning" -c "CREATE EXTENSION sim CASCADE"
	psql -d "$1" -c "CREATE FUNCTION bench_ms(q text) RETURNS double precision LANGUAGE plpgsql AS
	                 \$\$ DECLARE t0 timestamptz := clock_timestamp();
	                    BEGIN EXECUTE q; RETURN extract(epoch FROM clock_timestamp() - t0) * 1000; END \$\$"
	psql -d "$1" -Atc "SELECT round(bench_ms('SELECT sim.generate_universe(42, 50, $2)')::numeric)"
}

# Run $2 ticks in sim.step(100) transactions: warm (db, ticks)
warm() {
	local left=$2 step
	while [ "$left" -gt 0 ]; do
		step=$((left < 100 ? left : 100))
		psql -d "$1" -c "SELECT sim.step($step)" >/dev/null
		left=$((left - step))
	done
}

# The SQL peer of a tick: table sql_ship with every ship's position and a
# velocity, and $dir/update.sql, the one UPDATE that moves them all: sql_peer (db)
sql_peer() {
	psql -d "$1" -c "CREATE TABLE sql_ship AS
	                   SELECT id, x, y, z, dir_x * 0.5 AS vx, dir_y * 0.5 AS vy, dir_z * 0.5 AS vz FROM sim.ship;
	                 ALTER TABLE sql_ship ADD PRIMARY KEY (id)" -c "VACUUM ANALYZE sql_ship"
	echo "UPDATE sql_ship SET x = x + vx, y = y + vy, z = z + vz;" >"$dir/update.sql"
}

# p50 and p99 of numbers, one per line on stdin: "p50 p99"
percentiles() {
	sort -n | awk '{a[NR] = $1} END {
		p50 = a[int((NR - 1) * 0.50) + 1]; p99 = a[int((NR - 1) * 0.99) + 1];
		printf "%.2f %.2f\n", p50, p99 }'
}

# p50 and p99 (ms) of the latencies (µs, column 3) in pgbench transaction logs
latency() {
	cat "$@" | awk '{print $3 / 1000.0}' | percentiles
}

ratio() { echo "$1 / ($2 + 0.0001)" | bc -l; }
