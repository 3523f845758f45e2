# 050_follow.pl -- the example client docs/examples/sim-follow.c follows the
# universe tick by tick without gaps.
#
# The test compiles sim-follow (-Wall -Wextra, no warning allowed) and runs
# it against a node ticking every 100 ms with NPCs trading.  It checks that
#   (a) across a terminated backend, a server restart, and the client itself
#       killed (SIGKILL) and restarted with --since its last printed tick,
#       the printed ticks are every tick from the start to the end, once
#       each, in order; each line's count of changes is the number of rows
#       sim.change holds for that tick; the client says it reconnected; a
#       burst of ticks from one sim.step is followed too; SIGINT ends it
#       with status 0;
#   (b) with --sectors and --latency it reports every tick, counting only
#       that sector's changes, and one latency_ms line per sim_tick
#       notification; SIGTERM ends it with status 0;
#   (c) with --since older than the change record's horizon (in a second
#       universe whose record keeps 4 ticks) it exits with status 3 saying
#       it must reload a snapshot; with --since in the future, status 1;
#       with a bad --since, status 2.
#
# Waiting is by bounded polls (of the server, and of the client's output
# files); nothing measures wall-clock time.

use strict;
use warnings;

use FindBin;
use lib $FindBin::RealBin;

use IPC::Run;
use PostgreSQL::Test::Cluster;
use PostgreSQL::Test::Utils;
use SimTest;
use Test::More;
use Time::HiRes qw(usleep);

my $cc = $ENV{CC} // 'cc';
plan skip_all => "no C compiler ($cc) to build docs/examples/sim-follow.c"
  unless eval { IPC::Run::run([ $cc, '--version' ], '>', \my $o, '2>', \my $e) };

###
### Build the client
###

my $dir = PostgreSQL::Test::Utils::tempdir;
my $src = "$FindBin::RealBin/../../docs/examples/sim-follow.c";
my $bin = "$dir/sim-follow";
my ($incdir, $libdir) = map {
	my $v;
	IPC::Run::run([ 'pg_config', $_ ], '>', \$v) or BAIL_OUT("pg_config $_ failed");
	chomp $v;
	$v
} qw(--includedir --libdir);
{
	my ($out, $err) = ('', '');
	my $ok = IPC::Run::run([ $cc, '-Wall', '-Wextra', '-O2', '-o', $bin, $src, "-I$incdir", "-L$libdir", '-lpq' ],
		'>', \$out, '2>', \$err);
	ok($ok, 'docs/examples/sim-follow.c compiles') or BAIL_OUT("cannot build sim-follow:\n$err");
	is("$out$err", '', '... without a warning under -Wall -Wextra');
}

###
### A ticking universe, and helpers to run the client
###

my $db = 'postgres';
# A retention of 40000 ticks: everything this test follows stays in
# sim.change however slowly it runs.  The ticker never runs more than one
# tick per 100 ms interval, so 40000 ticks are more than an hour, longer
# than the suite may take; a smaller retention would let a slow run lose
# the ticks it set out to follow.
my $node = sim_node('follow', 'sim.tick_interval_ms' => 100, 'sim.change_retention' => 40000);
$node->start;

sub sq { return $node->safe_psql($db, $_[0]); }

sq('CREATE EXTENSION sim CASCADE');
sq('SELECT sim.generate_universe(11, 3, 300)');
ok(wait_ticks($node, 0, 3), 'the ticker ticks the generated universe');

my $appname = 'sim_follow_test';
my $conninfo = $node->connstr($db) . " application_name=$appname";
my @running;    # harnesses to kill if the test dies

END { $_->kill_kill for grep { $_->pumpable } @running; }

# Start sim-follow with @args; its stdout and stderr go to files named
# after $name.
sub start_client
{
	my ($name, @args) = @_;
	my %c = (name => $name, out => "$dir/$name.out", err => "$dir/$name.err");
	$c{h} = IPC::Run::start([ $bin, @args, $conninfo ], '<', \undef, '>', $c{out}, '2>', $c{err});
	push @running, $c{h};
	return \%c;
}

sub slurp_or_empty { return -e $_[0] ? slurp_file($_[0]) : ''; }
sub out_of { return slurp_or_empty($_[0]{out}); }
sub err_of { return slurp_or_empty($_[0]{err}); }

# The ticks a client printed, in order.
sub ticks_of { return (out_of($_[0]) =~ /^tick (\d+) changes \d+$/mg); }

sub last_tick_of
{
	my @t = ticks_of($_[0]);
	return @t ? $t[-1] : -1;
}

# Poll &$cond until true, at most the suite's timeout; diag $what if not.
sub poll
{
	my ($what, $cond) = @_;
	for (1 .. int($PostgreSQL::Test::Utils::timeout_default * 10))
	{
		return 1 if $cond->();
		usleep(100_000);
	}
	diag("gave up waiting for $what");
	return 0;
}

# Wait until the client has printed tick $tick or a later one.
sub wait_client_tick
{
	my ($c, $tick) = @_;
	return poll("$c->{name} to print tick $tick (it printed up to " . last_tick_of($c) . ')',
		sub { last_tick_of($c) >= $tick });
}

# Whether the client's backend has LISTENed and caught up: its last query
# was sim.changes_since, which it runs only after LISTEN.
sub client_ready
{
	return sq("SELECT count(*) = 1 FROM pg_stat_activity WHERE application_name = '$appname' "
		  . "AND query LIKE '%sim.changes_since%'") eq 't';
}

# The client's backend pid ('' when it has no connection).
sub backend_of
{
	return sq("SELECT string_agg(pid::text, ',') FROM pg_stat_activity WHERE application_name = '$appname'");
}

# Stop a client with a signal; returns its exit status (as $?).
sub stop_client
{
	my ($c, $signal) = @_;
	$c->{h}->signal($signal);
	$c->{h}->finish;
	return $c->{h}->full_result(0);
}

# Expected output lines "tick N changes M" for ticks $from..$to, from
# sim.change ($where narrows the rows counted).
sub expected_lines
{
	my ($from, $to, $where) = @_;
	$where //= 'true';
	my %n = map { split /\|/ } split /\n/,
	  sq("SELECT tick, count(*) FROM sim.change WHERE tick BETWEEN $from AND $to AND $where GROUP BY tick");
	return join("\n", map { "tick $_ changes " . ($n{$_} // 0) } $from .. $to);
}

###
### (a) Gap-free across a terminated backend, a server restart and a
###     stopped and restarted client
###

my $start = tick_of($node);
my $ca = start_client('a', '--since', $start);
ok(wait_client_tick($ca, $start + 5), "client a follows from tick $start");
ok(poll('the client backend', sub { backend_of() =~ /^\d+$/ }), '... on one backend');
my $pid1 = backend_of();

is(sq("SELECT pg_terminate_backend($pid1)"), 't', "terminate the client's backend ($pid1)");
my $seen = tick_of($node);
ok(poll('a reconnection', sub { err_of($ca) =~ /reconnected/ }), 'the client reconnects');
ok(wait_client_tick($ca, $seen + 5), '... and goes on printing ticks');
my $pid2 = backend_of();
like($pid2, qr/^\d+$/, '... on one backend');
isnt($pid2, $pid1, '... a new one');

$node->restart;
$seen = tick_of($node);
ok(poll('a second reconnection', sub { (() = err_of($ca) =~ /reconnected/g) >= 2 }),
	'the client reconnects after a server restart');
ok(wait_client_tick($ca, $seen + 5), '... and goes on printing ticks');

is(stop_client($ca, 'KILL') & 127, 9, 'client a is killed (SIGKILL)');
my $a_last = last_tick_of($ca);
my $a_err = err_of($ca);
note("client a's stderr:\n$a_err");
ok(wait_ticks($node, $a_last, 10), 'ten ticks pass while no client runs');

my $cb = start_client('b', '--since', $a_last);
ok(wait_client_tick($cb, tick_of($node) + 3), "client b follows from tick $a_last, a's last");
sq('SELECT sim.pause()');
my $stepped = sq('SELECT sim.step(5)');
ok(poll('client b to drain', sub { last_tick_of($cb) == tick_of($node) }),
	'with the ticker paused after a sim.step(5), client b catches up with the last tick');
my $final = tick_of($node);
is($final, $stepped, '... the step\'s last tick: the paused ticker added none');
is(stop_client($cb, 'INT'), 0, 'SIGINT stops client b with status 0');

ok(sq('SELECT sim.change_horizon()') <= $start, "sim.change still holds every tick since $start");
my @ticks = (ticks_of($ca), ticks_of($cb));
is_deeply(\@ticks, [ $start + 1 .. $final ],
	'across both runs, the client printed every tick from the start to the last, once each, in order')
  or diag('printed: ' . join(' ', @ticks));
my $lines = join("\n", grep { /^tick / } split /\n/, out_of($ca) . out_of($cb));
is($lines, expected_lines($start + 1, $final), 'each tick\'s count of changes is its count in sim.change');
my $total = 0;
$total += $_ for $lines =~ /changes (\d+)$/mg;
cmp_ok($total, '>', 0, "... which are not all zero ($total changes)");
cmp_ok(scalar(() = $a_err =~ /reconnected/g), '>=', 2, 'client a reported its two reconnections');
is(err_of($cb), '', 'client b wrote nothing to stderr');

###
### (b) --sectors and --latency
###

my $sector = sq('SELECT sector_id FROM sim.ship GROUP BY sector_id ORDER BY count(*) DESC, sector_id LIMIT 1');
my $c = start_client('c', '--since', $final, '--sectors', $sector, '--latency');
ok(poll('client c to listen', \&client_ready), "client c follows sector $sector");
my $c_last = sq('SELECT sim.step(20)');
ok(poll('client c to drain', sub { last_tick_of($c) == $c_last && (() = out_of($c) =~ /^latency_ms/mg) == 20 }),
	'client c reports the 20 ticks of a sim.step(20), and 20 latencies');
is(stop_client($c, 'TERM'), 0, 'SIGTERM stops client c with status 0');
is_deeply([ ticks_of($c) ], [ $final + 1 .. $c_last ], 'client c printed every tick, once each, in order');
$lines = join("\n", grep { /^tick / } split /\n/, out_of($c));
is($lines, expected_lines($final + 1, $c_last, "sector_id = $sector"),
	"each tick's count is that of the changes in sector $sector");
my $in_sector = 0;
$in_sector += $_ for $lines =~ /changes (\d+)$/mg;
cmp_ok($in_sector, '<', sq("SELECT count(*) FROM sim.change WHERE tick > $final AND tick <= $c_last"),
	"... fewer than all the changes ($in_sector)");
my @lat = out_of($c) =~ /^latency_ms (.*)$/mg;
note('latencies (ms) of the sim.step(20) ticks: ' . join(' ', @lat));
is(scalar(grep { !/^-?\d+\.\d{3}$/ } @lat), 0, 'every latency_ms line holds a number of milliseconds');
is(err_of($c), '', 'client c wrote nothing to stderr');

###
### (c) Too far behind, in the future, bad usage
###

# A universe of its own whose record keeps 4 ticks (the database's
# sessions, which tick it by sim.step, have a retention of 4): after 20
# ticks its horizon has passed its start.  The ticker goes on ticking
# database postgres.
my $bdb = 'behind';
sq("CREATE DATABASE $bdb");
sq("ALTER DATABASE $bdb SET sim.change_retention = 4");
$node->safe_psql($bdb, 'CREATE EXTENSION sim CASCADE');
$node->safe_psql($bdb, 'SELECT sim.generate_universe(11, 3, 300)');
$start = 0;
my $horizon = (split /\n/, $node->safe_psql($bdb, 'SELECT sim.step(20); SELECT sim.change_horizon()'))[-1];
cmp_ok($horizon, '>', $start, "with a retention of 4 ticks, the horizon ($horizon) passes tick $start");
my $btick = $node->safe_psql($bdb, 'SELECT tick FROM sim.world');
$conninfo = $node->connstr($bdb) . " application_name=$appname";

sub run_client
{
	my (@args) = @_;
	my ($out, $err) = ('', '');
	IPC::Run::run([ $bin, @args, $conninfo ], '<', \undef, '>', \$out, '2>', \$err,
		IPC::Run::timeout($PostgreSQL::Test::Utils::timeout_default));
	return ($? >> 8, $out, $err);
}

my ($rc, $out, $err) = run_client('--since', $start);
is($rc, 3, "--since $start, older than the horizon: exit status 3");
like($err, qr/no longer keeps the changes after tick $start/, '... saying the changes are gone');
like($err, qr/must reload a snapshot/, '... and that the client must reload a snapshot');
is($out, '', '... printing no tick');

# it runs until stopped
my $d = start_client('d', '--since', $horizon);
ok(wait_client_tick($d, $btick), "--since $horizon, the horizon itself, is accepted");
is(stop_client($d, 'TERM'), 0, '... and the client follows until stopped');

($rc, $out, $err) = run_client('--since', $btick + 1000);
is($rc, 1, '--since in the future: exit status 1');
like($err, qr/has not happened yet/, '... with the server\'s message');

($rc, $out, $err) = run_client('--since', 'soon');
is($rc, 2, 'a --since that is not a tick: exit status 2');
like($err, qr/--since needs a tick/, '... saying what it needs');

$node->stop;
done_testing();
