#!/usr/bin/env bash
# bench/lifecycle.sh -- the universe's lifecycle at 100,000 ships (issue 15,
# docs/lifecycle.md), each operation beside its peer in the same run:
#   1. sim.snapshot: time, and bytes stored (LZ4) and raw, beside pg_dump -Fc
#      of the sim schema's data (the snapshot store left out);
#   2. sim.export_snapshot into a file, then sim.import_snapshot of it into a
#      second database, beside pg_dump -Fc of the whole database and
#      pg_restore of it into an empty one;
#   3. sim.replay, in the second database, of the REPLAY ticks recorded after
#      the snapshot (carried by the export), in ticks per second, beside the
#      sim.step(REPLAY) that ran them in the first;
#   4. sim.rollback from REPLAY ticks later, beside a rollback by hand:
#      TRUNCATE of the tables in the data-only dump of 1 and its pg_restore
#      (--disable-triggers), in one transaction;
#   5. the per-tick cost of the state hash beside the tick without it:
#      bench/state_hash.sh, run on the same cluster.
# Times are wall-clock milliseconds of one client call each (psql or
# pg_dump/pg_restore started included).  Every restored universe is checked
# against the snapshot's sim.universe_digest().  Parts whose functions are
# not installed (sim.snapshot, sim.replay) are reported as skipped.
#
# Usage: bench/lifecycle.sh [SHIPS]    (default 100000)
# Environment (defaults in brackets):
#   WARMUP [300]      ticks run before the snapshot (sim.step(100) at a time)
#   REPLAY [100]      ticks recorded after the snapshot and replayed
#   HASH_TICKS [100]  single ticks bench/state_hash.sh measures
#   BENCH_HOST, BENCH_PORT, SIM_PG_BINDIR  as in bench/lib.sh
# Needs sim installed (make install) and PostgreSQL 15 with PostGIS.
set -euo pipefail

SHIPS=${1:-100000}
WARMUP=${WARMUP:-300}
REPLAY=${REPLAY:-100}
HASH_TICKS=${HASH_TICKS:-100}
here=$(cd "$(dirname "$0")" && pwd)
# shellcheck source=bench/lib.sh
. "$here/lib.sh"
bench_cluster "synchronous_commit = off"

pg_dump() { "${as_user[@]}" "$PGBIN/pg_dump" -h "$host" -p "$port" "$@"; }
pg_restore() { "${as_user[@]}" "$PGBIN/pg_restore" -h "$host" -p "$port" "$@"; }
now_ms() { date +%s%3N; }
# wall-clock milliseconds of a command, its output discarded: wall cmd...
wall() {
	local t0
	t0=$(now_ms)
	"$@" >/dev/null
	echo $(($(now_ms) - t0))
}
# is this function installed in database $1: has db 'sim.f(args)'
has() { [ "$(psql -d "$1" -Atc "SELECT to_regprocedure('$2') IS NOT NULL")" = t ]; }
# each world table's digest, one a line: digest db
digest() { psql -d "$1" -Atc "SELECT table_name || ' ' || md5 FROM sim.universe_digest() ORDER BY table_name"; }
# "equal", or the tables whose digests differ: same digest1 digest2
same() {
	local d
	d=$(diff <(echo "$1") <(echo "$2") | awk '/^[<>]/ {print $2}' | sort -u | paste -sd, -)
	[ -z "$d" ] && echo equal || echo "different in $d"
}
row() { printf '%-44s %14s %14s %9s  %s\n' "$@"; }
mb() { printf '%.2f' "$(echo "$1 / 1048576" | bc -l)"; }
x() { printf '%.2f' "$(ratio "$1" "$2")"; }
# run a file of SQL in a database: sqlf file db
sqlf() { psql -d "$2" -f "$1"; }

a=life_a
b=life_b
p=life_peer
dbs+=("$p")
echo "sim lifecycle benchmark: $(nproc) cores, $SHIPS ships, warm-up $WARMUP ticks, $REPLAY ticks recorded and replayed"
echo
newdb "$a" "$SHIPS" >/dev/null
warm "$a" "$WARMUP"
psql -d "$a" -c "VACUUM ANALYZE" >/dev/null
tick=$(psql -d "$a" -Atc "SELECT tick FROM sim.world")
if ! has "$a" 'sim.snapshot(text)'; then
	echo "snapshot, export, import, replay, rollback: skipped (sim.snapshot is not installed)"
else
	row measure sim peer "sim/peer" "(peer)"
	# the peer's dump leaves the snapshot store out (its rows are the snapshots)
	store=()
	[ "$(psql -d "$a" -Atc "SELECT to_regclass('sim.snapshot_store') IS NOT NULL")" = t ] &&
		store=(--exclude-table-data=sim.snapshot_store)

	# 1. snapshot
	d0=$(digest "$a")
	dump_ms=$(wall pg_dump -Fc --data-only -n sim "${store[@]}" -d "$a" -f "$dir/data.dump" 2>/dev/null)
	dump_bytes=$(stat -c %s "$dir/data.dump")
	snap_ms=$(wall psql -d "$a" -c "SELECT sim.snapshot('bench')")
	IFS='|' read -r bytes raw_bytes < <(psql -d "$a" -Atc "SELECT bytes, raw_bytes FROM sim.snapshots WHERE name = 'bench'")
	row "sim.snapshot at tick $tick (ms)" "$snap_ms" "$dump_ms" "$(x "$snap_ms" "$dump_ms")" "pg_dump -Fc --data-only -n sim"
	row "  stored (MB)" "$(mb "$bytes")" "$(mb "$dump_bytes")" "$(x "$bytes" "$dump_bytes")" "the dump file"
	row "  raw, before LZ4 (MB)" "$(mb "$raw_bytes")" "" "$(x "$bytes" "$raw_bytes")" "stored / raw"

	# the recorded ticks: the replay's peer
	step_ms=$(wall psql -d "$a" -c "SELECT sim.step($REPLAY)")

	# 2. export and import
	export_ms=$(wall psql -d "$a" -c "\\copy (SELECT sim.export_snapshot('bench')) TO '$dir/bench.export' WITH (FORMAT binary)")
	export_bytes=$(stat -c %s "$dir/bench.export")
	full_ms=$(wall pg_dump -Fc "${store[@]}" -d "$a" -f "$dir/full.dump" 2>/dev/null)
	full_bytes=$(stat -c %s "$dir/full.dump")
	dbs+=("$b")
	psql -d postgres -c "DROP DATABASE IF EXISTS $b WITH (FORCE)" -c "CREATE DATABASE $b" \
		-c "DROP DATABASE IF EXISTS $p WITH (FORCE)" -c "CREATE DATABASE $p" >/dev/null 2>&1
	psql -d "$b" -c "SET client_min_messages = warning" -c "CREATE EXTENSION sim CASCADE" \
		-c "CREATE TABLE export_file (data bytea)" \
		-c "\\copy export_file FROM '$dir/bench.export' WITH (FORMAT binary)" >/dev/null
	import_ms=$(wall psql -d "$b" -c "SELECT sim.import_snapshot(data, 'bench') FROM export_file")
	restore_ms=$(wall pg_restore -d "$p" "$dir/full.dump")
	row "sim.export_snapshot to a file (ms)" "$export_ms" "$full_ms" "$(x "$export_ms" "$full_ms")" "pg_dump -Fc of the database"
	row "  the file (MB)" "$(mb "$export_bytes")" "$(mb "$full_bytes")" "$(x "$export_bytes" "$full_bytes")" "the dump file"
	row "sim.import_snapshot into a new database (ms)" "$import_ms" "$restore_ms" "$(x "$import_ms" "$restore_ms")" "pg_restore into an empty one"
	echo "  the imported universe's digest is the snapshot's: $(same "$(digest "$b")" "$d0"); the peer's is the recorded run's: $(same "$(digest "$p")" "$(digest "$a")")"

	# 3. replay
	if has "$b" 'sim.replay(bytea,integer)'; then
		t0=$(now_ms)
		IFS='|' read -r replayed matched < <(psql -d "$b" -Atc "SELECT ticks_replayed, matched FROM sim.replay(NULL, $REPLAY)")
		replay_ms=$(($(now_ms) - t0))
		tps=$(echo "scale=1; $replayed * 1000 / ($replay_ms + 0.0001)" | bc)
		step_tps=$(echo "scale=1; $REPLAY * 1000 / ($step_ms + 0.0001)" | bc)
		row "sim.replay of $replayed ticks (ticks/s)" "$tps" "$step_tps" "$(x "$tps" "$step_tps")" "sim.step($REPLAY) that recorded them"
		echo "  matched: $matched"
	else
		echo "replay: skipped (sim.replay is not installed)"
	fi

	# 4. rollback, from REPLAY ticks later; the peer from as far
	rollback_ms=$(wall psql -d "$a" -c "SELECT sim.rollback('bench')")
	d1=$(digest "$a")
	psql -d "$a" -c "SELECT sim.step($REPLAY)" >/dev/null
	tables=$(pg_restore -l "$dir/data.dump" | awk '$4 == "TABLE" && $5 == "DATA" {print $6 "." $7}' | paste -sd, -)
	{
		echo "BEGIN;"
		echo "TRUNCATE $tables CASCADE;"
		pg_restore --data-only --disable-triggers -f - "$dir/data.dump"
		echo "SELECT sim.invalidate_cache();"
		echo "COMMIT;"
	} >"$dir/restore.sql"
	peer_ms=$(wall sqlf "$dir/restore.sql" "$a" 2>/dev/null)
	row "sim.rollback from $REPLAY ticks later (ms)" "$rollback_ms" "$peer_ms" "$(x "$rollback_ms" "$peer_ms")" "TRUNCATE + pg_restore --data-only"
	echo "  the rolled-back universe's digest is the snapshot's: $(same "$d1" "$d0"); the peer's: $(same "$(digest "$a")" "$d0")"
fi
echo

# 5. the state hash, on this cluster
BENCH_HOST=$host BENCH_PORT=$port WARMUP=$WARMUP TICKS=$HASH_TICKS "$here/state_hash.sh" "$SHIPS"
