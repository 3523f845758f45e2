#!/usr/bin/env bash
#
# scripts/api.sh -- serve a sim database over HTTP: GraphQL (PostGraphile v5)
# over its api schema, with JWT authentication (docs/api.md), and the page
# (web/public, bundled by web/build.mjs before the server starts).
#
#   scripts/api.sh [start]    start the server in the background, print its URLs
#   scripts/api.sh run        run it in the foreground (Ctrl-C stops it)
#   scripts/api.sh stop       stop the background server
#   scripts/api.sh status     say whether it runs, and where
#   scripts/api.sh token ID [ROLE] [SECONDS]
#                             print a JWT for player ID (role sim_player,
#                             valid 3600 s), signed with the server's secret
#
# Installs npm from Debian when the machine has none and the web side's
# packages from web/package-lock.json (npm ci), the Node that runs it
# included.  By default it serves database sim_demo of scripts/run.sh's
# cluster, and creates there the login role the server connects as
# (authenticator: NOINHERIT, granted sim_anon, sim_player and sim_operator).
# The server runs as the calling user and listens on 127.0.0.1 only.
#
# Environment:
#   SIM_API_DATABASE_URL  connection string to use as is (no role is created)
#   SIM_API_PGHOST        socket directory (default: scripts/run.sh's cluster dir)
#   SIM_API_PGPORT        its port (default SIM_DEMO_PORT or 5488)
#   SIM_API_DB            database (default sim_demo)
#   SIM_API_ROLE          login role of the server (default authenticator)
#   SIM_API_PORT          HTTP port (default 5489; 0 picks a free one)
#   SIM_API_HOST          HTTP address (default 127.0.0.1)
#   SIM_JWT_SECRET        HS256 secret, >= 32 characters (default: one made once
#                         and kept in the state directory, printed on start)
#   SIM_API_TOKEN_ROLES   roles a token may take (default sim_player)
#   SIM_API_STATE         directory of the pid file, log and secret
#                         (default /var/tmp/sim-api as root, else .api/ here)
set -euo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
repo=$(cd "$here/.." && pwd)
# shellcheck source-path=SCRIPTDIR source=lib.sh
. "$here/lib.sh"
web=$repo/web

usage()
{
	sed -n '3,38s/^# \{0,1\}//p' "${BASH_SOURCE[0]}"
}

action=${1:-start}
case $action in
start | run | stop | status | token) ;;
-h | --help | help)
	usage
	exit 0
	;;
*)
	usage >&2
	exit 2
	;;
esac

if is_root; then
	state=${SIM_API_STATE:-/var/tmp/sim-api}
	demo_dir=${SIM_DEMO_DIR:-/var/tmp/sim-demo}
else
	state=${SIM_API_STATE:-$repo/.api}
	demo_dir=${SIM_DEMO_DIR:-$repo/.cluster}
fi
pghost=${SIM_API_PGHOST:-$demo_dir}
pgport=${SIM_API_PGPORT:-${SIM_DEMO_PORT:-5488}}
db=${SIM_API_DB:-sim_demo}
login=${SIM_API_ROLE:-authenticator}
http_port=${SIM_API_PORT:-5489}
http_host=${SIM_API_HOST:-127.0.0.1}
pidfile=$state/api.pid
logfile=$state/api.log

if ! [[ $http_port =~ ^[0-9]+$ ]] || [ "$http_port" -gt 65535 ]; then
	die "SIM_API_PORT must be a port number (0 for any free one), not '$http_port'"
fi
[[ $login =~ ^[a-z_][a-z0-9_]*$ ]] || die "SIM_API_ROLE must be a plain lower-case role name, not '$login'"
[[ $db =~ ^[A-Za-z_][A-Za-z0-9_]*$ ]] || die "SIM_API_DB must be a plain database name, not '$db'"

mkdir -p "$state"
chmod 700 "$state"

running_pid()
{
	local pid
	pid=$(cat "$pidfile" 2>/dev/null || true)
	[[ $pid =~ ^[0-9]+$ ]] && kill -0 "$pid" 2>/dev/null && echo "$pid"
}

# Sets secret: SIM_JWT_SECRET, else the one kept in $state, else a new one
# kept there; secret_origin says which.
load_secret()
{
	if [ -n "${SIM_JWT_SECRET:-}" ]; then
		secret=$SIM_JWT_SECRET secret_origin=environment
		return
	fi
	secret_origin="kept in $state/jwt-secret"
	if [ ! -s "$state/jwt-secret" ]; then
		(umask 077 && head -c 48 /dev/urandom | base64 | tr -d '\n=+/' >"$state/jwt-secret")
		secret_origin="generated, kept in $state/jwt-secret"
	fi
	secret=$(cat "$state/jwt-secret")
}

case $action in
stop)
	if pid=$(running_pid); then
		kill -TERM "$pid"
		for _ in $(seq 100); do
			kill -0 "$pid" 2>/dev/null || break
			sleep 0.1
		done
		if kill -0 "$pid" 2>/dev/null; then
			warn "the API server (pid $pid) did not stop in 10 s; killing it"
			kill -KILL "$pid" 2>/dev/null || true
		fi
		rm -f "$pidfile"
		say "stopped the API server (pid $pid)"
	else
		say "the API server is not running"
	fi
	exit 0
	;;
status)
	if pid=$(running_pid); then
		say "the API server runs (pid $pid): $(grep -o 'listening on .*' "$logfile" | tail -n 1)"
	else
		say "the API server is not running"
		exit 1
	fi
	exit 0
	;;
token)
	player=${2:-}
	role=${3:-sim_player}
	ttl=${4:-3600}
	[[ $player =~ ^[0-9]+$ ]] || die "usage: scripts/api.sh token PLAYER_ID [ROLE] [SECONDS]"
	[[ $ttl =~ ^[0-9]+$ ]] || die "SECONDS must be a number, not '$ttl'"
	node=$(web_node "$web")
	[ -x "$node" ] || die "the web side is not installed; run scripts/api.sh first"
	load_secret
	SIM_JWT_SECRET=$secret exec "$node" "$web/token.mjs" "$player" "$role" "$ttl"
	;;
esac

# ---------------------------------------------------------------- start, run
if [ "$action" = start ] && pid=$(running_pid); then
	say "the API server already runs (pid $pid): $(grep -o 'listening on .*' "$logfile" | tail -n 1)"
	note "stop: scripts/api.sh stop"
	exit 0
fi

is_root && ensure_npm
command -v npm >/dev/null 2>&1 || die "npm is missing: run this script as root once (it installs Debian's npm), or install Node.js with npm"
web_deps "$web" || die "could not install the web side's packages (npm ci in $web failed; is the npm registry reachable?)"
node=$(web_node "$web")
# the page: web/public/app and its imports bundled into web/public/dist
"$node" "$web/build.mjs" || die "could not bundle the page (web/build.mjs failed, see above)"

if [ -n "${SIM_API_DATABASE_URL:-}" ]; then
	url=$SIM_API_DATABASE_URL
else
	[[ $pghost =~ ^/[A-Za-z0-9/._-]*$ ]] ||
		die "SIM_API_PGHOST must be a socket directory (absolute path of letters, digits, / . _ -), not '$pghost'"
	[[ $pgport =~ ^[0-9]+$ ]] || die "SIM_API_PGPORT must be a port number, not '$pgport'"
	[ -S "$pghost/.s.PGSQL.$pgport" ] ||
		die "no PostgreSQL listens at $pghost port $pgport; start one (scripts/run.sh) or set SIM_API_PGHOST/SIM_API_PGPORT/SIM_API_DB"
	# The login role the server connects as: it can become each of the three
	# roles but has no rights of its own (NOINHERIT).
	as_run_user / psql -X -q -v ON_ERROR_STOP=1 -h "$pghost" -p "$pgport" -d "$db" -c "SET client_min_messages = warning" -c "
		DO \$\$ BEGIN
		    IF NOT EXISTS (SELECT FROM pg_catalog.pg_roles WHERE rolname = '$login') THEN
		        CREATE ROLE $login LOGIN NOINHERIT;
		    END IF;
		END \$\$;
		GRANT sim_anon, sim_player, sim_operator TO $login;" >/dev/null ||
		die "could not create role $login in database $db (is extension sim installed there?)"
	url="postgres://$login@/$db?host=$pghost&port=$pgport"
fi

load_secret
export SIM_API_DATABASE_URL=$url SIM_JWT_SECRET=$secret SIM_API_PORT=$http_port SIM_API_HOST=$http_host
export GRAPHILE_ENV=${GRAPHILE_ENV:-production}

if [ "$action" = run ]; then
	say "API server: database $db as $login, Ctrl-C stops it"
	exec "$node" "$web/server.mjs"
fi

: >"$logfile"
setsid "$node" "$web/server.mjs" >>"$logfile" 2>&1 </dev/null &
pid=$!
echo "$pid" >"$pidfile"
# ready when it says where it listens (it builds the schema first)
line=""
for _ in $(seq 600); do
	line=$(grep -o 'listening on .*' "$logfile" || true)
	[ -z "$line" ] || break
	kill -0 "$pid" 2>/dev/null || break
	sleep 0.1
done
if [ -z "$line" ]; then
	kill -TERM "$pid" 2>/dev/null || true
	rm -f "$pidfile"
	show_tail "$logfile" 30
	die "the API server did not start; its log is $logfile"
fi
graphql=$(sed -n 's/.*listening on \([^ ]*\).*/\1/p' "$logfile" | tail -n 1)
say "API server (pid $pid): $line"
note "GraphQL:   POST $graphql"
note "GraphiQL:  ${graphql%/graphql}/graphiql"
note "database:  $db as role $login"
[ "$secret_origin" = environment ] || note "JWT secret: $secret  ($secret_origin)"
note "a player's token: scripts/api.sh token <player id>   (sim.create_player makes players)"
note "log: $logfile    stop: scripts/api.sh stop"
