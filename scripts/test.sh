#!/usr/bin/env bash
#
# scripts/test.sh -- run sim's whole test suite on a Debian 12 machine.
#
# Installs the Debian packages that are missing, builds (warnings are
# errors: SIM_WERROR=1), installs the extension, then runs in order:
#   unit     C unit tests of src/core          make unitcheck
#   fuzz     libFuzzer on the delta and         make -C test/fuzz run (SIM_FUZZ_SECONDS,
#            snapshot decoders                  the snapshot decoder half as long)
#   regress  pg_regress (test/sql, expected/)  make installcheck, throwaway cluster
#   isolation  pg_isolation_regress            make installcheck REGRESS=, same cluster
#              (test/isolation/specs, expected/)
#   pgtap    pgTAP (test/pgtap/*.sql)          pg_prove, same throwaway cluster
#   api      HTTP test (web/test/*.test.mjs)   web/test/run.sh: npm ci, then the
#                                              API server over HTTP, same cluster
#   browser  the page in Chromium              web/test/browser/run.sh: the API
#            (web/test/browser/*.test.mjs)     server and the page, same cluster;
#                                              skipped when Chromium cannot start
#   upgrade  every frozen release upgraded     test/upgrade/run.sh, own clusters
#            to this one, with a live universe,
#            equals a fresh install (docs/releasing.md)
#   tap      TAP tests (test/t/*.pl)           PostgreSQL::Test::Cluster, own clusters
# A suite without tests is skipped.  Exits non-zero if any suite fails; the
# last line reads "N passed, M failed" (suites).
#
# As root, the work tree is copied to a temporary directory owned by the
# "postgres" user and everything but "make install" runs there as that user.
#
# Environment:
#   SIM_TEST_TIMEOUT  seconds for the whole run, set-up included (default 840)
#   SIM_TEST_SUITE_TIMEOUT  seconds for one suite (default 300; TAP twice that)
#   SIM_TEST_KEEP=1   keep the temporary directory (cluster, logs) afterwards
#   SIM_FUZZ_SECONDS  length of the fuzz run (default 40)
#   SIM_TEST_OUT      directory of the browser tests' screenshots (default:
#                     browser-out in the temporary directory)
set -euo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
repo=$(cd "$here/.." && pwd)
# shellcheck source-path=SCRIPTDIR source=lib.sh
. "$here/lib.sh"

budget=${SIM_TEST_TIMEOUT:-840}
[[ $budget =~ ^[0-9]+$ ]] || die "SIM_TEST_TIMEOUT must be a number of seconds, not '$budget'"
deadline=$((SECONDS + budget))
suite_cap=${SIM_TEST_SUITE_TIMEOUT:-300}
[[ $suite_cap =~ ^[0-9]+$ ]] || die "SIM_TEST_SUITE_TIMEOUT must be a number of seconds, not '$suite_cap'"

suites=(unit fuzz regress isolation pgtap api browser upgrade tap)
declare -A status=() took=()
passed=0
failed=0

work=""
cluster=""
port=""
pguser=$(run_user)

# Stop the clusters of TAP tests that did not stop them (a test killed by
# the time limit, or interrupted, does not).
stop_tap_clusters()
{
	local pid
	[ -n "${tree:-}" ] || return 0
	for pid in "$tree"/tmp_check/t_*_data/pgdata/postmaster.pid; do
		[ -e "$pid" ] || continue
		as_run_user "$tree" pg_ctl -D "${pid%/postmaster.pid}" -m immediate -w stop >/dev/null 2>&1 || true
	done
}

cleanup()
{
	local rc=$?
	stop_tap_clusters
	if [ -n "$cluster" ] && [ -f "$cluster/data/postmaster.pid" ]; then
		as_run_user "$cluster" pg_ctl -D "$cluster/data" -m immediate -w stop >/dev/null 2>&1 || true
	fi
	if [ -n "$work" ] && [ -d "$work" ]; then
		if [ "${SIM_TEST_KEEP:-0}" = 1 ]; then
			note "kept $work"
		else
			rm -rf "$work"
		fi
	fi
	exit "$rc"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

# Record the outcome of suite $1: passed, failed or skipped, with a reason.
record()
{
	local name=$1 outcome=$2 detail=${3:-}
	status[$name]="$outcome${detail:+ ($detail)}"
	case $outcome in
	passed) passed=$((passed + 1)) ;;
	failed) failed=$((failed + 1)) ;;
	esac
}

# Run suite $1 for at most $2 seconds (and within what is left of the
# budget): the rest of the arguments, as run_user, in the tree.  Returns the
# command's status.
run_suite()
{
	local name=$1 left=$2 t0 rc=0
	shift 2
	if [ "$((deadline - SECONDS))" -lt "$left" ]; then
		left=$((deadline - SECONDS))
	fi
	if [ "$left" -lt 10 ]; then
		record "$name" failed "not run: time budget of ${budget}s used up"
		return 1
	fi
	say "$name: $*"
	t0=$SECONDS
	as_run_user "$tree" timeout --kill-after=15 "$left" "$@" || rc=$?
	took[$name]=$((SECONDS - t0))
	if [ "$rc" -eq 0 ]; then
		record "$name" passed "${took[$name]}s"
	elif [ "$rc" -eq 124 ] || [ "$rc" -eq 137 ]; then
		record "$name" failed "timed out after ${took[$name]}s"
	else
		record "$name" failed "exit $rc after ${took[$name]}s"
	fi
	return "$rc"
}

# Files of a suite: prints how many match.
count_files()
{
	local dir=$1 pattern=$2
	[ -d "$tree/$dir" ] || { echo 0; return; }
	find "$tree/$dir" -type f -name "$pattern" | wc -l
}

summary()
{
	local s
	printf '\n== summary\n'
	for s in "${suites[@]}"; do
		printf '%-8s %s\n' "$s" "${status[$s]:-not run}"
	done
	printf '%d passed, %d failed\n' "$passed" "$failed"
}

# Every suite with tests fails, e.g. after a failed build.
fail_all()
{
	local why=$1 s
	for s in "${suites[@]}"; do
		[ -n "${status[$s]:-}" ] || record "$s" failed "not run: $why"
	done
}

# ---------------------------------------------------------------- set-up
ensure_packages "${SIM_TEST_PACKAGES[@]}"
# npm, for the api suite's "npm ci" (its packages come from web/package-lock.json)
npm_missing=""
if ! (ensure_npm); then
	npm_missing="npm is missing and could not be installed"
fi

work=$(mktemp -d "${TMPDIR:-/tmp}/sim-test.XXXXXX")
if is_root; then
	say "running as root: tests run as user postgres in a copy of the tree"
	copy_tree "$repo" "$work/src"
	chown -R postgres:postgres "$work"
	tree=$work/src
else
	tree=$repo
fi
chmod 755 "$work"
note "tree: $tree"

# Warnings are errors here, hence in CI (flags.mk): in the extension, its
# unit tests and the fuzz harness, which all read SIM_WERROR.
export SIM_WERROR=1
say "build: make SIM_WERROR=1"
if ! as_run_user "$tree" make -j"$(nproc)" --no-print-directory PG_CONFIG="$PG_CONFIG"; then
	fail_all "build failed"
	summary
	exit 1
fi
say "install: make install"
if ! install_extension "$tree"; then
	fail_all "install failed"
	summary
	exit 1
fi

# ---------------------------------------------------------------- unit
if [ ! -f "$tree/test/unit/Makefile" ] || [ "$(count_files test/unit '*.c')" -eq 0 ]; then
	record unit skipped "no tests in test/unit"
elif ! run_suite unit "$suite_cap" make --no-print-directory unitcheck; then
	:
fi

# ---------------------------------------------------------------- fuzz
fuzz_seconds=${SIM_FUZZ_SECONDS:-40}
[[ $fuzz_seconds =~ ^[0-9]+$ ]] || die "SIM_FUZZ_SECONDS must be a number of seconds, not '$fuzz_seconds'"
if [ ! -f "$tree/test/fuzz/Makefile" ]; then
	record fuzz skipped "no test/fuzz"
elif ! command -v clang >/dev/null 2>&1; then
	record fuzz skipped "no clang"
elif ! run_suite fuzz "$((fuzz_seconds + 120))" make --no-print-directory -C test/fuzz run \
	FUZZ_SECONDS="$fuzz_seconds"; then
	:
fi

# ---------------------------------------------------------------- throwaway cluster
# Started only if a suite needs it.  Its socket lives in its own directory
# and it listens on no TCP address, so the port only names the socket.
start_cluster()
{
	cluster=$work/cluster
	port=$((20000 + RANDOM % 30000))
	mkdir -m 700 "$cluster"
	[ "$pguser" = "$(id -un)" ] || chown "$pguser" "$cluster"
	say "cluster: initdb in $cluster, port $port, user $pguser"
	as_run_user "$cluster" initdb -D "$cluster/data" --auth=trust --no-locale \
		--encoding=UTF8 --no-sync >"$cluster/initdb.log" 2>&1 || {
		show_tail "$cluster/initdb.log" 40
		return 1
	}
	cat >>"$cluster/data/postgresql.conf" <<-EOF

		# scripts/test.sh
		port = $port
		listen_addresses = ''
		unix_socket_directories = '$cluster'
		shared_preload_libraries = 'sim'
		sim.database = ''
		max_worker_processes = 16
		fsync = off
		synchronous_commit = off
		full_page_writes = off
	EOF
	as_run_user "$cluster" pg_ctl -D "$cluster/data" -l "$cluster/server.log" -w -t 60 start >/dev/null || {
		show_tail "$cluster/server.log" 60
		return 1
	}
	export PGHOST=$cluster PGPORT=$port PGUSER=$pguser
}

# Show what still runs on the throwaway cluster (after a test was killed)
# and end it, so the next suite starts clean.
clear_sessions()
{
	as_run_user "$cluster" psql -X -d postgres -c "
		SELECT pid, now() - query_start AS running_for, left(query, 300) AS query,
		       pg_terminate_backend(pid) AS terminated
		  FROM pg_stat_activity
		 WHERE backend_type = 'client backend' AND pid <> pg_backend_pid()" || true
}

stop_cluster()
{
	[ -n "$cluster" ] && [ -f "$cluster/data/postmaster.pid" ] || return 0
	as_run_user "$cluster" pg_ctl -D "$cluster/data" -m fast -w stop >/dev/null || true
	unset PGHOST PGPORT PGUSER
}

n_regress=$(count_files test/sql '*.sql')
n_isolation=$(count_files test/isolation/specs '*.spec')
n_pgtap=$(count_files test/pgtap '*.sql')
n_api=$(count_files web/test '*.test.mjs')
n_browser=$(count_files web/test/browser '*.test.mjs')
[ "$n_regress" -gt 0 ] || record regress skipped "no tests in test/sql"
[ "$n_isolation" -gt 0 ] || record isolation skipped "no tests in test/isolation/specs"
[ "$n_pgtap" -gt 0 ] || record pgtap skipped "no tests in test/pgtap"
[ "$n_api" -gt 0 ] || record api skipped "no tests in web/test"
[ "$n_browser" -gt 0 ] || record browser skipped "no tests in web/test/browser"

if [ "$n_regress" -gt 0 ] || [ "$n_isolation" -gt 0 ] || [ "$n_pgtap" -gt 0 ] || [ "$n_api" -gt 0 ] ||
	[ "$n_browser" -gt 0 ]; then
	if ! start_cluster; then
		[ "$n_regress" -eq 0 ] || record regress failed "not run: throwaway cluster did not start"
		[ "$n_isolation" -eq 0 ] || record isolation failed "not run: throwaway cluster did not start"
		[ "$n_pgtap" -eq 0 ] || record pgtap failed "not run: throwaway cluster did not start"
		[ "$n_api" -eq 0 ] || record api failed "not run: throwaway cluster did not start"
		[ "$n_browser" -eq 0 ] || record browser failed "not run: throwaway cluster did not start"
		n_regress=0 n_isolation=0 n_pgtap=0 n_api=0 n_browser=0
	fi
fi

# ---------------------------------------------------------------- regress
# TAP_TESTS= and ISOLATION= keep "make installcheck" to pg_regress; the
# isolation and TAP suites run below.
if [ "$n_regress" -gt 0 ]; then
	rm -rf "$tree/build/regress-out"
	if ! run_suite regress "$suite_cap" make --no-print-directory installcheck TAP_TESTS= ISOLATION= \
		PG_CONFIG="$PG_CONFIG"; then
		show_tail "$tree/build/regress-out/regression.diffs" 400
		if [ ! -s "$tree/build/regress-out/regression.diffs" ]; then
			# killed mid-test: the output so far of the test that was running
			newest=$(find "$tree/build/regress-out/results" -name '*.out' -printf '%T@ %p\n' 2>/dev/null |
				sort -n | tail -n 1 | cut -d' ' -f2-)
			[ -z "$newest" ] || show_tail "$newest" 40
		fi
		show_tail "$cluster/server.log" 60
		clear_sessions
	fi
fi

# ---------------------------------------------------------------- isolation
# REGRESS= TAP_TESTS= keep "make installcheck" to pg_isolation_regress.
if [ "$n_isolation" -gt 0 ]; then
	rm -rf "$tree/build/isolation-out"
	if ! run_suite isolation "$suite_cap" make --no-print-directory installcheck REGRESS= TAP_TESTS= \
		PG_CONFIG="$PG_CONFIG"; then
		show_tail "$tree/build/isolation-out/regression.diffs" 400
		show_tail "$cluster/server.log" 60
		clear_sessions
	fi
fi

# ---------------------------------------------------------------- pgtap
# Each test file sets up what it needs (CREATE EXTENSION sim CASCADE, in
# its own transaction); the database only has pgtap.
if [ "$n_pgtap" -gt 0 ]; then
	if as_run_user "$cluster" psql -X -q -d postgres -v ON_ERROR_STOP=1 \
		-c 'CREATE DATABASE sim_pgtap' &&
		as_run_user "$cluster" psql -X -q -d sim_pgtap -v ON_ERROR_STOP=1 -c 'CREATE EXTENSION pgtap'; then
		export PGDATABASE=sim_pgtap
		if ! run_suite pgtap "$suite_cap" make --no-print-directory pgtapcheck; then
			show_tail "$cluster/server.log" 60
			clear_sessions
		fi
		unset PGDATABASE
	else
		record pgtap failed "not run: could not create database sim_pgtap"
	fi
fi

# ---------------------------------------------------------------- api
# The API server (scripts/api.sh) over HTTP; the test makes its own database.
if [ "$n_api" -gt 0 ]; then
	if [ -n "$npm_missing" ]; then
		record api failed "not run: $npm_missing"
	elif ! run_suite api "$suite_cap" web/test/run.sh; then
		show_tail "$cluster/server.log" 60
		clear_sessions
	fi
fi

# ---------------------------------------------------------------- browser
# The page in Chromium (web/test/browser/run.sh); each test file makes its
# own database and API server.  Screenshots go to SIM_TEST_OUT, else under
# the work directory (kept with SIM_TEST_KEEP=1).
browser_out=${SIM_TEST_OUT:-$work/browser-out}
if [ "$n_browser" -gt 0 ]; then
	if [ -n "$npm_missing" ]; then
		record browser failed "not run: $npm_missing"
	elif ! chromium_problem=$(as_run_user "$tree" web/test/browser/run.sh --probe 2>&1); then
		say "browser: skipped: Chromium cannot start: $chromium_problem"
		record browser skipped "Chromium cannot start: $(printf '%s' "$chromium_problem" | tail -n 1)"
	elif ! SIM_TEST_OUT=$browser_out run_suite browser "$suite_cap" web/test/browser/run.sh; then
		note "screenshots: $browser_out"
		show_tail "$cluster/server.log" 60
		clear_sessions
	fi
fi
stop_cluster

# ---------------------------------------------------------------- upgrade
# test/upgrade/run.sh starts its own two clusters (releases upgraded, fresh
# installs); no PG* variable of the throwaway cluster leaks in.
if [ ! -x "$tree/test/upgrade/run.sh" ]; then
	record upgrade skipped "no test/upgrade/run.sh"
elif ! run_suite upgrade "$suite_cap" env -u PGHOST -u PGPORT -u PGUSER -u PGDATABASE \
	SIM_PG_BINDIR="$PG_BINDIR" test/upgrade/run.sh; then
	:
fi

# ---------------------------------------------------------------- tap
# "make prove_installcheck" if the Makefile has that target; otherwise
# "make installcheck REGRESS= ISOLATION=", which PGXS narrows to the TAP tests.  They
# start their own clusters: no PG* variable of the throwaway cluster leaks in.
tap_target=(installcheck REGRESS= ISOLATION=)
if as_run_user "$tree" make -n prove_installcheck PG_CONFIG="$PG_CONFIG" >/dev/null 2>&1; then
	tap_target=(prove_installcheck)
fi
if [ "$(count_files test/t '*.pl')" -eq 0 ]; then
	record tap skipped "no tests in test/t"
elif ! run_suite tap "$((2 * suite_cap))" env -u PGHOST -u PGPORT -u PGUSER -u PGDATABASE \
	make --no-print-directory "${tap_target[@]}" PG_CONFIG="$PG_CONFIG"; then
	for f in "$tree"/tmp_check/log/regress_log_*; do
		[ -e "$f" ] && show_tail "$f" 80
	done
	for f in "$tree"/tmp_check/log/*.log; do
		[ -e "$f" ] && show_tail "$f" 40
	done
fi
stop_tap_clusters

summary
[ "$failed" -eq 0 ]
