#!/usr/bin/env bash
#
# tools/analysts_doc.sh -- write the queries, outputs and roles of the analyst
# cookbook (docs/analysts.md) from its test, or check that they are its test's.
#
# The test test/sql/report_cookbook.sql holds the cookbook's queries: entry n
# is the lines after "\echo Qn" up to the first line ending in ";".  Its
# expected output, expected/report_cookbook.out, holds each query's output
# (run as sim_operator) and, from two more passes as sim_anon and as a
# player, the queries those roles may not run.  In docs/analysts.md each
# entry's generated part lies between "<!-- cookbook Qn -->" and
# "<!-- /cookbook -->"; this script writes there the "Runs as" line, the
# query and its output, and leaves the prose around them alone.
#
# Usage (from anywhere; paths are the work tree's):
#   tools/analysts_doc.sh           rewrite docs/analysts.md from the test and
#                                   its expected output, naming the entries whose
#                                   output changed (their readings need rereading)
#   tools/analysts_doc.sh --accept  first take the last run's output
#                                   (build/regress-out/results/report_cookbook.out,
#                                   after "make installcheck REGRESS=report_cookbook")
#                                   as the expected output, then rewrite the doc
#   tools/analysts_doc.sh --check   change nothing: print what differs and exit 1
#                                   if the doc is not what the first form writes
# The test runs --check as its last step, so a doc that differs from the
# tested queries or their expected output fails the regression suite.
set -euo pipefail

root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
test_sql=$root/test/sql/report_cookbook.sql
expected=$root/expected/report_cookbook.out
results=$root/build/regress-out/results/report_cookbook.out
doc=$root/docs/analysts.md
# what the test prints when the doc is the tested one (and what --accept
# writes in the expected output in place of the run's own check, since the
# doc it then writes is)
ok_line='docs/analysts.md: every entry is the query of test/sql/report_cookbook.sql, its expected output and roles'

die()
{
	echo "analysts_doc.sh: $*" >&2
	exit 2
}

mode=write
case ${1:-} in
'') ;;
--accept) mode=accept ;;
--check) mode=check ;;
*) die "unknown argument '$1' (use --accept or --check)" ;;
esac

for f in "$test_sql" "$doc"; do
	[ -f "$f" ] || die "$f is missing"
done

if [ "$mode" = accept ]; then
	[ -f "$results" ] || die "$results is missing: run make installcheck REGRESS=report_cookbook first"
	# the run's own check line(s), up to the next psql command echoed,
	# become the line a matching doc gives
	awk -v ok="$ok_line" '
		skip && /^\\/ { skip = 0 }
		skip { next }
		{ print }
		/^\\echo :doc_check$/ { print ok; skip = 1 }
	' "$results" >"$expected.tmp"
	mv "$expected.tmp" "$expected"
fi
[ -f "$expected" ] || die "$expected is missing"

# The doc as it should be, on stdout.
render()
{
	awk -v sqlfile="$test_sql" -v outfile="$expected" '
	function fail(msg) { print "analysts_doc.sh: " msg > "/dev/stderr"; failed = 1; exit 2 }
	BEGIN {
		# queries: from "\echo Qn" to the first line ending in ";"
		n = 0
		while ((getline line < sqlfile) > 0) {
			if (line ~ /^\\echo Q[0-9]+$/) {
				n = substr(line, 8) + 0; query[n] = ""; inq = 1; nq++
				continue
			}
			if (inq) {
				query[n] = query[n] line "\n"
				if (line ~ /;$/) inq = 0
			}
		}
		close(sqlfile)
		if (nq == 0) fail(sqlfile ": no queries")
		# outputs (first pass) and refusals (the passes as sim_anon, sim_player)
		pass = "operator"; cur = 0
		while ((getline line < outfile) > 0) {
			if (line ~ /^== as sim_anon/) { pass = "anon"; cur = 0; continue }
			if (line ~ /^== as sim_player/) { pass = "player"; cur = 0; continue }
			if (pass == "operator") {
				if (line ~ /^\\echo Q[0-9]+$/) { cur = substr(line, 8) + 0; state = "marker"; continue }
				if (!cur) continue
				if (state == "marker") { state = "query"; continue }	# the \echo output "Qn"
				if (state == "query") { if (line ~ /;$/) { state = "output"; out[cur] = "" }; continue }
				if (state == "output") {
					if (line ~ /ERROR:/) fail(outfile ": query " cur " failed as sim_operator")
					out[cur] = out[cur] line "\n"
					if (line ~ /^\([0-9]+ rows?\)$/) { cur = 0; state = "" }
				}
			} else {
				if (line ~ /^Q[0-9]+$/) { cur = substr(line, 2) + 0; continue }
				if (line ~ /^\\/) { cur = 0; continue }
				if (cur && line ~ /ERROR:/) refused[pass, cur] = 1
			}
		}
		close(outfile)
		for (i = 1; i <= nq; i++) {
			if (!(i in query)) fail(sqlfile ": no query " i " (queries must be Q1..Q" nq ")")
			if (!(i in out)) fail(outfile ": no output for query " i)
		}
	}
	# the doc: its text, with each generated part rewritten
	/^<!-- cookbook Q[0-9]+ -->$/ {
		i = substr($3, 2) + 0
		if (!(i in query)) fail("docs/analysts.md: entry Q" i " is not a query of the test")
		if (i in seen) fail("docs/analysts.md: entry Q" i " appears twice")
		seen[i] = 1
		print
		if (!refused["anon", i]) roles = "any reader: `sim_anon`, `sim_player` or `sim_operator`"
		else if (!refused["player", i]) roles = "`sim_player` or `sim_operator` (refused to `sim_anon`)"
		else roles = "`sim_operator` (refused to `sim_anon` and `sim_player`)"
		printf "Runs as: %s.\n\n```sql\n%s```\n\n```text\n%s```\n", roles, query[i], out[i]
		gen = 1
		next
	}
	/^<!-- \/cookbook -->$/ { gen = 0 }
	gen { next }
	{ print }
	END {
		if (failed) exit 2
		for (i = 1; i <= nq; i++)
			if (!(i in seen)) fail("docs/analysts.md: no entry for query Q" i)
	}
	' "$doc"
}

new=$(mktemp)
trap 'rm -f "$new"' EXIT
render >"$new"

if [ "$mode" = check ]; then
	if diff -u --label docs/analysts.md --label "docs/analysts.md as the test makes it" "$doc" "$new"; then
		echo "$ok_line"
	else
		echo "docs/analysts.md differs from the test: run tools/analysts_doc.sh"
		exit 1
	fi
else
	# the entries whose generated part changes: their readings were written
	# for the old output
	changed=$(awk '
		/^<!-- cookbook Q[0-9]+ -->$/ { cur = $3; next }
		/^<!-- \/cookbook -->$/ { cur = ""; next }
		cur != "" { block[FILENAME, cur] = block[FILENAME, cur] $0 "\n"; seen[cur] = 1 }
		END {
			for (c in seen)
				if (block[ARGV[1], c] != block[ARGV[2], c]) print c
		}' "$doc" "$new" | sort -V | tr '\n' ' ' | sed 's/ $//')
	cp "$new" "$doc"
	if [ -n "$changed" ]; then
		echo "docs/analysts.md: new output for $changed; reread the readings of these entries"
	else
		echo "docs/analysts.md: no entry changed"
	fi
fi
