#!/usr/bin/env bash
#
# test/upgrade/run.sh -- the upgrade suite: every frozen release of sim,
# upgraded with a live universe to the version built here, must equal a
# fresh install of that version (docs/releasing.md).
#
# Needs the built and installed extension (make && make install) of this
# tree; runs as the user that owns its clusters (not root: scripts/test.sh
# runs it as postgres).  Starts two throwaway clusters, "old" (releases
# installed and upgraded) and "new" (fresh installs), so that the roles the
# extension creates are compared too.  For each release P in sql/release
# (oldest first; P may be the version built, upgraded to itself):
#   1. an empty database: CREATE EXTENSION sim VERSION 'P', ALTER EXTENSION
#      sim UPDATE; its catalog and every member table's rows and sequence
#      value (catalog.sql, data=on) equal a fresh install's;
#   2. a live database: CREATE EXTENSION sim VERSION 'P', a universe with
#      players, trades and 150 ticks (before.sql), ALTER EXTENSION sim
#      UPDATE; its catalog (catalog.sql) equals a fresh install's;
#   3. its pg_dump restored into a fresh install of this version (cluster
#      "new"); both run the same commands and 101 ticks (after.sql) and must
#      agree on every tick's state hash and every table's digest, with
#      sim.audit() empty on both (universe.sql).
# Then the self-test, so that the comparisons cannot pass by comparing
# nothing: every mutation in test/upgrade/mutations (a forgotten ALTER, one
# per file) applied to the upgraded empty database must make step 1 fail,
# a built script one line longer must fail test/check_release.sh (while
# this version is frozen), and diverge.sql applied to a copy of the
# upgraded universe must make step 3 fail.
#
# Prints one line per check and "upgrade: N checks passed, M failed"; a step
# that fails (an install, the workload, the dump) is a failed check with the
# tail of its log, and the suite goes on with the next release.  Exits 1 if
# any check failed.  Environment: SIM_PG_BINDIR as for scripts/test.sh;
# SIM_UPGRADE_KEEP=1 keeps the work directory (clusters, logs, catalogs).
set -euo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
repo=$(cd "$here/../.." && pwd)
# shellcheck source-path=SCRIPTDIR source=../../scripts/lib.sh
. "$repo/scripts/lib.sh"

is_root && die "PostgreSQL refuses root: run as the clusters' owner, e.g. runuser -u postgres -- $0"
command -v initdb >/dev/null 2>&1 || die "no initdb in $PG_BINDIR (set SIM_PG_BINDIR)"

version=$(sed -n "s/^default_version = '\(.*\)'$/\1/p" "$repo/sim.control")
[ -n "$version" ] || die "no default_version in $repo/sim.control"
built=$repo/sim--$version.sql
[ -f "$built" ] || die "$built is not built: run make"

passed=0
failed=0
ok()   { passed=$((passed + 1)); printf 'ok     %s\n' "$*"; }
fail() { failed=$((failed + 1)); printf 'FAILED %s\n' "$*"; }

# ---------------------------------------------------------------- the scripts
if (cd "$repo" && test/check_release.sh "$version" "sim--$version.sql"); then
	ok "the frozen scripts agree with the build (test/check_release.sh)"
else
	fail "the frozen scripts agree with the build (test/check_release.sh)"
fi
mapfile -t releases < <(find "$repo/sql/release" -maxdepth 1 -name 'sim--*.sql' |
	sed -n 's|^.*/sim--\([0-9][0-9.]*\)\.sql$|\1|p' | sort -V)
[ "${#releases[@]}" -gt 0 ] || die "no frozen release in sql/release"

# The installed scripts must be this tree's, or the suite would test another build.
extdir=$("$PG_CONFIG" --sharedir)/extension
stale=()
cmp -s "$repo/sim.control" "$extdir/sim.control" || stale+=(sim.control)
cmp -s "$built" "$extdir/sim--$version.sql" || stale+=("sim--$version.sql")
for p in "${releases[@]}"; do
	[ "$p" = "$version" ] && continue
	cmp -s "$repo/sql/release/sim--$p.sql" "$extdir/sim--$p.sql" || stale+=("sim--$p.sql")
done
for f in "$repo"/sql/sim--*--*.sql; do
	[ -e "$f" ] || continue
	cmp -s "$f" "$extdir/$(basename "$f")" || stale+=("$(basename "$f")")
done
[ "${#stale[@]}" -eq 0 ] || die "installed in $extdir differ from this tree: ${stale[*]} -- run make install"

# ---------------------------------------------------------------- clusters
work=$(mktemp -d "${TMPDIR:-/tmp}/sim-upgrade.XXXXXX")
started=()
cleanup()
{
	local rc=$? c
	for c in "${started[@]}"; do
		pg_ctl -D "$c/data" -m immediate -w stop >/dev/null 2>&1 || true
	done
	if [ "${SIM_UPGRADE_KEEP:-0}" = 1 ]; then
		note "kept $work"
	else
		rm -rf "$work"
	fi
	exit "$rc"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

# Make and start cluster $1 (a directory under $work) on port $2.
start_cluster()
{
	local dir=$work/$1 port=$2
	mkdir -m 700 "$dir"
	initdb -D "$dir/data" --auth=trust --no-locale --encoding=UTF8 --no-sync >"$dir/initdb.log" 2>&1 ||
		{ show_tail "$dir/initdb.log" 40 >&2; return 1; }
	cat >>"$dir/data/postgresql.conf" <<-EOF
		port = $port
		listen_addresses = ''
		unix_socket_directories = '$dir'
		shared_preload_libraries = 'sim'
		sim.database = ''
		fsync = off
		synchronous_commit = off
		full_page_writes = off
	EOF
	pg_ctl -D "$dir/data" -l "$dir/server.log" -w -t 60 start >/dev/null ||
		{ show_tail "$dir/server.log" 40 >&2; return 1; }
}
say "upgrade: clusters in $work"
old_port=$((20000 + RANDOM % 15000))
new_port=$((35000 + RANDOM % 15000))
started=("$work/old" "$work/new")
start_cluster old "$old_port" & old_pid=$!
start_cluster new "$new_port" & new_pid=$!
wait "$old_pid" || die "cluster old did not start"
wait "$new_pid" || die "cluster new did not start"

# psql on cluster $1 (old|new), database $2, then psql's arguments.
q()
{
	local c=$1 db=$2 port
	shift 2
	if [ "$c" = old ]; then port=$old_port; else port=$new_port; fi
	psql -X -q -v ON_ERROR_STOP=1 -h "$work/$c" -p "$port" -d "$db" "$@"
}
# Write cluster $1 database $2's catalog (catalog.sql; $3 = data on|off) to file $4.
catalog() { q "$1" "$2" -v data="$3" -f "$here/catalog.sql" >"$4"; }
# Compare files $2 (expected) and $3; check $1 passes when they are equal.
same()
{
	local what=$1 a=$2 b=$3
	if cmp -s "$a" "$b"; then
		ok "$what"
	else
		fail "$what:"
		diff -u --label fresh --label upgraded "$a" "$b" | head -n 60 | sed 's/^/       /'
	fi
}
# Run the rest of the arguments, their output in log $2; when they fail,
# check $1 fails with the log's tail.
step()
{
	local what=$1 log=$2
	shift 2
	if "$@" >"$log" 2>&1; then
		return 0
	fi
	fail "$what:"
	tail -n 15 "$log" | sed 's/^/       /'
	return 1
}
# The first line where files $1 and $2 differ, or nothing.
first_difference()
{
	{ diff "$1" "$2" || true; } | sed -n 's/^[<>] //p' | head -n 1
}

# ---------------------------------------------------------------- fresh installs
q new postgres -c 'CREATE DATABASE fresh'
step "a fresh install of $version" "$work/fresh.log" q new fresh -c 'CREATE EXTENSION sim CASCADE' ||
	die "no fresh install to compare with"
catalog new fresh on "$work/fresh-data.txt"
catalog new fresh off "$work/fresh.txt"

# ---------------------------------------------------------------- each release
for p in "${releases[@]}"; do
	tag=${p//./_}
	say "upgrade: $p -> $version"
	# 1. empty
	q old postgres -c "CREATE DATABASE empty_$tag"
	step "$p: CREATE EXTENSION sim VERSION '$p' with this build's library" "$work/empty_$tag.log" \
		q old "empty_$tag" -c "CREATE EXTENSION sim VERSION '$p' CASCADE" || continue
	step "$p: ALTER EXTENSION sim UPDATE" "$work/empty_update_$tag.log" \
		q old "empty_$tag" -c 'ALTER EXTENSION sim UPDATE' || continue
	got=$(q old "empty_$tag" -Atc "SELECT extversion FROM pg_extension WHERE extname = 'sim'")
	if [ "$got" = "$version" ]; then ok "$p: ALTER EXTENSION sim UPDATE reaches $version"; else
		fail "$p: ALTER EXTENSION sim UPDATE reaches $got, not $version"; fi
	catalog old "empty_$tag" on "$work/empty_$tag.txt"
	same "$p: an upgraded empty database has a fresh install's catalog and rows" \
		"$work/fresh-data.txt" "$work/empty_$tag.txt"

	# 2. live
	q old postgres -c "CREATE DATABASE live_$tag"
	step "$p: CREATE EXTENSION sim VERSION '$p' for the live universe" "$work/live_$tag.log" \
		q old "live_$tag" -c "CREATE EXTENSION sim VERSION '$p' CASCADE" || continue
	step "$p: a live universe (before.sql)" "$work/before_$tag.out" q old "live_$tag" -f "$here/before.sql" ||
		continue
	upgraded_at=$(q old "live_$tag" -Atc 'SELECT tick FROM sim.world')
	step "$p: ALTER EXTENSION sim UPDATE of the live universe" "$work/live_update_$tag.log" \
		q old "live_$tag" -c 'ALTER EXTENSION sim UPDATE' || continue
	catalog old "live_$tag" off "$work/live_$tag.txt"
	same "$p: an upgraded live universe has a fresh install's catalog" "$work/fresh.txt" "$work/live_$tag.txt"

	# 3. the universe, upgraded and restored into a fresh install
	step "$p: pg_dump of the upgraded universe" "$work/pg_dump_$tag.log" \
		pg_dump -h "$work/old" -p "$old_port" -d "live_$tag" -f "$work/live_$tag.dump" || continue
	q new postgres -c "CREATE DATABASE restored_$tag"
	# the triggers stay off while rows are restored (session_replication_role):
	# the rows are the state, and a plain restore orders sim.command's
	# partitions before the sim.ship their foreign key names
	step "$p: the dump restores into a fresh install" "$work/restore_$tag.log" \
		env PGOPTIONS='-c session_replication_role=replica' \
		psql -X -q -v ON_ERROR_STOP=1 -h "$work/new" -p "$new_port" -d "restored_$tag" -f "$work/live_$tag.dump" ||
		continue
	q old postgres -c "CREATE DATABASE diverged_$tag TEMPLATE live_$tag"
	step "$p: the upgraded universe ticks on (after.sql)" "$work/after_live_$tag.out" \
		q old "live_$tag" -f "$here/after.sql" || continue
	step "$p: the restored universe ticks on (after.sql)" "$work/after_restored_$tag.out" \
		q new "restored_$tag" -f "$here/after.sql" || continue
	q old "live_$tag" -f "$here/universe.sql" >"$work/universe_live_$tag.txt"
	q new "restored_$tag" -f "$here/universe.sql" >"$work/universe_restored_$tag.txt"
	if grep -q '^audit ' "$work/universe_live_$tag.txt"; then
		fail "$p: sim.audit() finds nothing in the upgraded universe:"
		grep '^audit ' "$work/universe_live_$tag.txt" | head -n 20 | sed 's/^/       /'
	else
		ok "$p: sim.audit() finds nothing in the upgraded universe"
	fi
	n=$(grep -c '^tick ' "$work/universe_live_$tag.txt" || true)
	now=$(q old "live_$tag" -Atc 'SELECT tick FROM sim.world')
	if [ "$n" -eq "$now" ] && [ "$now" -gt "$upgraded_at" ]; then
		ok "$p: the upgraded universe ticks on from $upgraded_at to $now, each tick with its state hash"
	else
		fail "$p: the upgraded universe is at tick $now (upgraded at $upgraded_at) with $n ticks in sim.tick_log"
	fi
	same "$p: the upgraded universe and its restore into a fresh install agree at every tick and table" \
		"$work/universe_restored_$tag.txt" "$work/universe_live_$tag.txt"
done

# ---------------------------------------------------------------- self-test
# Against the newest release's databases: each forgotten ALTER must show.
say "upgrade: self-test (the comparisons must catch a forgotten ALTER)"
tag=${releases[-1]//./_}
# one session: each mutation in a transaction rolled back, its catalog to a file
mutations=("$here"/mutations/*.sql)
{
	echo '\set data on'
	for m in "${mutations[@]}"; do
		name=$(basename "$m" .sql)
		printf 'BEGIN;\n\\echo mutation %s\n\\i %s\n\\o %s\n\\i %s\n\\o\nROLLBACK;\n' \
			"$name" "$m" "$work/mutation_$name.txt" "$here/catalog.sql"
	done
} >"$work/mutations.sql"
q old "empty_$tag" -f "$work/mutations.sql" >"$work/mutations.log" 2>&1 || true
for m in "${mutations[@]}"; do
	name=$(basename "$m" .sql)
	if [ ! -s "$work/mutation_$name.txt" ]; then
		fail "self-test: mutation $name did not apply:"
		sed 's/^/       /' "$work/mutations.log" | tail -n 10
	elif cmp -s "$work/fresh-data.txt" "$work/mutation_$name.txt"; then
		fail "self-test: mutation $name ($(sed -n '1s/^-- //p' "$m")) went unnoticed"
	else
		ok "self-test: mutation $name is noticed: $(first_difference "$work/fresh-data.txt" "$work/mutation_$name.txt" | cut -c1-100)"
	fi
done
if [ -f "$repo/sql/release/sim--$version.sql" ]; then
	cp "$built" "$work/altered.sql"
	echo '-- one line more' >>"$work/altered.sql"
	if (cd "$repo" && test/check_release.sh "$version" "$work/altered.sql") >"$work/check_release_altered.log" 2>&1; then
		fail "self-test: a built script that differs from the frozen one went unnoticed by test/check_release.sh"
	else
		ok "self-test: a built script that differs from the frozen one fails test/check_release.sh"
	fi
fi
q old "diverged_$tag" -f "$here/diverge.sql" >"$work/diverge_$tag.log" 2>&1 || true
q old "diverged_$tag" -f "$here/after.sql" >"$work/after_diverged_$tag.out" 2>&1 || true
q old "diverged_$tag" -f "$here/universe.sql" >"$work/universe_diverged_$tag.txt" 2>&1 || true
first=$({ diff <(grep '^tick ' "$work/universe_restored_$tag.txt") <(grep '^tick ' "$work/universe_diverged_$tag.txt") ||
	true; } | sed -n 's/^> tick \([0-9]*\) .*/\1/p' | head -n 1)
if [ -n "$first" ]; then
	ok "self-test: a changed economy rule is noticed (state hashes differ from tick $first)"
else
	fail "self-test: a changed economy rule (diverge.sql) went unnoticed by the state hashes"
fi

printf 'upgrade: %d checks passed, %d failed\n' "$passed" "$failed"
[ "$failed" -eq 0 ]
