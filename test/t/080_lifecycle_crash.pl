# 080_lifecycle_crash.pl -- snapshot and rollback are all or nothing under
# kill -9 of the postmaster (issue 15; docs/lifecycle.md).
#
# A universe with two players and NPC pilots trading is built with sim.step
# while the ticker is paused; snapshot 'base' is taken with a player's
# command pending and a sale filed under the next tick (commands between
# ticks belong to the snapshot); the universe ticks on.  Then, for each
# fault point of sim.lifecycle_fault (the superuser-only test hook that
# makes a lifecycle function log "sim lifecycle fault point <name> reached"
# and wait there):
#   snapshot:captured, snapshot:stored      (a sim.snapshot('s_...'))
#   rollback:guarded, rollback:tables,
#   rollback:world, rollback:notified       (a sim.rollback('base'))
# the operation runs in a background session until the point is reached
# (at rollback:guarded with the ticker running: once the rollback holds the
# tick guard no tick may commit, so the universe committed then is the old
# one; at the other points with the ticker paused), then the
# postmaster and every server process are killed with SIGKILL at once, and
# the server is started again with the ticker disabled.  None of these
# points is past the commit, so afterwards the universe must be exactly the
# one before the operation: sim.universe_digest(), sim.world's tick, state
# hash and epoch all equal; sim.snapshots does not list the killed snapshot
# (and its name is free again); snapshot 'base' is intact; sim.audit() is
# empty, sim.tick_log gap-free, no sequence is behind its table's ids
# (setval is not transactional: a killed rollback must not have moved one
# back), and sim.step ticks on.  Then the ticker,
# started again by the postmaster, ticks once enabled and resumed.
# A rollback with the ticker running commits, and the ticker goes on from
# the snapshot's tick.  Two more rounds let the operation commit and kill
# the server right after
# it returned: the new state survives (a snapshot listed with its tick and
# hash, and rolling back to it gives the digest it captured; a rollback's
# universe with the snapshot's digest, tick and hash, the new epoch it
# committed, and the command pending in the snapshot pending again).
#
# Apart from those two cases, the ticker is paused whenever a
# state is recorded or compared (sim.world's paused flag is part of the
# digest, and a tick between recording and comparing would change what is
# compared); nothing depends on how many ticks it manages while it runs.

use strict;
use warnings;

use FindBin;
use lib $FindBin::RealBin;

use PostgreSQL::Test::Cluster;
use PostgreSQL::Test::Utils;
use SimTest;
use Test::More;
use Time::HiRes qw(usleep);

my $db = 'postgres';
my $node = sim_node('lifecycle', restart_after_crash => 'on');
$node->start;

sub sq { return $node->safe_psql($db, $_[0]); }

# The universe as the test compares it: every table's digest, and the
# world's tick, state hash and epoch.
my $digest_sql = q{SELECT string_agg(table_name || ' ' || row_count || ' ' || md5, E'\n' ORDER BY table_name)
  FROM sim.universe_digest()};
sub state
{
	my ($tick, $hash, $epoch) = split /\|/,
	  sq(q{SELECT tick, encode(state_hash, 'hex'), epoch FROM sim.world});
	return { digest => sq($digest_sql), tick => $tick, hash => $hash, epoch => $epoch };
}

# Pids of every server process but the postmaster.
sub server_pids
{
	return split /\n/, sq('SELECT pid FROM pg_stat_activity ORDER BY pid');
}

sub wait_gone
{
	my @pids = @_;
	for (1 .. int($PostgreSQL::Test::Utils::timeout_default * 20))
	{
		return 1 unless grep { kill(0, $_) } @pids;
		usleep(50_000);
	}
	return 0;
}

# A power cut: SIGKILL to the postmaster and to every other server process
# at the same moment, then a start (crash recovery from the WAL) with
# sim.enabled off, so that no tick changes the universe before the test has
# compared it; ticker_ticks_on turns the ticker on again.
sub crash_and_restart
{
	my ($what) = @_;
	my @pids = server_pids();
	$node->kill9;
	kill('KILL', @pids);
	ok(wait_gone(@pids), "$what: every process of the killed server exits");
	$node->append_conf('postgresql.conf', "sim.enabled = off\n");
	$node->start;
}

# Wait (bounded) until the log since $offset says the fault point was
# reached; an ERROR in the log first means the operation failed instead.
sub wait_fault
{
	my ($point, $offset) = @_;
	for (1 .. int($PostgreSQL::Test::Utils::timeout_default * 10))
	{
		my $log = log_since($node, $offset);
		return 1 if $log =~ /sim lifecycle fault point \Q$point\E reached/;
		if ($log =~ /(ERROR:[^\n]*)/)
		{
			diag("the operation failed before $point: $1");
			return 0;
		}
		usleep(100_000);
	}
	diag("fault point $point not reached");
	return 0;
}

# Pause the ticker and wait until any tick it had begun is over.
sub pause_ticker
{
	sq('SELECT sim.pause()');
	ticker_looked($node);
}

# After a restart: a new ticker runs and, enabled and resumed, ticks; then
# it is paused again for what follows.
sub ticker_ticks_on
{
	my ($what, $old_ticker) = @_;
	ok(poll_until($node, $db,
			"SELECT count(*) = 1 AND bool_and(pid <> $old_ticker) FROM pg_stat_activity WHERE backend_type = 'sim ticker'"),
		"$what: the postmaster started a new ticker");
	my $t = tick_of($node);
	$node->append_conf('postgresql.conf', "sim.enabled = on\n");
	$node->reload;
	sq('SELECT sim.resume()');
	ok(wait_ticks($node, $t, 1, 30), "$what: resumed, the ticker ticks the universe on");
	pause_ticker();
}

# Everything that must hold after a restart, whichever state survived
# (the ticker still disabled).
sub check_sound
{
	my ($what) = @_;
	is(sq('SELECT count(*) FROM sim.audit()'), '0', "$what: sim.audit() is empty");
	is(sq(tick_log_gaps()), '', "$what: sim.tick_log is gap-free up to sim.world.tick");
	is(sq(q{SELECT string_agg(s, '; ') FROM public.sequences_behind() s}), '',
		"$what: no sequence is behind the ids its table holds");
	my $t = tick_of($node);
	my ($ret, $out, $err) = $node->psql($db, 'SELECT sim.step(3)');
	is($out, $t + 3, "$what: sim.step(3) ticks on from tick $t") or diag($err);
}

# Compare the universe with $want field by field (the digest table by
# table, so a failure names the table).
sub same_state
{
	my ($what, $got, $want, $label) = @_;
	is($got->{tick}, $want->{tick}, "$what: sim.world.tick is ${label}'s ($want->{tick})");
	is($got->{hash}, $want->{hash}, "$what: sim.world.state_hash is ${label}'s");
	is($got->{epoch}, $want->{epoch}, "$what: sim.world.epoch is ${label}'s");
	is($got->{digest}, $want->{digest}, "$what: sim.universe_digest() is ${label}'s");
}

sub snapshot_row
{
	my ($name) = @_;
	return sq(qq{SELECT tick || ' ' || encode(state_hash, 'hex') FROM sim.snapshots WHERE name = '$name'});
}

###
### A universe with players and NPCs trading, built with sim.step
###

sq('CREATE EXTENSION sim CASCADE');
# Sequences are not transactional: a setval in a killed transaction stays.
# Each sequence of a sim table's column whose next value is an id the table
# already holds (the next insert would fail on its key); sim.player_ship_id
# is only a floor (sim.create_player takes the greater of it and the
# largest ship id + 1).
sq(q{
CREATE FUNCTION public.sequences_behind() RETURNS SETOF text LANGUAGE plpgsql AS $$
DECLARE
    r       record;
    m       bigint;
    v       bigint;
    called  boolean;
BEGIN
    FOR r IN SELECT d.objid::regclass AS seq, d.refobjid::regclass AS tab, a.attname AS col
               FROM pg_depend d
               JOIN pg_class c ON c.oid = d.objid AND c.relkind = 'S'
               JOIN pg_namespace n ON n.oid = c.relnamespace AND n.nspname = 'sim'
                                      AND c.relname <> 'player_ship_id'
               JOIN pg_attribute a ON a.attrelid = d.refobjid AND a.attnum = d.refobjsubid
              WHERE d.classid = 'pg_class'::regclass AND d.refclassid = 'pg_class'::regclass
                AND d.deptype IN ('a', 'i')
              ORDER BY 1 LOOP
        EXECUTE format('SELECT max(%I)::bigint FROM %s', r.col, r.tab) INTO m;
        EXECUTE format('SELECT last_value, is_called FROM %s', r.seq) INTO v, called;
        IF m IS NOT NULL AND (v < m OR (v = m AND NOT called)) THEN
            RETURN NEXT format('%s is at %s, %s.%s at %s', r.seq, v, r.tab, r.col, m);
        END IF;
    END LOOP;
END $$});
sq('BEGIN; SELECT sim.generate_universe(7, 4, 300); SELECT sim.pause(); COMMIT');
pause_ticker();
my ($alice, $bob) = split /\|/,
  sq(q{SELECT sim.create_player('alice', credits => 1000000), sim.create_player('bob', credits => 1000000)});
my ($ship_a, $ship_b, $station) = split /\|/, sq(qq{
SELECT (SELECT s.id FROM sim.ship s JOIN sim.player p ON p.faction_id = s.faction_id WHERE p.id = $alice),
       (SELECT s.id FROM sim.ship s JOIN sim.player p ON p.faction_id = s.faction_id WHERE p.id = $bob),
       (SELECT s.docked_at FROM sim.ship s JOIN sim.player p ON p.faction_id = s.faction_id WHERE p.id = $alice)});
my @goods = split /\n/,
  sq("SELECT good_id FROM sim.station_stock WHERE station_id = $station AND qty > 50 ORDER BY good_id LIMIT 3");
is(scalar(@goods), 3, "the players' station sells three goods");
sq("SELECT sim.buy($ship_a, $goods[0], 10); SELECT sim.buy($ship_b, $goods[1], 8)");
sq("SELECT sim.place_order($ship_a, $goods[2], 'buy', 5, 1)");
sq('SELECT sim.step(10)');
sq("SELECT sim.sell($ship_a, $goods[0], 4)");
sq('SELECT sim.step(30)');
my $players = "(SELECT faction_id FROM sim.player)";
cmp_ok(sq("SELECT count(*) FROM sim.trade WHERE buyer_faction IN $players OR seller_faction IN $players"),
	'>=', 3, 'the players traded');
cmp_ok(sq("SELECT count(*) FROM sim.trade WHERE buyer_faction NOT IN $players AND seller_faction NOT IN $players"),
	'>', 0, 'the NPCs traded');

# the snapshot: a sale filed under the next tick and a command pending
sq("SELECT sim.sell($ship_b, $goods[1], 3)");
sq("SELECT sim.undock($ship_b)");
cmp_ok(sq('SELECT count(*) FROM sim.change c, sim.world w WHERE c.tick > w.tick'), '>', 0,
	"the sale's change rows are filed under the next tick");
# the sequence check can fail
{
	my $last = sq('SELECT last_value FROM sim.trade_id_seq');
	cmp_ok($last, '>', 1, 'the universe has trades');
	like(sq(q{SELECT setval('sim.trade_id_seq', 1); SELECT string_agg(s, '; ') FROM public.sequences_behind() s}),
		qr/^1\nsim\.trade_id_seq is at 1, sim\.trade\.id at \d+$/, 'control: the sequence check sees a sequence moved back');
	sq(qq{SELECT setval('sim.trade_id_seq', $last)});
	is(sq(q{SELECT string_agg(s, '; ') FROM public.sequences_behind() s}), '', 'control: ... and none otherwise');
}
my $base = state();
my ($snap_tick, $snap_hash) = split /\|/, sq(q{SELECT tick, encode(state_hash, 'hex') FROM sim.snapshot('base')});
is($snap_tick, $base->{tick}, "sim.snapshot('base') records the world's tick ($base->{tick})");
is($snap_hash, $base->{hash}, '... and its state hash');
same_state('snapshot', state(), $base, 'the one before it');

# tick on, the players still trading
sq('SELECT sim.step(10)');
sq("SELECT sim.buy($ship_a, $goods[1], 2)");
sq('SELECT sim.step(10)');
isnt(state()->{digest}, $base->{digest}, 'ticked on, the universe differs from the snapshot');

###
### Killed at each fault point
###

my @faults = (
	[ 'snapshot:captured', 'snapshot' ], [ 'snapshot:stored', 'snapshot' ],
	[ 'rollback:guarded', 'rollback' ], [ 'rollback:tables', 'rollback' ],
	[ 'rollback:world', 'rollback' ], [ 'rollback:notified', 'rollback' ]);
for my $f (@faults)
{
	my ($point, $op) = @$f;
	my $what = "killed at $point";
	(my $name = "s_$point") =~ tr/:/_/;
	my $sql = $op eq 'snapshot' ? "SELECT sim.snapshot('$name')" : q{SELECT sim.rollback('base')};

	# commands in flight, as between any two ticks
	sq("SELECT sim.buy($ship_a, $goods[2], 1)");
	my $ticker = ticker_pid($node) || 0;
	my $before;
	if ($point eq 'rollback:guarded')
	{
		# the ticker runs (the last round saw it tick): the rollback must
		# hold it off from the guard on
		sq('SELECT sim.resume()');
	}
	else
	{
		# past the guard the rollback rewrites the tables (readers of them
		# wait): the state is recorded before, the ticker paused
		$before = state();
	}
	my $offset = -s $node->logfile;
	my $session = $node->background_psql($db, on_error_stop => 0);
	$session->query_until(qr/started/,
		"\\echo started\nSET sim.lifecycle_fault = '$point';\n$sql;\n");
	# at the guard no tick commits: what is committed now is the old state
	# (if the operation failed instead, the ticker is paused first: the
	# checks below then show that the failure changed nothing)
	ok(wait_fault($point, $offset), "$what: the $op reaches the fault point") or pause_ticker();
	$before //= state();
	crash_and_restart($what);
	eval { $session->quit };

	like(log_since($node, $offset), qr/database system was not properly shut down; automatic recovery in progress/,
		"$what: the server recovered from the crash");
	same_state($what, state(), $before, 'the one before the operation');
	is(sq("SELECT count(*) FROM sim.snapshots WHERE name = '$name'"), '0',
		"$what: sim.snapshots does not list an uncommitted snapshot")
	  if $op eq 'snapshot';
	is(snapshot_row('base'), "$base->{tick} $base->{hash}", "$what: snapshot 'base' is intact");
	check_sound($what);
	if ($op eq 'snapshot')
	{
		is(sq("SELECT name FROM sim.snapshot('$name')"), $name, "$what: the name is free: the snapshot can be taken again");
		sq("SELECT sim.drop_snapshot('$name')");
	}
	ticker_ticks_on($what, $ticker);
}

###
### A rollback with the ticker running commits, and the ticker goes on
### from the snapshot's tick
###

{
	my $what = 'rollback with the ticker running';
	my $old_epoch = sq('SELECT epoch FROM sim.world');
	my $t = tick_of($node);
	sq('SELECT sim.resume()');
	ok(wait_ticks($node, $t, 1, 30), "$what: the ticker runs");
	my $e = sim_error($node, $db, q{SELECT sim.rollback('base')});
	is($e->{ret}, 0, "$what: sim.rollback('base') commits") or diag($e->{stderr});
	is(sq('SELECT paused FROM sim.world'), 'f', "$what: it leaves the ticker running");
	ok(wait_ticks($node, $base->{tick}, 1, 30), "$what: the ticker ticks on");
	pause_ticker();
	isnt(sq('SELECT epoch FROM sim.world'), $old_epoch, "$what: the universe has a new epoch");
	is(sq("SELECT encode(state_hash, 'hex') FROM sim.tick_log WHERE tick = $base->{tick}"), $base->{hash},
		"$what: the tick log holds the snapshot's tick with its hash");
	is(sq(tick_log_gaps()), '', "$what: sim.tick_log is gap-free up to sim.world.tick");
	is(sq('SELECT count(*) FROM sim.audit()'), '0', "$what: sim.audit() is empty");
}

###
### Completed, then killed right after
###

{
	my $what = 'snapshot committed, then killed';
	my $then = state();
	is(sq(q{SELECT name FROM sim.snapshot('after')}), 'after', "$what: sim.snapshot('after') returns");
	my $ticker = ticker_pid($node) || 0;
	crash_and_restart($what);
	is(snapshot_row('after'), "$then->{tick} $then->{hash}",
		"$what: sim.snapshots lists it with its tick and state hash");
	same_state($what, state(), $then, 'the one it captured');
	is(sq('SELECT count(*) FROM sim.audit()'), '0', "$what: sim.audit() is empty");
	ticker_ticks_on($what, $ticker);

	# what it holds survived too: rolling back to it gives what it captured
	sq(q{SELECT sim.rollback('after')});
	my $back = state();
	is($back->{digest}, $then->{digest}, "$what: rolled back to it, the universe's digest is the one it captured");
	is("$back->{tick} $back->{hash}", "$then->{tick} $then->{hash}", "$what: ... its tick and state hash too");
}

{
	my $what = 'rollback committed, then killed';
	sq("SELECT sim.buy($ship_a, $goods[2], 1)");
	sq('SELECT sim.step(5)');
	my $before = state();
	my ($tick, $hash) = split /\|/, sq(q{SELECT tick, encode(state_hash, 'hex') FROM sim.rollback('base')});
	my $epoch = sq('SELECT epoch FROM sim.world');
	is("$tick $hash", "$base->{tick} $base->{hash}", "$what: sim.rollback('base') returns the snapshot");
	my $ticker = ticker_pid($node) || 0;
	crash_and_restart($what);
	my $after = state();
	isnt($after->{epoch}, $before->{epoch}, "$what: the epoch is no longer the one before the rollback");
	isnt($after->{epoch}, $base->{epoch}, "$what: ... nor the snapshot's");
	same_state($what, $after, { %$base, epoch => $epoch }, "the snapshot's (with the rollback's new epoch)");
	is(sq("SELECT count(*) FROM sim.command WHERE ship_id = $ship_b AND status = 'pending'"), '1',
		"$what: the command pending in the snapshot is pending again");
	check_sound($what);
	is(sq("SELECT count(*) FROM sim.command WHERE ship_id = $ship_b AND status = 'pending'"), '0',
		"$what: ... and the next tick applies it");
	ticker_ticks_on($what, $ticker);
}

$node->stop;
done_testing();
