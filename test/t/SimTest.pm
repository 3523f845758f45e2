# SimTest.pm -- helpers shared by sim's TAP tests (test/t/*.pl).
#
# Load it with
#   use FindBin;
#   use lib $FindBin::RealBin;
#   use SimTest;
#
# Nothing here asserts: the helpers start nodes, run SQL and wait, and the
# test files say what must hold.  Waiting is always a bounded poll, never a
# measurement of wall-clock time.

package SimTest;

use strict;
use warnings;

use Exporter 'import';
use PostgreSQL::Test::Cluster;
use PostgreSQL::Test::Utils;
use Test::More;
use Time::HiRes qw(usleep);

our @EXPORT = qw(sim_node sim_error poll_until wait_ticks tick_of log_since
  ticker_pid ticker_looked tick_log_gaps);

# A node with sim preloaded and its ticker on database postgres; extra
# settings (name => value) are appended to postgresql.conf.  Not started.
# sim.tick_history is at its maximum unless a test sets it: however many
# ticks a run manages, sim.tick_log keeps them all, so tick_log_gaps()
# without a retention can require the log to start at tick 1.
sub sim_node
{
	my ($name, %conf) = @_;
	my $node = PostgreSQL::Test::Cluster->new($name);

	$node->init;
	my %all = (
		shared_preload_libraries => "'sim'",
		'sim.database' => "'postgres'",
		'sim.tick_interval_ms' => 20,
		'sim.tick_history' => 100_000_000,
		%conf);
	$node->append_conf('postgresql.conf',
		join('', map { "$_ = $all{$_}\n" } sort keys %all));
	return $node;
}

# Run $sql expecting an error; returns { ret, sqlstate, message, detail,
# hint, stderr } parsed from psql's verbose error report.
sub sim_error
{
	my ($node, $db, $sql) = @_;
	my ($ret, $out, $err) =
	  $node->psql($db, "\\set VERBOSITY verbose\n$sql", on_error_stop => 1);
	my %e = (ret => $ret, stderr => $err // '');
	($e{sqlstate}, $e{message}) = $e{stderr} =~ /ERROR:\s+([0-9A-Z]{5}):\s+([^\n]*)/;
	($e{detail}) = $e{stderr} =~ /DETAIL:\s+([^\n]*)/;
	($e{hint}) = $e{stderr} =~ /HINT:\s+([^\n]*)/;
	return \%e;
}

# Poll $sql until its output equals $expected (default 't'); gives up after
# $timeout seconds (default: the suite's timeout).  Returns true on success,
# and false (after a diag of the last output) on time-out.  Connection
# failures, e.g. during crash recovery, count as "not yet".
sub poll_until
{
	my ($node, $db, $sql, $expected, $timeout) = @_;
	$expected //= 't';
	$timeout //= $PostgreSQL::Test::Utils::timeout_default;
	my $attempts = int($timeout * 10);
	my ($ret, $out, $err);

	for (1 .. $attempts)
	{
		($ret, $out, $err) = $node->psql($db, $sql, on_error_stop => 1);
		return 1 if defined $out && $out eq $expected && $ret == 0;
		usleep(100_000);
	}
	diag("poll_until gave up after ${timeout}s on: $sql\n"
		  . "expected: $expected\nlast output: "
		  . ($out // '(none)')
		  . "\nstderr: "
		  . ($err // ''));
	return 0;
}

# The committed tick.
sub tick_of
{
	my ($node) = @_;
	return $node->safe_psql('postgres', 'SELECT tick FROM sim.world');
}

# Wait until the committed tick exceeds $from by at least $n; returns the
# poll's outcome.
sub wait_ticks
{
	my ($node, $from, $n, $timeout) = @_;
	return poll_until($node, 'postgres',
		'SELECT tick >= ' . ($from + $n) . ' FROM sim.world',
		't', $timeout);
}

# The ticker's pid as pg_stat_activity shows it ('' when there is none).
sub ticker_pid
{
	my ($node) = @_;
	return $node->safe_psql('postgres',
		"SELECT string_agg(pid::text, ',') FROM pg_stat_activity WHERE backend_type = 'sim ticker'"
	);
}

# Wait until the ticker has begun and ended an attempt to tick after now
# (whether it ticked, found itself paused or found sim.world's row locked):
# it marks each attempt in pg_stat_activity, active then idle.  The first
# idle state seen after now may end an attempt begun before, so wait for
# two; the second began after now, so it saw everything committed before
# the call.  Returns the poll's outcome; nothing depends on how long it
# takes.
sub ticker_looked
{
	my ($node) = @_;
	my $ticker = q{FROM pg_stat_activity WHERE backend_type = 'sim ticker'};
	my $since = $node->safe_psql('postgres', 'SELECT clock_timestamp()');
	for (1 .. 2)
	{
		poll_until($node, 'postgres', "SELECT state = 'idle' AND state_change > '$since' $ticker")
		  or return 0;
		$since = $node->safe_psql('postgres', "SELECT state_change $ticker");
	}
	return 1;
}

# Server log written since byte $offset.
sub log_since
{
	my ($node, $offset) = @_;
	return PostgreSQL::Test::Utils::slurp_file($node->logfile, $offset);
}

# A query returning one line per defect of sim.tick_log as a gap-free run of
# ticks ending at sim.world.tick: empty output means none.  $retention is
# sim.tick_history when trimming may have removed the oldest rows; without
# it the log must start at tick 1 (which sim_node's default retention keeps
# true for any run of fewer than 100 million ticks).
sub tick_log_gaps
{
	my ($retention) = @_;
	my $first = defined $retention
	  ? "greatest(1, w.tick - $retention + 1)"
	  : '1';
	return qq{
WITH l AS (SELECT tick, lag(tick) OVER (ORDER BY tick) AS prev FROM sim.tick_log)
SELECT 'gap after tick ' || prev || ' (next is ' || tick || ')' FROM l WHERE tick <> prev + 1
UNION ALL
SELECT 'log ends at ' || coalesce(max(l.tick)::text, 'nothing') || ', world is at ' || w.tick
  FROM sim.world w LEFT JOIN sim.tick_log l ON true GROUP BY w.tick
HAVING coalesce(max(l.tick), 0) <> w.tick
UNION ALL
SELECT 'log starts at ' || min(l.tick) || ', expected ' || $first
  FROM sim.world w JOIN sim.tick_log l ON true GROUP BY w.tick HAVING min(l.tick) <> $first
ORDER BY 1};
}

1;
