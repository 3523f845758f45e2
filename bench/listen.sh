#!/usr/bin/env bash
# bench/listen.sh -- how soon a LISTEN client learns of a committed tick,
# beside its peer in the same run: a bare pg_notify committed by a client
# at the same rate.  For each universe size, with a LISTEN client
# (bench/listen.c) on channels sim_tick and peer:
#   (a) the ticker worker ticks the bench database every INTERVAL ms;
#   (b) a client runs SELECT sim.step(1) every INTERVAL ms (pgbench -R);
# and after each, two peers at the same rate: a bare
# SELECT pg_notify('peer', clock_timestamp()::text), and the same NOTIFY in a
# transaction that also updates a row ('peer_durable').  The bare one writes
# no WAL before its commit record, so PostgreSQL commits it without waiting
# for the disk; the durable one waits for its WAL flush, as a tick does with
# synchronous_commit on.  Latency is receipt time minus the commit time the
# payload carries: a tick's "at" (stamped in its pre-commit callback,
# src/notify.c), the peers' clock_timestamp() (taken in the statement before
# their commit).  Same machine, same clock.  Prints p50 and p99 of each and
# the ratios tick / peer (1.0 is as fast as the peer), and for context the
# delay from the end of the tick's work (sim.tick_log.finished_at) to the
# client and the ticks' own duration.
#
# Usage: bench/listen.sh [SHIPS ...]    (default: 10000 100000)
# Environment (defaults in brackets):
#   WARMUP [200]    ticks run before measuring
#   COUNT [100]     notifications timed in each of the four runs
#   INTERVAL [100]  ms between ticks, and between peer notifications
#   SIM_PG_BINDIR   see bench/lib.sh
# Needs sim installed (make install), PostgreSQL 15 with PostGIS, a C
# compiler and libpq-dev.  Starts its own cluster (the ticker needs
# sim.database at server start), so BENCH_HOST is not supported.  As root,
# runs the cluster and clients as postgres.
set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)
if [ -n "${BENCH_HOST:-}" ]; then
	echo "bench/listen.sh starts its own cluster (the ticker needs sim.database); unset BENCH_HOST" >&2
	exit 2
fi
# shellcheck source=bench/lib.sh
. "$here/lib.sh"

SIZES=("$@")
[ ${#SIZES[@]} -gt 0 ] || SIZES=(10000 100000)
WARMUP=${WARMUP:-200}
COUNT=${COUNT:-100}
INTERVAL=${INTERVAL:-100}
db=listen_bench
rate=$(echo "1000 / $INTERVAL" | bc -l)

bench_cluster "synchronous_commit = on" "sim.database = '$db'" "sim.tick_interval_ms = $INTERVAL"

make -s -C "$here" listen PG_CONFIG="$PGBIN/pg_config"
cp "$here/listen" "$dir/listen"
echo "SELECT sim.step(1);" >"$dir/step.sql"
echo "SELECT pg_notify('peer', clock_timestamp()::text);" >"$dir/peer.sql"
cat >"$dir/peer_durable.sql" <<'SQL'
BEGIN;
UPDATE bench_peer SET n = n + 1;
SELECT pg_notify('peer_durable', clock_timestamp()::text);
END;
SQL

# Lines of the listener's output so far.
seen() { wc -l <"$dir/listen.out"; }

# The latencies (ms) on channel $2 in the listener's output after line $1.
since() { tail -n +"$(($1 + 1))" "$dir/listen.out" | awk -v c="$2" '$1 == c {print $2}'; }

# Wait until the listener has printed $2 lines on channel sim_tick after line $1.
await_ticks() {
	local poll=0
	until [ "$(since "$1" sim_tick | wc -l)" -ge "$2" ]; do
		sleep 0.2
		poll=$((poll + 1))
		if [ $poll -ge $((COUNT * INTERVAL / 50 + 600)) ]; then
			echo "the ticker sent too few notifications:" >&2
			tail -n 20 "$dir/log" >&2
			exit 1
		fi
	done
}

# Run peer $1 (peer or peer_durable) at the same rate; print its "p50 p99".
peer() {
	local from
	from=$(seen)
	(cd "$dir" && pgbench -n -t "$COUNT" -R "$rate" -f "$dir/$1.sql" "$db" >/dev/null)
	sleep 0.5
	since "$from" "$1" | percentiles
}

# p50 and p99 of the delay from the end of a tick's work (its sim.tick_log
# row's finished_at) to its receipt, for the sim_tick lines after line $1.
from_work_end() {
	tail -n +"$(($1 + 1))" "$dir/listen.out" | awk '$1 == "sim_tick" {print $3, $4}' >"$dir/received"
	psql -d "$db" -At -c "CREATE TEMP TABLE received (tick bigint, t float8)" \
		-c "\\copy received FROM '$dir/received' (DELIMITER ' ')" \
		-c "SELECT (r.t - extract(epoch FROM l.finished_at)) * 1000
		      FROM received r JOIN sim.tick_log l USING (tick)" | percentiles
}

# p50 and p99 of the ticks' own duration (sim.tick_log) after tick $1 from source $2.
tick_ms() {
	psql -d "$db" -AtF' ' -c "SELECT round(percentile_cont(0.5) WITHIN GROUP (ORDER BY duration_ms)::numeric, 1),
	                                 round(percentile_cont(0.99) WITHIN GROUP (ORDER BY duration_ms)::numeric, 1)
	                            FROM sim.tick_log WHERE tick > $1 AND source = '$2'"
}

line() { printf '  %-42s %9s %9s%s\n' "$@"; }
vs() { printf '   tick/peer %5.1fx %5.1fx' "$(ratio "$1" "$3")" "$(ratio "$2" "$4")"; }

# Print one source's figures: report (label, tick p50 p99, bare p50 p99,
# durable p50 p99, work-end p50 p99, tick ms p50 p99)
report() {
	line "$1" "$2" "$3" ""
	line "  bare pg_notify, same rate" "$4" "$5" "$(vs "$2" "$3" "$4" "$5")"
	line "  pg_notify + UPDATE (flushed), same rate" "$6" "$7" "$(vs "$2" "$3" "$6" "$7")"
	line "  end of the tick's work to client, ms" "$8" "$9" ""
	line "  tick duration (sim.tick_log), ms" "${10}" "${11}" ""
}

echo "sim LISTEN latency benchmark: $(nproc) cores, sizes ${SIZES[*]}, warm-up $WARMUP ticks," \
	"$COUNT notifications per run, one every $INTERVAL ms"
for n in "${SIZES[@]}"; do
	gen_ms=$(newdb "$db" "$n")
	psql -d "$db" -c "SELECT sim.pause()" >/dev/null
	psql -d "$db" -c "CREATE TABLE bench_peer (n bigint); INSERT INTO bench_peer VALUES (0)"
	t0=$(date +%s.%N)
	warm "$db" "$WARMUP"
	psql -d "$db" -c "VACUUM ANALYZE" 2>/dev/null
	printf '\n%s ships: generated in %s ms, %s warm-up ticks in %.1f s\n' "$n" "$gen_ms" "$WARMUP" \
		"$(echo "$(date +%s.%N) - $t0" | bc -l)"

	"${as_user[@]}" "$dir/listen" "host=$host port=$port dbname=$db application_name=bench-listen" \
		sim_tick peer peer_durable >"$dir/listen.out" 2>"$dir/listen.err" &
	listener=$!
	poll=0
	until grep -q '^ready$' "$dir/listen.out" 2>/dev/null || [ $poll -ge 100 ]; do
		sleep 0.1
		poll=$((poll + 1))
	done

	# (a) the ticker; its first tick after the pause is left out (it may reload the world)
	from_tick=$(psql -d "$db" -Atc "SELECT tick FROM sim.world")
	from=$(seen)
	psql -d "$db" -c "SELECT sim.resume()" >/dev/null
	await_ticks "$from" $((COUNT + 1))
	psql -d "$db" -c "SELECT sim.pause()" >/dev/null
	sleep $(echo "$INTERVAL * 3 / 1000 + 0.5" | bc -l)
	read -r a_p50 a_p99 < <(since "$from" sim_tick | tail -n +2 | head -n "$COUNT" | percentiles)
	read -r a_ms50 a_ms99 < <(tick_ms "$((from_tick + 1))" worker)
	read -r a_w50 a_w99 < <(from_work_end "$from")
	read -r pa_p50 pa_p99 < <(peer peer)
	read -r da_p50 da_p99 < <(peer peer_durable)

	# (b) sim.step(1) from a client
	from_tick=$(psql -d "$db" -Atc "SELECT tick FROM sim.world")
	from=$(seen)
	(cd "$dir" && pgbench -n -t "$COUNT" -R "$rate" -f "$dir/step.sql" "$db" >/dev/null)
	sleep 0.5
	read -r b_p50 b_p99 < <(since "$from" sim_tick | percentiles)
	read -r b_ms50 b_ms99 < <(tick_ms "$from_tick" step)
	read -r b_w50 b_w99 < <(from_work_end "$from")
	read -r pb_p50 pb_p99 < <(peer peer)
	read -r db_p50 db_p99 < <(peer peer_durable)

	kill "$listener" 2>/dev/null || true
	wait "$listener" 2>/dev/null || true
	# (runuser says "Session terminated" when the listener is stopped)
	if grep -qv -e '^Session terminated' -e '^$' "$dir/listen.err"; then
		echo "the listener complained:" >&2
		cat "$dir/listen.err" >&2
	fi

	line "commit to client, ms" p50 p99 ""
	report "(a) ticker worker" "$a_p50" "$a_p99" "$pa_p50" "$pa_p99" "$da_p50" "$da_p99" \
		"$a_w50" "$a_w99" "$a_ms50" "$a_ms99"
	report "(b) sim.step(1) from a client" "$b_p50" "$b_p99" "$pb_p50" "$pb_p99" "$db_p50" "$db_p99" \
		"$b_w50" "$b_w99" "$b_ms50" "$b_ms99"
done
