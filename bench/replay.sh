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
# Journal: BUYS sim.buy + sim.sell pairs of one unit by an operator, with
# the journal line, then the same pairs with sim.journal_write replaced by
# an empty function in a transaction that is rolled back; four rounds,
# alternating, the median of each.  Prints microseconds per command and the
# journal's share.
#
# Usage: bench/replay.sh [SHIPS:TICKS ...]    (default: 2000:200 100000:50)
# Environment (defaults in brackets):
#   BUYS [2000]       buy/sell pairs per journal round
#   BENCH_HOST, BENCH_PORT, SIM_PG_BINDIR  as in bench/lib.sh
set -euo pipefail

RUNS=("$@")
[ ${#RUNS[@]} -gt 0 ] || RUNS=(2000:200 100000:50)
BUYS=${BUYS:-2000}
here=$(cd "$(dirname "$0")" && pwd)
# shellcheck source=bench/lib.sh
. "$here/lib.sh"
bench_cluster "synchronous_commit = off"

echo "sim replay benchmark: $(nproc) cores, runs ${RUNS[*]}, journal rounds of $BUYS buy/sell pairs"
echo
printf '%-8s %-6s %14s %14s %8s %8s\n' ships ticks 'record tick/s' 'replay tick/s' ratio matched

for run in "${RUNS[@]}"; do
	n=${run%%:*}
	ticks=${run##*:}
	db=replay_$n
	newdb "$db" "$n" >/dev/null
	# four players, each docked at its own station beside a good in stock
	psql -d "$db" -c "CREATE TABLE bench_player AS
	    SELECT sim.create_player('bench ' || s.id, credits => 10000000, station => s.id) AS player, s.id AS station,
	           (SELECT k.good_id FROM sim.station_stock k WHERE k.station_id = s.id AND k.qty >= 100
	             ORDER BY k.good_id LIMIT 1) AS good
	      FROM sim.station s
	     WHERE EXISTS (SELECT 1 FROM sim.station_stock k WHERE k.station_id = s.id AND k.qty >= 100)
	     ORDER BY s.id LIMIT 4" \
		-c "ALTER TABLE bench_player ADD COLUMN ship bigint" \
		-c "UPDATE bench_player b SET ship = (SELECT s.id FROM sim.ship s JOIN sim.player p ON p.faction_id = s.faction_id
	                                         WHERE p.id = b.player)" \
		-c "GRANT SELECT ON bench_player TO PUBLIC" \
		-c "VACUUM ANALYZE"
	record_ms=$(psql -d "$db" -Atc "SELECT bench_ms(\$q\$
	    DO \$\$
	    DECLARE
	        b record;
	    BEGIN
	        FOR t IN 1..$ticks LOOP
	            FOR b IN SELECT * FROM bench_player ORDER BY player LOOP
	                PERFORM set_config('role', 'sim_player', true);
	                PERFORM set_config('request.jwt.claims', json_build_object('sub', b.player::text)::text, true);
	                IF t % 2 = 1 THEN
	                    PERFORM api.buy(b.ship, b.good, 1);
	                ELSE
	                    PERFORM api.sell(b.ship, b.good, 1);
	                END IF;
	                PERFORM set_config('role', 'none', true);
	                PERFORM set_config('request.jwt.claims', '', true);
	            END LOOP;
	            PERFORM sim.step(1);
	        END LOOP;
	    END \$\$ \$q\$)")
	psql -d "$db" -c "SELECT sim.replay_capture(0)" >/dev/null
	psql -d "$db" -c "SET client_min_messages = warning" -c "SELECT sim.generate_universe(42, 50, $n, reset => true)" \
		-c "VACUUM ANALYZE" >/dev/null
	replay_ms=$(psql -d "$db" -Atc "SELECT round(bench_ms('CREATE TABLE replay_report AS SELECT * FROM sim.replay()')::numeric, 1)")
	matched=$(psql -d "$db" -Atc "SELECT matched FROM replay_report")
	psql -d "$db" -Atc "SELECT format('%-8s %-6s %14s %14s %8s %8s', $n, $ticks,
	                                  round($ticks / ($record_ms / 1000.0), 1), round($ticks / ($replay_ms / 1000.0), 1),
	                                  round($replay_ms / $record_ms, 2), '$matched')"
	psql -d "$db" -Atc "SELECT count(*) || ' commands replayed' FROM sim.replay_journal"
done

echo
db=replay_journal
newdb "$db" 2000 >/dev/null
psql -d "$db" -c "CREATE TABLE npc AS
    SELECT s.id AS ship, k.good_id AS good FROM sim.ship s JOIN sim.station_stock k ON k.station_id = s.docked_at
     WHERE s.state = 'docked' AND k.qty >= 100 ORDER BY s.id, k.good_id LIMIT 1" \
	-c "UPDATE sim.wallet SET credits = credits + 100000000" -c "VACUUM ANALYZE"
loop="DO \$\$ DECLARE s bigint := (SELECT ship FROM npc); g integer := (SELECT good FROM npc); BEGIN
        FOR i IN 1..$BUYS LOOP PERFORM sim.buy(s, g, 1); PERFORM sim.sell(s, g, 1); END LOOP;
      END \$\$"
: >"$dir/journal.txt"
for round in 1 2 3 4; do
	with=$(psql -d "$db" -Atc "SELECT bench_ms(\$q\$$loop\$q\$)")
	without=$(psql -d "$db" -At -c "BEGIN" \
		-c "CREATE OR REPLACE FUNCTION sim.journal_write(command text, args jsonb) RETURNS void LANGUAGE sql AS ''" \
		-c "SELECT bench_ms(\$q\$$loop\$q\$)" -c "ROLLBACK")
	echo "$with $without" >>"$dir/journal.txt"
done
psql -d "$db" -c "CREATE TABLE journal_time (with_ms double precision, without_ms double precision)"
"${as_user[@]}" cat "$dir/journal.txt" | psql -d "$db" -c "COPY journal_time FROM STDIN WITH (DELIMITER ' ')"
psql -d "$db" -Atc "SELECT format('sim.buy/sim.sell, %s pairs x 4 rounds (median): %s us per command with the journal line, %s us without; the journal %s us (%s %%)',
                                  $BUYS, round(w::numeric, 1), round(wo::numeric, 1), round((w - wo)::numeric, 1),
                                  round((100 * (w - wo) / w)::numeric, 1))
                      FROM (SELECT percentile_cont(0.5) WITHIN GROUP (ORDER BY with_ms) * 1000 / (2 * $BUYS) AS w,
                                   percentile_cont(0.5) WITHIN GROUP (ORDER BY without_ms) * 1000 / (2 * $BUYS) AS wo
                              FROM journal_time) t"
