#!/usr/bin/env bash
# bench/replay.sh -- replay speed beside the run it replays, and the cost of
# the journal line on sim.buy, each measured beside its peer in the same run.
#
# Replay: a universe of SHIPS ships with four players is recorded for TICKS
# ticks -- before each tick every player buys or sells one unit at its
# station through api (as sim_player with a JWT's claims), then
# sim.step(1), all in one transaction as sim.replay runs -- then the
# recording is taken (sim.replay_capture(0)), the same seed is generated
# again and sim.replay() re-applies it.  Prints both runs' ticks per second
# and their ratio, and whether every tick matched.
#
# Journal: BUYS sim.buy + sim.sell pairs of one unit by an operator for an
# NPC ship, each command its own transaction, with the functions timed
# (track_functions): the commands' time beside the time of their journal
# line (sim.journal_write) within it, measured in the same calls.  Prints
# microseconds per command and the journal's share.
#
# Usage: bench/replay.sh [SHIPS:TICKS ...]    (default: 2000:200 100000:50)
# Environment (defaults in brackets):
#   ROUNDS [2]        recorded runs and replays per size (medians printed)
#   BUYS [500]         buy/sell pairs per journal round
#   BENCH_HOST, BENCH_PORT, SIM_PG_BINDIR  as in bench/lib.sh
set -euo pipefail

RUNS=("$@")
[ ${#RUNS[@]} -gt 0 ] || RUNS=(2000:200 100000:50)
BUYS=${BUYS:-500}
ROUNDS=${ROUNDS:-2}
here=$(cd "$(dirname "$0")" && pwd)
# shellcheck source=bench/lib.sh
. "$here/lib.sh"
bench_cluster "synchronous_commit = off"

echo "sim replay benchmark: $(nproc) cores, runs ${RUNS[*]}, journal rounds of $BUYS buy/sell pairs"
echo
# The same universe again, with four players, each docked at its own
# station beside a good in stock (in the recorded run, the operator's
# create_player calls are part of the run): fresh (db, ships)
fresh() {
	psql -d "$1" -c "SET client_min_messages = warning" -c "SELECT sim.generate_universe(42, 50, $2, reset => true)" \
		-c "DROP TABLE IF EXISTS bench_station" \
		-c "CREATE TABLE bench_station AS
		    SELECT s.id AS station, (SELECT k.good_id FROM sim.station_stock k WHERE k.station_id = s.id AND k.qty >= 100
		                              ORDER BY k.good_id LIMIT 1) AS good
		      FROM sim.station s
		     WHERE EXISTS (SELECT 1 FROM sim.station_stock k WHERE k.station_id = s.id AND k.qty >= 100)
		     ORDER BY s.id LIMIT 4" \
		-c "GRANT SELECT ON bench_station TO PUBLIC" -c "VACUUM ANALYZE" >/dev/null
}

printf '%-8s %-6s %14s %14s %8s %8s\n' ships ticks 'record tick/s' 'replay tick/s' ratio matched

for run in "${RUNS[@]}"; do
	n=${run%%:*}
	ticks=${run##*:}
	db=replay_$n
	newdb "$db" 1000 >/dev/null
	# tick 1: the players join; then before each tick each buys or sells
	record="DO \$\$
	    DECLARE
	        r record;
	    BEGIN
	        CREATE TEMP TABLE bench_player ON COMMIT DROP AS
	        SELECT sim.create_player('bench ' || s.station, credits => 10000000, station => s.station) AS player, s.good
	          FROM bench_station s ORDER BY s.station;
	        ALTER TABLE bench_player ADD COLUMN ship bigint;
	        UPDATE bench_player b SET ship = (SELECT s.id FROM sim.ship s JOIN sim.player p ON p.faction_id = s.faction_id
	                                           WHERE p.id = b.player);
	        GRANT SELECT ON bench_player TO PUBLIC;
	        FOR t IN 1..$ticks LOOP
	            FOR r IN SELECT * FROM bench_player ORDER BY player LOOP
	                PERFORM set_config('role', 'sim_player', true);
	                PERFORM set_config('request.jwt.claims', json_build_object('sub', r.player::text)::text, true);
	                IF t % 2 = 1 THEN
	                    PERFORM api.buy(r.ship, r.good, 1);
	                ELSE
	                    PERFORM api.sell(r.ship, r.good, 1);
	                END IF;
	                PERFORM set_config('role', 'none', true);
	                PERFORM set_config('request.jwt.claims', '', true);
	            END LOOP;
	            PERFORM sim.step(1);
	        END LOOP;
	    END \$\$"
	# ROUNDS rounds of: the same seed, the recorded run (timed); the same
	# seed, its replay (timed).  The recording is the first round's.
	: >"$dir/rounds.txt"
	for round in $(seq "$ROUNDS"); do
		fresh "$db" "$n"
		record_ms=$(psql -d "$db" -Atc "SELECT bench_ms(\$q\$$record\$q\$)")
		[ "$round" -gt 1 ] || psql -d "$db" -c "SELECT sim.replay_capture(0)" >/dev/null
		fresh "$db" "$n"
		replay_ms=$(psql -d "$db" -Atc "SELECT bench_ms('CREATE TABLE replay_report AS SELECT * FROM sim.replay()')")
		matched=$(psql -d "$db" -Atc "SELECT matched FROM replay_report" -c "DROP TABLE replay_report")
		echo "$record_ms $replay_ms $matched" >>"$dir/rounds.txt"
	done
	psql -d "$db" -c "CREATE TEMP TABLE r (record_ms float8, replay_ms float8, matched boolean)" \
		-c "\\copy r FROM '$dir/rounds.txt' WITH (DELIMITER ' ')" \
		-Atc "SELECT format('%-8s %-6s %14s %14s %8s %8s', $n, $ticks,
		                    round(($ticks / (percentile_cont(0.5) WITHIN GROUP (ORDER BY record_ms) / 1000))::numeric, 1),
		                    round(($ticks / (percentile_cont(0.5) WITHIN GROUP (ORDER BY replay_ms) / 1000))::numeric, 1),
		                    round((percentile_cont(0.5) WITHIN GROUP (ORDER BY replay_ms)
		                           / percentile_cont(0.5) WITHIN GROUP (ORDER BY record_ms))::numeric, 2),
		                    bool_and(matched))
		        FROM r"
	psql -d "$db" -Atc "SELECT count(*) || ' commands replayed per round' FROM sim.replay_journal"
done

echo
db=replay_journal
newdb "$db" 2000 >/dev/null
psql -d "$db" -c "CREATE TABLE npc AS
    SELECT s.id AS ship, k.good_id AS good FROM sim.ship s JOIN sim.station_stock k ON k.station_id = s.docked_at
     WHERE s.state = 'docked' AND k.qty >= 100 ORDER BY s.id, k.good_id LIMIT 1" \
	-c "UPDATE sim.wallet SET credits = credits + 100000000" -c "VACUUM ANALYZE"
ship=$(psql -d "$db" -Atc "SELECT ship FROM npc")
good=$(psql -d "$db" -Atc "SELECT good FROM npc")
# one session, each command its own transaction, every function timed
{
	echo "SET track_functions = 'all';"
	for _ in $(seq "$BUYS"); do
		echo "SELECT sim.buy($ship, $good, 1); SELECT sim.sell($ship, $good, 1);"
	done
	echo "SELECT pg_stat_force_next_flush();"
} >"$dir/buy.sql"
chmod 644 "$dir/buy.sql"
psql -d "$db" -o /dev/null -f "$dir/buy.sql"
sleep 1
psql -d "$db" -Atc "SELECT format('sim.buy + sim.sell, one transaction each, %s pairs: %s us per command (the functions'' time), of which the journal line %s us (%s %%)',
                                  $BUYS, round(c::numeric, 1), round(j::numeric, 1), round((100 * j / c)::numeric, 1))
                      FROM (SELECT sum(total_time) FILTER (WHERE funcname IN ('buy', 'sell')) * 1000 / (2 * $BUYS) AS c,
                                   sum(total_time) FILTER (WHERE funcname = 'journal_write') * 1000 / (2 * $BUYS) AS j
                              FROM pg_stat_user_functions WHERE schemaname = 'sim') t"
