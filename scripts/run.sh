#!/usr/bin/env bash
#
# scripts/run.sh -- build sim and show a universe ticking, on a Debian 12 machine.
#
#   scripts/run.sh          set up (or reuse) the demo cluster and show it live
#   scripts/run.sh stop     stop the demo cluster (and its API server)
#
# Installs the Debian packages that are missing, builds and installs the
# extension, creates (or reuses) a local cluster with sim preloaded, creates
# database sim_demo with the extension and a generated universe, sends a few
# idle ships somewhere, starts the HTTP API server on it (scripts/api.sh,
# with a player "demo"), which also serves the browser page (docs/browser.md),
# prints the page's address and one status line a second.  The cluster and
# the API server are left running; the script ends by printing how to
# connect, where the page is and how to stop them.  When the API server
# cannot start (no npm registry, say) the demo goes on without it and says so.
#
# The page's addresses carry a token in their fragment (#token=..., which
# the browser never sends to the server): one for an operator, who sees every
# ship and the dashboard, one for player "demo".  The server accepts operator
# tokens here (SIM_API_TOKEN_ROLES=sim_player,sim_operator) and listens on
# 127.0.0.1 only; tokens are valid for SIM_DEMO_TOKEN_SECONDS (default 86400).
#
# The cluster listens on no TCP address: its socket is in its own directory
# (mode 0700, trust authentication), so only its owner can connect.  As root
# it runs as user postgres in /var/tmp/sim-demo; otherwise as the caller in
# .cluster/ of the work tree (git-ignored).
#
# Database sim_demo is demo data: it is dropped and made again when the
# extension's install script has changed since it was made (the version
# number does not change while sim is developed).
#
# Environment:
#   SIM_DEMO_DIR      cluster directory (see above for the default)
#   SIM_DEMO_PORT     port, which names the socket (default 5488)
#   SIM_DEMO_SECONDS  how long to show the live status; 0 = not at all
#                     (default: until Ctrl-C on a terminal, else 20; 20 when CI=true)
#   SIM_DEMO_SHIPS    idle ships to send to stations (default 20)
#   SIM_DEMO_API      0: do not start the API server (default 1); its own
#                     settings are scripts/api.sh's (SIM_API_PORT, default 5489)
#   SIM_DEMO_TOKEN_SECONDS  lifetime of the tokens in the page's addresses
set -euo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
repo=$(cd "$here/.." && pwd)
# shellcheck source-path=SCRIPTDIR source=lib.sh
. "$here/lib.sh"

usage()
{
	sed -n '3,41s/^# \{0,1\}//p' "${BASH_SOURCE[0]}"
}

action=${1:-run}
case $action in
run | stop) ;;
-h | --help | help)
	usage
	exit 0
	;;
*)
	usage >&2
	exit 2
	;;
esac

port=${SIM_DEMO_PORT:-5488}
ships=${SIM_DEMO_SHIPS:-20}
if ! [[ $port =~ ^[0-9]+$ ]] || [ "$port" -lt 1024 ] || [ "$port" -gt 65535 ]; then
	die "SIM_DEMO_PORT must be a port number from 1024 to 65535, not '$port'"
fi
[[ $ships =~ ^[0-9]+$ ]] || die "SIM_DEMO_SHIPS must be a number, not '$ships'"
if is_root; then
	dir=${SIM_DEMO_DIR:-/var/tmp/sim-demo}
else
	dir=${SIM_DEMO_DIR:-$repo/.cluster}
fi
[[ $dir == /* && $dir != *"'"* ]] || die "SIM_DEMO_DIR must be an absolute path without quotes, not '$dir'"
pgdata=$dir/data
pguser=$(run_user)
db=sim_demo

pg() { as_run_user "$dir" "$@"; }
pgctl() { pg pg_ctl -D "$pgdata" "$@"; }
running() { [ -f "$pgdata/PG_VERSION" ] && pgctl status >/dev/null 2>&1; }
# psql on database $1, quiet, stopping at the first error
psql_on()
{
	local d=$1
	shift
	pg psql -X -q -v ON_ERROR_STOP=1 -h "$dir" -p "$port" -U "$pguser" -d "$d" "$@"
}
# one value from a query on database $1
query() { psql_on "$1" -At -c "$2"; }

stop_server()
{
	pgctl -m fast -w -t 60 stop >/dev/null
}

# Start the server; $1, if given, is extra options for postgres.
start_server()
{
	local opts=()
	[ -z "${1:-}" ] || opts=(-o "$1")
	pgctl -l "$dir/server.log" -w -t 60 "${opts[@]}" start >/dev/null || {
		show_tail "$dir/server.log" 40
		die "the demo cluster did not start; its log is $dir/server.log"
	}
	echo "$so_sha" >"$dir/loaded-sim.so.sha256"
}

q() { printf '%q' "$1"; }

footer()
{
	local as=""
	is_root && as="runuser -u postgres -- "
	printf '\n'
	say "the demo cluster keeps running"
	note "connect:  psql -h $(q "$dir") -p $port -U $pguser -d $db"
	note "stop:     ${as}$PG_BINDIR/pg_ctl -D $(q "$pgdata") stop    (or: scripts/run.sh stop)"
	note "log:      $dir/server.log"
	if [ -n "$api_url" ]; then
		say "the API server keeps running: $api_url (GraphiQL ${api_url%/graphql}/graphiql)"
		note "token:    scripts/api.sh token $demo_player    (player \"demo\"; send it as Authorization: Bearer ...)"
		if [ -n "$page_url" ]; then
			say "the universe in a browser (docs/browser.md):"
			note "operator: $page_url#token=$operator_token"
			note "player:   $page_url#token=$player_token"
		fi
		note "stop:     scripts/api.sh stop    (or: scripts/run.sh stop)"
	fi
}
api_url=""
demo_player=""
page_url=""
operator_token=""
player_token=""

if [ "$action" = stop ]; then
	"$here/api.sh" stop || true
	if running; then
		stop_server
		say "stopped the demo cluster in $dir"
	else
		say "the demo cluster in $dir is not running"
	fi
	exit 0
fi

# ---------------------------------------------------------------- packages, build
ensure_packages
say "build: make (in $repo)"
make -C "$repo" -s -j"$(nproc)" --no-print-directory PG_CONFIG="$PG_CONFIG"
say "install: make install"
install_extension "$repo"

libdir=$("$PG_CONFIG" --pkglibdir)
sharedir=$("$PG_CONFIG" --sharedir)
version=$(sed -n "s/^default_version *= *'\(.*\)'.*/\1/p" "$sharedir/extension/sim.control")
so_sha=$(sha256sum "$libdir/sim.so" | cut -d' ' -f1)
sql_sha=$(sha256sum "$sharedir/extension/sim--$version.sql" | cut -d' ' -f1)

# ---------------------------------------------------------------- cluster
if is_root; then
	[ -d "$dir" ] || install -d -m 700 -o postgres -g postgres "$dir"
	[ "$(stat -c %U "$dir")" = postgres ] ||
		die "$dir belongs to $(stat -c %U "$dir"), not postgres; remove it or set SIM_DEMO_DIR"
	runuser -u postgres -- test -w "$dir" -a -x "$dir" ||
		die "user postgres cannot write to $dir; set SIM_DEMO_DIR to a directory it can reach"
else
	mkdir -p "$dir"
	chmod 700 "$dir"
fi

if [ ! -f "$pgdata/PG_VERSION" ]; then
	say "cluster: initdb in $pgdata (user $pguser)"
	pg initdb -D "$pgdata" --auth=trust --no-locale --encoding=UTF8 >"$dir/initdb.log" 2>&1 || {
		show_tail "$dir/initdb.log" 40
		die "initdb failed"
	}
	printf "\n# settings of scripts/run.sh\ninclude_if_exists = 'sim_demo.conf'\n" |
		pg tee -a "$pgdata/postgresql.conf" >/dev/null
else
	say "cluster: reusing $pgdata"
fi

conf="# written by scripts/run.sh on each run: change its environment, not this file
port = $port
listen_addresses = ''
unix_socket_directories = '$dir'
shared_preload_libraries = 'sim'
sim.database = '$db'
sim.tick_interval_ms = 200"
conf_changed=0
if [ "$(cat "$pgdata/sim_demo.conf" 2>/dev/null || true)" != "$conf" ]; then
	printf '%s\n' "$conf" | pg tee "$pgdata/sim_demo.conf" >/dev/null
	conf_changed=1
fi

# A running server is reused unless its settings, its library or its mode
# (a set-up left half done) differ from what is wanted.
if running; then
	why=""
	if [ "$conf_changed" = 1 ]; then
		why="settings changed"
	elif [ "$(cat "$dir/loaded-sim.so.sha256" 2>/dev/null || true)" != "$so_sha" ]; then
		why="new build of sim.so"
	elif [ "$(query postgres 'SHOW sim.database' 2>/dev/null || true)" != "$db" ]; then
		why="the ticker is not set to $db"
	fi
	if [ -n "$why" ]; then
		say "cluster: restarting ($why)"
		stop_server
	else
		say "cluster: already running"
	fi
fi

# (Re)make database sim_demo with the ticker off, so that the ticker never
# sees a half-made database.
if [ "$(cat "$dir/sim_demo.sql.sha256" 2>/dev/null || true)" != "$sql_sha" ]; then
	! running || stop_server
	start_server "-c sim.database="
	if [ "$(query postgres "SELECT count(*) FROM pg_database WHERE datname = '$db'")" != 0 ]; then
		say "database $db: the extension's install script changed; making $db again"
	fi
	say "database $db: create, CREATE EXTENSION sim CASCADE, generate a universe"
	psql_on postgres -c "SET client_min_messages = warning" \
		-c "DROP DATABASE IF EXISTS $db WITH (FORCE)" -c "CREATE DATABASE $db"
	psql_on "$db" -c "SET client_min_messages = warning" -c "CREATE EXTENSION sim CASCADE"
	psql_on "$db" -At -c "SELECT sim.generate_universe(42, 20, 5000)" >/dev/null
	echo "$sql_sha" >"$dir/sim_demo.sql.sha256"
	stop_server
fi

if ! running; then
	say "cluster: starting (port $port, socket in $dir)"
	start_server
fi

# Idempotent: each is a no-op on the usual path.
if [ "$(query postgres "SELECT count(*) FROM pg_database WHERE datname = '$db'")" = 0 ]; then
	say "database $db: creating"
	psql_on postgres -c "CREATE DATABASE $db"
fi
psql_on "$db" -c "SET client_min_messages = warning" -c "CREATE EXTENSION IF NOT EXISTS sim CASCADE"
if [ "$(query "$db" 'SELECT sim.universe_exists()')" != t ]; then
	say "database $db: generating a universe"
	psql_on "$db" -At -c "SELECT sim.generate_universe(42, 20, 5000)" >/dev/null
fi
say "universe: $(query "$db" "SELECT format('%s sectors, %s stations, %s ships (%s idle, %s docked)',
	(SELECT count(*) FROM sim.sector), (SELECT count(*) FROM sim.station),
	count(*), count(*) FILTER (WHERE state = 'idle'), count(*) FILTER (WHERE state = 'docked'))
	FROM sim.ship")"

# ---------------------------------------------------------------- API server
# Started again on every run (the database may have been made again); a
# failure leaves the demo without HTTP, never stops it.
if [ "${SIM_DEMO_API:-1}" != 0 ]; then
	if [ "$(query "$db" "SELECT to_regprocedure('sim.create_player(text,name,bigint,integer,integer)') IS NOT NULL
	                      AND to_regnamespace('api') IS NOT NULL")" = t ]; then
		demo_player=$(query "$db" "SELECT coalesce((SELECT id FROM sim.player WHERE name = 'demo'),
		                                           sim.create_player('demo'))")
		"$here/api.sh" stop >/dev/null 2>&1 || true
		if api_out=$(SIM_API_PGHOST=${SIM_API_PGHOST:-$dir} SIM_API_PGPORT=${SIM_API_PGPORT:-$port} \
			SIM_API_DB=${SIM_API_DB:-$db} SIM_API_TOKEN_ROLES=${SIM_API_TOKEN_ROLES:-sim_player,sim_operator} \
			"$here/api.sh" start 2>&1); then
			printf '%s\n' "$api_out"
			api_url=$(sed -n 's/.*GraphQL: *POST \(http[^ ]*\).*/\1/p' <<<"$api_out" | head -n 1)
			token_seconds=${SIM_DEMO_TOKEN_SECONDS:-86400}
			[[ $token_seconds =~ ^[0-9]+$ ]] || die "SIM_DEMO_TOKEN_SECONDS must be a number, not '$token_seconds'"
			if [ -n "$api_url" ] && [ -f "$repo/web/public/index.html" ] &&
				operator_token=$("$here/api.sh" token 0 sim_operator "$token_seconds") &&
				player_token=$("$here/api.sh" token "$demo_player" sim_player "$token_seconds"); then
				page_url=${api_url%/graphql}/
				say "the universe in a browser: $page_url#token=$operator_token"
				note "(an operator's view; player \"demo\": $page_url#token=$player_token)"
			fi
		else
			printf '%s\n' "$api_out" | tail -n 15 >&2
			warn "the API server did not start (see above); the demo goes on without HTTP -- scripts/api.sh starts it alone"
		fi
	else
		say "API server: not started (this build has no api schema or sim.create_player)"
	fi
fi

# ---------------------------------------------------------------- live
if [ -n "${SIM_DEMO_SECONDS:-}" ]; then
	seconds=$SIM_DEMO_SECONDS
	[[ $seconds =~ ^[0-9]+$ ]] || die "SIM_DEMO_SECONDS must be a number, not '$seconds'"
elif [ "${CI:-}" = true ] || [ ! -t 0 ]; then
	seconds=20
else
	seconds=-1 # until Ctrl-C
fi

if [ "$(query "$db" "SELECT to_regclass('sim.status') IS NOT NULL")" != t ]; then
	say "ticking is not available in this build (there is no view sim.status yet); the universe:"
	psql_on "$db" -c "
		SELECT c.relname AS \"table\",
		       (xpath('/row/n/text()',
		              query_to_xml(format('SELECT count(*) AS n FROM sim.%I', c.relname),
		                           false, true, '')))[1]::text::bigint AS \"rows\"
		  FROM pg_class c
		 WHERE c.relnamespace = 'sim'::regnamespace AND c.relkind IN ('r', 'p')
		   AND NOT c.relispartition
		 ORDER BY 1"
	footer
	exit 0
fi

if [ "$ships" -gt 0 ] && [ "$(query "$db" "SELECT count(*) FROM pg_proc
		WHERE pronamespace = 'sim'::regnamespace AND proname = 'navigate'")" != 0 ]; then
	# A ship that refuses (no fuel, no route, ...) is skipped.
	psql_on "$db" -c "
		DO \$\$
		DECLARE
		    s       record;
		    sent    integer := 0;
		    refused integer := 0;
		    err     text;
		BEGIN
		    FOR s IN SELECT sh.id,
		                    (SELECT st.id FROM sim.station st
		                      WHERE st.sector_id = sh.sector_id ORDER BY random() LIMIT 1) AS station
		               FROM sim.ship sh
		              WHERE sh.state = 'idle'
		              ORDER BY random() LIMIT $ships
		    LOOP
		        CONTINUE WHEN s.station IS NULL;
		        BEGIN
		            PERFORM sim.navigate(s.id, 'station:' || s.station);
		            sent := sent + 1;
		        EXCEPTION WHEN OTHERS THEN
		            refused := refused + 1;
		            err := SQLERRM;
		        END;
		    END LOOP;
		    RAISE NOTICE 'sent % idle ships to stations of their sectors; % refused%',
		        sent, refused, coalesce(' (last: ' || err || ')', '');
		END
		\$\$" 2>&1 | sed 's/^NOTICE: */==> /' || warn "could not send ships"
fi

# One line per second.  sim.status is read through to_jsonb, so a column it
# lacks shows as '-' rather than failing; arrivals and trades are those of the
# ticks since the previous line (tick > :last), from sim.tick_log and
# sim.trade if there are such tables.  The economy part shows what the ships
# are doing and the price of one market: the one whose trades of the last
# 600 ticks moved the most units against its target (so its price moves),
# else fuel at the first station.
has_tick_log=0
if query "$db" "SELECT tick, arrivals FROM sim.tick_log LIMIT 0" >/dev/null 2>&1; then
	has_tick_log=1
fi
has_changes=0
if query "$db" "SELECT 1 FROM sim.change LIMIT 0" >/dev/null 2>&1; then
	has_changes=1
fi
has_economy=0
watch_station="" watch_good=""
if query "$db" "SELECT 1 FROM sim.trade, sim.market LIMIT 0" >/dev/null 2>&1; then
	has_economy=1
	read -r watch_station watch_good < <(query "$db" "
		SELECT station_id || ' ' || good_id FROM (
		    (SELECT t.station_id, t.good_id, 0 AS pref, sum(t.qty)::float8 / min(k.target) AS n
		       FROM sim.trade t
		       JOIN sim.station_stock k ON k.station_id = t.station_id AND k.good_id = t.good_id
		      WHERE t.kind = 'market' AND t.tick > (SELECT tick FROM sim.world) - 600
		      GROUP BY 1, 2 ORDER BY n DESC, 1, 2 LIMIT 1)
		    UNION ALL
		    (SELECT m.station_id, m.good_id, 1, 0 FROM sim.market m
		      ORDER BY (m.good = 'fuel') DESC, m.station_id, m.good_id LIMIT 1)) w
		 ORDER BY pref LIMIT 1" 2>/dev/null || true) || true
	[[ $watch_station =~ ^[0-9]+$ && $watch_good =~ ^[0-9]+$ ]] || has_economy=0
fi
# Prints "<tick>|<bid>|<line>" for the previous tick $1 and bid $2 (empty at first).
status_line()
{
	local last=$1 last_bid=$2 arrivals="'-'" economy="''" trades="'-'" bid="''" changes="''"
	if [ "$has_tick_log" = 1 ] && [ -n "$last" ]; then
		arrivals="(SELECT coalesce(sum(arrivals), 0) FROM sim.tick_log
		            WHERE tick > $last AND tick <= (j->>'tick')::bigint)::text"
	fi
	if [ "$has_changes" = 1 ] && [ -n "$last" ]; then
		changes="(SELECT '  changes ' || count(*) FROM sim.change
		           WHERE tick > $last AND tick <= (j->>'tick')::bigint)"
	fi
	if [ "$has_economy" = 1 ]; then
		if [ -n "$last" ]; then
			trades="(SELECT format('%s (%s units)', count(*), coalesce(sum(t.qty), 0)) FROM sim.trade t
			          WHERE t.tick > $last AND t.tick <= (j->>'tick')::bigint)"
		fi
		bid="coalesce((SELECT m.bid::text FROM sim.market m
		                WHERE m.station_id = $watch_station AND m.good_id = $watch_good), '')"
		economy="(SELECT format('  at stations %s (%s docked)  mining %s  trades %s  %s at station %s: %s/%s%s',
		                        count(*) FILTER (WHERE sh.state IN ('docked', 'docking', 'undocking')),
		                        count(*) FILTER (WHERE sh.state = 'docked'),
		                        count(*) FILTER (WHERE sh.state = 'mining'),
		                        $trades, m.good, m.station_id, m.bid, m.ask,
		                        CASE WHEN '$last_bid' = '' THEN ''
		                             WHEN m.bid > '${last_bid:-0}'::bigint THEN ' (+' || (m.bid - '${last_bid:-0}'::bigint) || ')'
		                             WHEN m.bid < '${last_bid:-0}'::bigint THEN ' (' || (m.bid - '${last_bid:-0}'::bigint) || ')'
		                             ELSE ' (=)' END)
		            FROM sim.ship sh
		            LEFT JOIN sim.market m ON m.station_id = $watch_station AND m.good_id = $watch_good
		           GROUP BY m.good, m.station_id, m.bid, m.ask)"
	fi
	query "$db" "
SELECT coalesce(j->>'tick', ''), $bid,
       format('%s  tick %s  flying %s  arrivals %s%s%s  tick p50 %s ms  p99 %s ms  lag %s ms%s%s',
              to_char(clock_timestamp(), 'HH24:MI:SS'),
              coalesce(j->>'tick', '-'), coalesce(j->>'ships_in_flight', '-'), $arrivals,
              coalesce($economy, ''), coalesce($changes, ''),
              coalesce(round((j->>'tick_ms_p50')::numeric, 2)::text, '-'),
              coalesce(round((j->>'tick_ms_p99')::numeric, 2)::text, '-'),
              coalesce(round((j->>'lag_ms')::numeric, 1)::text, '-'),
              CASE WHEN (j->>'paused')::boolean THEN '  PAUSED' ELSE '' END,
              coalesce('  last error: ' || (j->>'last_error'), ''))
  FROM (SELECT 1) AS one
  LEFT JOIN (SELECT to_jsonb(s) AS j FROM sim.status AS s LIMIT 1) AS status ON true"
}

if [ "$seconds" -ne 0 ]; then
	if [ "$seconds" -gt 0 ]; then
		say "live, one line a second for $seconds s (arrivals, trades, price move, changes: since the line before):"
	else
		say "live, one line a second until Ctrl-C (arrivals, trades, price move, changes: since the line before):"
	fi
	interrupted=0
	trap 'interrupted=1' INT
	end=$((SECONDS + seconds))
	last="" last_bid=""
	while [ "$interrupted" = 0 ] && { [ "$seconds" -lt 0 ] || [ "$SECONDS" -lt "$end" ]; }; do
		if out=$(status_line "$last" "$last_bid" 2>&1); then
			if [[ ${out%%|*} =~ ^[0-9]+$ ]]; then last=${out%%|*}; fi
			out=${out#*|}
			if [[ ${out%%|*} =~ ^[0-9]+$ ]]; then last_bid=${out%%|*}; fi
			printf '%s\n' "${out#*|}"
		else
			[ "$interrupted" = 0 ] || break
			printf '%s  status unavailable: %s\n' "$(date +%H:%M:%S)" "${out#*ERROR:  }"
		fi
		sleep 1 || true
	done
	trap - INT
fi
footer
