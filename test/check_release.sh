#!/usr/bin/env bash
# test/check_release.sh VERSION BUILT -- the frozen install scripts agree with
# the build (docs/releasing.md).
#
# sql/release/sim--V.sql is the install script of release V, kept byte for
# byte.  While the version being built (VERSION, sim.control's
# default_version) has a frozen script, the built script BUILT must equal it:
# a change to sql/ after freezing either is refrozen (make freeze-release,
# before the release is out) or belongs to the next version.  A version not
# frozen yet is one under development: it needs an upgrade script from the
# newest frozen release, sql/sim--P--VERSION.sql.  No frozen script may be
# newer than VERSION.  Exits 1 on a mismatch, saying what to do.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."

[ $# -eq 2 ] || { echo "usage: test/check_release.sh VERSION BUILT_SCRIPT" >&2; exit 2; }
version=$1 built=$2
[ -f "$built" ] || { echo "check_release: $built is not built (run make)" >&2; exit 1; }

# the frozen versions, oldest first
releases=$({ find sql/release -maxdepth 1 -name 'sim--*.sql' 2>/dev/null || true; } |
	sed -n 's|^sql/release/sim--\([0-9][0-9.]*\)\.sql$|\1|p' | sort -V)
if [ -z "$releases" ]; then
	echo "check_release: no frozen release in sql/release; run 'make freeze-release' to freeze $version" >&2
	exit 1
fi
newest=$(echo "$releases" | tail -n 1)
if [ "$(printf '%s\n%s\n' "$newest" "$version" | sort -V | tail -n 1)" != "$version" ]; then
	echo "check_release: sql/release/sim--$newest.sql is newer than the version being built, $version" >&2
	exit 1
fi

frozen=sql/release/sim--$version.sql
if [ -f "$frozen" ]; then
	if ! cmp -s "$frozen" "$built"; then
		echo "check_release: $built differs from the frozen $frozen:" >&2
		diff -u "$frozen" "$built" | head -n 40 >&2 || true
		echo "check_release: if $version is not released yet, run 'make freeze-release' and commit $frozen;" >&2
		echo "check_release: if it is, put the change in the next version and its upgrade script (docs/releasing.md)" >&2
		exit 1
	fi
	echo "check_release: $built equals the frozen $frozen"
else
	upgrade=sql/sim--$newest--$version.sql
	if [ ! -f "$upgrade" ]; then
		echo "check_release: $version is not frozen and has no upgrade script from release $newest: write $upgrade" >&2
		exit 1
	fi
	echo "check_release: $version is under development (not frozen); $upgrade upgrades release $newest"
fi
