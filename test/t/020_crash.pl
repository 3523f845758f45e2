# 020_crash.pl -- crash safety of the ticking world (DESIGN promises 1-3).
#
# Ships fly on many plans (short hops, stations in their own and in other
# sectors through jump gates, bodies; drift, cruise and burn) while the
# ticker runs every 5 ms: player ships (even ids) where the test sends
# them, NPC ships (odd ids) wherever their pilots decide, undocking,
# docking and mining on the way.  The shape they start from (ships in
# flight, past a jump gate) is built with sim.step while the ticker is
# paused, so it depends on the seed, not on the machine's speed; only then
# does the ticker take over.  Then the server is killed with SIGKILL six
# times:
#   1. the ticker, at a random moment (the postmaster then stops every
#      process and reinitialises shared memory);
#   2. the postmaster alone, at a random moment (its children finish what
#      they are doing and exit);
#   3. the postmaster and all its processes at once (a power cut) while a
#      session is caught inside a sim.step(200) that has run its ticks but
#      not committed (a trigger waits on an advisory lock the test holds);
#   4-6. all processes, the ticker, the postmaster, each while the ticker is
#      caught inside a tick that has applied commands and moved ships but
#      not committed (a trigger waits on an advisory lock the test holds).
# Right before each kill a navigate is committed and acknowledged (in rounds
# 3-6 right before the tick is caught: a command waits for a tick in
# progress, as it journals under the next tick).  After
# each restart:
#   - the world resumes at or after the last tick seen committed, and a
#     killed tick or sim.step leaves none of its effects behind: commands it
#     applied are applied again by a later tick;
#   - sim.tick_log is a gap-free run of ticks ending at sim.world.tick
#     (trimmed to sim.tick_history at its start);
#   - every navigate or undock whose commit was acknowledged is still there,
#     pending or applied, and is applied by the next tick; every player ship
#     agrees with its latest applied command, no ship in flight missed its
#     arrival and no waiting ship its wake-up;
#   - the shared-memory world, rebuilt from the tables, puts every ship
#     where its flight plan says, bit for bit: sim.ship_positions() (the
#     SIMD kernel's output, from the ticker and from sim.step) equals
#     sim.ship_live (the scalar kernel on the table rows) at the same tick.
# The random moments and choices come from a seed printed at the start;
# SIM_CRASH_SEED=n repeats a run.

use strict;
use warnings;

use FindBin;
use lib $FindBin::RealBin;

use PostgreSQL::Test::Cluster;
use PostgreSQL::Test::Utils;
use SimTest;
use Test::More;
use Time::HiRes qw(usleep);

my $seed = $ENV{SIM_CRASH_SEED} // int(rand(1_000_000));
note "random seed $seed (set SIM_CRASH_SEED to repeat)";
srand($seed);

my $db = 'postgres';
my $history = 500;
my $nships = 400;
my $node = sim_node(
	'crash',
	'sim.tick_interval_ms' => 5,
	'sim.tick_history' => $history,
	restart_after_crash => 'on');
$node->start;

sub sq { return $node->safe_psql($db, $_[0]); }

sq('CREATE EXTENSION sim CASCADE');
# Odd ships keep their NPC pilots, whose decisions the ticks carry out; even
# ones become player ships (no personality), which only the test's commands
# move.  One transaction, so no tick sees them piloted; generated paused, so
# the shape the crashes start from is built by sim.step below.
sq(qq{BEGIN;
SELECT sim.generate_universe(11, 8, $nships);
DELETE FROM sim.npc_personality WHERE ship_id % 2 = 0;
SELECT sim.pause();
COMMIT});
my $player = 'NOT EXISTS (SELECT 1 FROM sim.npc_personality p WHERE p.ship_id = s.id)';

# Queue a command, or return NULL if sim.navigate / sim.undock refuses it
# (not enough fuel, say); the test only tracks commands that were accepted.
sq(q{
CREATE FUNCTION public.try_navigate(ship bigint, dest text, mode text, OUT id bigint, OUT legs integer)
LANGUAGE plpgsql AS $$
BEGIN
    SELECT n.command_id, n.legs INTO id, legs FROM sim.navigate(ship, dest, mode) n;
EXCEPTION WHEN others THEN
    id := NULL;
END $$;
CREATE FUNCTION public.try_undock(ship bigint) RETURNS bigint
LANGUAGE plpgsql AS $$
BEGIN
    RETURN sim.undock(ship);
EXCEPTION WHEN others THEN
    RETURN NULL;
END $$});

my @stations = map { [ split /\|/ ] } split /\n/, sq('SELECT id, sector_id FROM sim.station ORDER BY id');
my @planets = map { [ split /\|/ ] } split /\n/,
  sq(q{SELECT id, sector_id FROM sim.body WHERE kind = 'planet' ORDER BY id});
my @modes = qw(drift cruise burn);

my %cmds;    # command id => "kind dest"
my $multi_leg = 0;

sub pick { return $_[ int(rand(@_)) ]; }

# Queue navigate commands for up to $n idle player ships and undock up to
# $n/2 docked ones, all in one transaction; returns the ids accepted.
sub issue_batch
{
	my ($n) = @_;
	my @idle = map { [ split /\|/ ] } split /\n/, sq(qq{
SELECT s.id, s.sector_id, s.x, s.y, s.z, ST_X(c.center), ST_Y(c.center), ST_Z(c.center)
  FROM sim.ship s JOIN sim.sector c ON c.id = s.sector_id
 WHERE s.state = 'idle' AND $player
   AND NOT EXISTS (SELECT 1 FROM sim.command m WHERE m.ship_id = s.id AND m.status = 'pending')
 ORDER BY s.id});
	my @values;
	for my $s (grep { defined } map { splice(@idle, int(rand(@idle)), 1) } 1 .. $n)
	{
		my ($id, $sector, @p) = @$s;
		my @c = splice(@p, 3);
		my $r = rand();
		my $dest;
		if ($r < 0.4)
		{
			# a short hop towards the sector's centre: it arrives during the test
			my $d = sqrt(($c[0] - $p[0])**2 + ($c[1] - $p[1])**2 + ($c[2] - $p[2])**2);
			my $k = (100 + rand(2900)) / $d;
			$dest = sprintf('point:%.17g,%.17g,%.17g', map { $p[$_] + $k * ($c[$_] - $p[$_]) } 0 .. 2);
		}
		elsif ($r < 0.6)
		{
			$dest = 'station:' . pick(grep { $_->[1] == $sector } @stations)->[0];
		}
		elsif ($r < 0.85)
		{
			$dest = 'station:' . pick(grep { $_->[1] != $sector } @stations)->[0];
		}
		else
		{
			$dest = 'body:' . pick(@planets)->[0];
		}
		push @values, "($id, '$dest', '" . pick(@modes) . "')";
	}
	my @docked = split /\n/, sq(qq{
SELECT s.id FROM sim.ship s
 WHERE s.state = 'docked' AND $player
   AND NOT EXISTS (SELECT 1 FROM sim.command m WHERE m.ship_id = s.id AND m.status = 'pending')
 ORDER BY s.id});
	# undock half as many (as many when no ship is idle)
	my @undock = grep { defined } map { splice(@docked, int(rand(@docked)), 1) }
	  1 .. (@values ? int($n / 2) : $n);
	my @parts;
	push @parts, 'SELECT t.id, t.legs, v.dest FROM (VALUES '
	  . join(', ', @values)
	  . ') v(ship, dest, mode), public.try_navigate(v.ship, v.dest, v.mode) t WHERE t.id IS NOT NULL'
	  if @values;
	push @parts, "SELECT public.try_undock(u), 0, 'undock' FROM unnest(ARRAY["
	  . join(',', @undock)
	  . ']::bigint[]) u'
	  if @undock;
	return () unless @parts;
	my $sql = join("\nUNION ALL ", @parts);
	my @ids;
	for (split /\n/, sq($sql))
	{
		my ($cid, $legs, $dest) = split /\|/;
		next if $cid eq '';
		$cmds{$cid} = $dest;
		$multi_leg++ if $legs > 1;
		push @ids, $cid;
	}
	return @ids;
}

# Pids of every process of the node (pg_stat_activity lists the backends,
# the ticker and the auxiliary processes) but the postmaster.
sub server_pids
{
	return split /\n/, sq('SELECT pid FROM pg_stat_activity ORDER BY pid');
}

# Wait until none of @pids is alive (at most the suite's timeout).
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

# SIGKILL the postmaster (and with $all every other server process at the
# same moment, as a power cut would), wait for them all to be gone, start.
sub crash_postmaster
{
	my ($all) = @_;
	my @pids = server_pids();
	$node->kill9;
	kill('KILL', @pids) if $all;
	ok(wait_gone(@pids), 'every process of the killed server exits');
	$node->start;
}

# A query listing every ship whose sim.ship_positions() entry differs in
# any bit from sim.ship_live, or is missing, or is for another tick.
my $position_diff = q{
SELECT coalesce(l.id, p.ship_id) || ': ' || coalesce(p.tick::text, '-') || ' vs ' || coalesce(l.tick::text, '-')
       || ' (' || coalesce(p.x || ',' || p.y || ',' || p.z, '-') || ') vs ('
       || coalesce(ST_X(l.pos) || ',' || ST_Y(l.pos) || ',' || ST_Z(l.pos), '-') || ')'
  FROM sim.ship_live l
  FULL JOIN sim.ship_positions() p ON p.ship_id = l.id
 WHERE l.id IS NULL OR p.ship_id IS NULL OR p.tick IS DISTINCT FROM l.tick
    OR float8send(p.x) <> float8send(ST_X(l.pos))
    OR float8send(p.y) <> float8send(ST_Y(l.pos))
    OR float8send(p.z) <> float8send(ST_Z(l.pos))
 ORDER BY 1 LIMIT 10};

# Applied commands whose player ship contradicts them: the latest applied
# command of each player ship must explain the ship's state and plan (NPC
# ships act on their own).  An undocking ship is idle undock_ticks after
# the command; a ship at the end of its flight is docking or docked at the
# station, orbiting the body or idle at the point it was sent to.  Player
# ships in flight must owe it to an applied navigate.
my $command_diff = qq{
WITH last AS (
    SELECT DISTINCT ON (ship_id) * FROM sim.command WHERE status = 'applied' ORDER BY ship_id, id DESC)
SELECT 'command ' || c.id || ' (' || c.kind || ' ' || coalesce(c.dest_kind || ':' || c.dest_id, c.dest_kind, '')
       || ' at ' || c.applied_tick || ') vs ship ' || s.id || ' ' || s.state || ' '
       || coalesce(s.dest_kind || ':' || s.dest_id, s.dest_kind, '-') || ' leg from ' || s.leg_start_tick
       || ' berth ' || coalesce(s.docked_at::text, '-') || ' body ' || coalesce(s.body_id::text, '-')
       || ' wakes ' || coalesce(s.wake_tick::text, '-') || ' at tick ' || w.tick
  FROM last c JOIN sim.ship s ON s.id = c.ship_id, sim.world w, sim.economy e
 WHERE $player AND NOT CASE
       WHEN c.kind = 'undock' THEN
            CASE WHEN w.tick < c.applied_tick + e.undock_ticks
                 THEN s.state = 'undocking' AND s.docked_at IS NOT NULL
                      AND s.wake_tick = c.applied_tick + e.undock_ticks
                 ELSE s.state = 'idle' AND s.docked_at IS NULL AND s.wake_tick IS NULL END
       WHEN s.state = 'flying' THEN s.dest_kind = c.dest_kind AND s.dest_id IS NOT DISTINCT FROM c.dest_id
                                    AND s.leg_start_tick >= c.applied_tick AND s.arrival_tick IS NOT NULL
       WHEN s.arrival_tick IS NOT NULL OR s.dest_kind IS NOT NULL THEN false
       WHEN c.dest_kind = 'station' THEN s.state IN ('docking', 'docked') AND s.docked_at = c.dest_id
       WHEN c.dest_kind = 'body' THEN s.state = 'orbiting' AND s.body_id = c.dest_id
       ELSE s.state = 'idle' AND s.docked_at IS NULL AND s.body_id IS NULL END
UNION ALL
SELECT 'ship ' || s.id || ' flies without an applied navigate'
  FROM sim.ship s
 WHERE s.state = 'flying' AND $player
   AND NOT EXISTS (SELECT 1 FROM sim.command c WHERE c.ship_id = s.id AND c.kind = 'navigate' AND c.status = 'applied')
UNION ALL
SELECT 'ship ' || f.ship_id || ' still has leg ' || f.seq || ' though it is on leg ' || s.leg_seq
  FROM sim.flight_leg f JOIN sim.ship s ON s.id = f.ship_id
 WHERE f.seq <= s.leg_seq OR s.state <> 'flying'
ORDER BY 1 LIMIT 10};

my $late_arrivals = q{
SELECT string_agg(s.id || ' due at ' || s.arrival_tick, ', ')
  FROM sim.ship s, sim.world w WHERE s.state = 'flying' AND s.arrival_tick <= w.tick};

# Every ship a committed tick left waiting (undocking, docking, mining, an
# NPC pilot's next decision) wakes at a later tick: one due at or before the
# committed tick was missed.
my $late_wakes = q{
SELECT string_agg(s.id || ' (' || s.state || ') due at ' || s.wake_tick, ', ')
  FROM sim.ship s, sim.world w WHERE s.wake_tick <= w.tick};

# Everything that must hold once the server is back.  $seen is the last
# tick seen committed before the crash; $old_ticker the ticker's pid then.
sub check_recovery
{
	my ($what, $seen, $old_ticker, $last_cmd) = @_;

	ok(poll_until($node, $db, "SELECT count(*) > 0 AND bool_and(pid <> $old_ticker) FROM pg_stat_activity WHERE backend_type = 'sim ticker'"),
		"$what: a new ticker runs");
	my $t = tick_of($node);
	cmp_ok($t, '>=', $seen, "$what: the world resumes at or after the last tick seen committed ($seen)");
	ok(wait_ticks($node, $t, 5), "$what: the ticker ticks on");
	is(sq(tick_log_gaps($history)), '', "$what: sim.tick_log is gap-free up to sim.world.tick");

	my $ids = join(',', sort { $a <=> $b } keys %cmds);
	is(sq("SELECT count(*) FROM sim.command WHERE id IN ($ids)"), scalar(keys %cmds),
		"$what: all " . scalar(keys %cmds) . ' acknowledged commands survive');
	is(sq("SELECT status IN ('pending', 'applied') FROM sim.command WHERE id = $last_cmd"), 't',
		"$what: the command acknowledged right before the kill survives");
	is(sq("SELECT count(*) FROM sim.command c, sim.world w WHERE c.id IN ($ids) AND "
		  . "((c.status = 'pending') <> (c.applied_tick IS NULL) OR c.applied_tick > w.tick)"), '0',
		"$what: applied commands carry a committed applied_tick, pending ones none");
	is(sq($command_diff), '', "$what: every player ship agrees with its latest applied command");
	is(sq($late_arrivals), '', "$what: no ship in flight has missed its arrival");
	is(sq($late_wakes), '', "$what: no ship has missed its wake-up");

	# The ticker's own grid, at a quiescent moment
	sq('SELECT sim.pause()');
	ok(poll_until($node, $db, 'SELECT p.tick = w.tick FROM sim.world w, (SELECT max(tick) AS tick FROM sim.ship_positions()) p'),
		"$what: paused, the published index is at the committed tick");
	is(sq($position_diff), '', "$what: the ticker's sim.ship_positions() equals sim.ship_live bit for bit");
	is(sq('SELECT count(*) FROM sim.ship_positions()'), $nships, "$what: ... for all $nships ships");

	# One more tick from this session applies whatever is pending
	my $t2 = tick_of($node);
	is(sq('SELECT sim.step(1)'), $t2 + 1, "$what: sim.step(1) advances one tick");
	is(sq($position_diff), '', "$what: after it, sim.ship_positions() equals sim.ship_live bit for bit");
	is(sq("SELECT string_agg(id || ' ' || status || coalesce(': ' || error, ''), '; ') FROM sim.command "
		  . "WHERE id IN ($ids) AND status <> 'applied'"), '',
		"$what: every acknowledged command is now applied");
	is(sq($command_diff), '', "$what: every player ship agrees with its latest applied command");
	is(sq($late_wakes), '', "$what: no ship has missed its wake-up");
	is(sq(tick_log_gaps($history)), '', "$what: sim.tick_log is gap-free");
	sq('SELECT sim.resume()');
}

###
### Set the universe in motion
###

# The shape the crashes start from is built with sim.step while the ticker
# is paused, never by waiting: what is flying, docked or past a jump gate is
# a function of the seed alone, not of how many ticks the machine allowed.
# The ticker takes over afterwards.
my $undock_ticks = sq('SELECT undock_ticks FROM sim.economy');
my $pending = q{SELECT count(*) FROM sim.command WHERE status = 'pending'};
# most generated ships are docked: undock the player ships first; they are
# idle undock_ticks after the tick that applies the command
cmp_ok(sq(qq{SELECT count(sim.undock(id)) FROM sim.ship s WHERE state = 'docked' AND $player}), '>', 0,
	'undock the docked player ships');
my $t0 = tick_of($node);
is(sq('SELECT sim.step(' . ($undock_ticks + 1) . ')'), $t0 + $undock_ticks + 1,
	'sim.step(undock_ticks + 1) runs the undocking');
is(sq($pending), '0', 'its first tick applied the undock commands');
is(sq(qq{SELECT count(*) FROM sim.ship s WHERE state = 'undocking' AND $player}), '0',
	'the player ships have undocked');
issue_batch(150);
sq('SELECT sim.step(1)');
is(sq($pending), '0', 'the next tick applies the first commands');
# Run enough ticks at once that ships cross gates (a gate lies some 200,000
# km out, 300 to 2000 ticks away) but not so many that their journeys end
$t0 = tick_of($node);
is(sq('SELECT sim.step(2000)'), $t0 + 2000, 'sim.step(2000) runs 2000 ticks');
issue_batch(60);
sq('SELECT sim.step(1)');
is(sq($pending), '0', 'the next tick applies the new commands');
cmp_ok($multi_leg, '>', 0, "some commands cross sectors ($multi_leg)");
my $past_jump = sq(qq{SELECT count(*) FROM sim.ship s WHERE state = 'flying' AND leg_seq > 0 AND $player});
cmp_ok($past_jump, '>', 0, "some player ships are past their first jump ($past_jump)");
my $flying = sq(qq{SELECT count(*) FROM sim.ship s WHERE state = 'flying' AND $player});
cmp_ok($flying, '>=', 50, "many player ships are in flight ($flying)");
my $npc_flying = sq(qq{SELECT count(*) FROM sim.ship s WHERE state = 'flying' AND NOT $player});
cmp_ok($npc_flying, '>=', 50, "and many NPC ships ($npc_flying)");

# The checks of check_recovery can fail: a one-ulp change, a missing tick,
# a missed wake-up and a ship that contradicts its command all show.  Run
# here, paused, where the ships they need exist whatever the machine's speed.
{
	my $what = 'control';
	my $ship = sq(q{SELECT min(id) FROM sim.ship WHERE state = 'idle'});
	like(sq("BEGIN; UPDATE sim.ship SET x = x + abs(x) * 2.3e-16 WHERE id = $ship; $position_diff; ROLLBACK"),
		qr/^$ship: /m, "$what: the position check sees a one-ulp change");
	like(sq('BEGIN; DELETE FROM sim.tick_log WHERE tick = (SELECT max(tick) - 10 FROM sim.tick_log); '
		  . tick_log_gaps($history) . '; ROLLBACK'),
		qr/^gap after tick/, "$what: the tick log check sees a missing tick");
	like(sq("BEGIN; UPDATE sim.ship SET wake_tick = (SELECT tick FROM sim.world) WHERE id = $ship; "
		  . "$late_wakes; ROLLBACK"),
		qr/^$ship \(idle\) due at /, "$what: the wake-up check sees a missed wake-up");
	my ($flyer, $flyer_cmd) = split /\|/, sq(qq{
SELECT s.id, (SELECT max(c.id) FROM sim.command c WHERE c.ship_id = s.id AND c.status = 'applied')
  FROM sim.ship s WHERE s.state = 'flying' AND s.dest_kind IN ('station', 'body') AND $player
 ORDER BY s.id LIMIT 1});
	ok(defined $flyer, "$what: a player ship flies to a station or a body") or ($flyer, $flyer_cmd) = (0, 0);
	like(sq("BEGIN; UPDATE sim.command SET dest_id = dest_id + 1 WHERE id = $flyer_cmd; $command_diff; ROLLBACK"),
		qr/^command $flyer_cmd .* vs ship $flyer flying /m,
		"$what: the command check sees a ship flying elsewhere than it was sent");
	like(sq("BEGIN; DELETE FROM sim.command WHERE ship_id = $flyer; $command_diff; ROLLBACK"),
		qr/^ship $flyer flies without an applied navigate$/m,
		"$what: the command check sees a player ship flying without a command");
}

$t0 = tick_of($node);
sq('SELECT sim.resume()');
ok(wait_ticks($node, $t0, 20), 'the ticker runs the universe once resumed');
check_recovery('before any crash', tick_of($node), 0, (sort { $b <=> $a } keys %cmds)[0]);

###
### Crash, again and again
###

# While a session holds advisory lock 4242 (it is free otherwise), a tick
# of the ticker stops inside its transaction once it has applied its
# commands, moved its ships, logged itself and advanced the counter; a
# sim.step likewise on lock 4243, once it has run and logged all its ticks.
sq(q{
CREATE FUNCTION public.hold_tick() RETURNS trigger LANGUAGE plpgsql AS
    $$BEGIN
    PERFORM pg_advisory_xact_lock_shared(
        CASE (SELECT source FROM sim.tick_log WHERE tick = NEW.tick) WHEN 'step' THEN 4243 ELSE 4242 END);
    RETURN NEW;
    END$$;
CREATE TRIGGER hold_tick AFTER UPDATE ON sim.world FOR EACH ROW WHEN (NEW.tick <> OLD.tick)
    EXECUTE FUNCTION public.hold_tick()});

# What to kill, and whether the ticker is caught inside a tick (else the
# moment is random)
my @rounds = (
	[ 'ticker', 0 ], [ 'postmaster', 0 ], [ 'step', 0 ],
	[ 'all', 1 ], [ 'ticker', 1 ], [ 'postmaster', 1 ]);
for my $round (1 .. @rounds)
{
	my ($kind, $hold) = @{ $rounds[ $round - 1 ] };
	my $what = "crash $round ($kind" . ($hold ? ', mid-tick' : '') . ')';

	issue_batch(30);
	usleep(200_000 + int(rand(1_300_000)));

	my $ticker = sq(q{SELECT worker_pid FROM sim.status});
	my $offset = -s $node->logfile;
	my $session;    # a background session killed with the server
	my $holder;     # one holding lock 4243, likewise
	my @held;       # commands pending when the ticker was caught in its tick
	my $cmd;        # a command acknowledged just before the kill

	# When a tick is caught in progress (rounds 3-6), the command is
	# acknowledged before it is caught: a command waits for a tick in
	# progress (its journal line is filed under the next tick), and the
	# caught tick does not end before the kill.
	($cmd) = issue_batch(1) if $kind eq 'step' || $hold;

	if ($kind eq 'step')
	{
		# a session caught inside sim.step(200), after its 200 ticks, before
		# its commit: it waits for lock 4243, which $holder holds
		$holder = $node->background_psql($db);
		$holder->query_safe('SELECT pg_advisory_lock(4243)');
		$session = $node->background_psql($db, on_error_stop => 0);
		$session->query_until(qr/stepping/, "\\echo stepping\nSELECT sim.step(200);\n");
		ok(poll_until($node, $db,
				q{SELECT wait_event FROM pg_stat_activity WHERE query LIKE 'SELECT sim.step(200)%' AND state = 'active'},
				'advisory'),
			"$what: a session is caught inside sim.step(200), after its ticks");
		# it holds the tick: sim.world's row is locked by its transaction
		# (the ticker only tries SKIP LOCKED)
		is(sq(q{SELECT count(*) FROM pg_stat_activity a, sim.world w
				 WHERE a.query LIKE 'SELECT sim.step(200)%' AND w.xmax::text = a.backend_xid::text}),
			'1', "$what: ... holding sim.world's row");
	}
	elsif ($hold)
	{
		# commands queued while paused: the caught tick applies them
		sq('SELECT sim.pause()');
		issue_batch(15);
		$session = $node->background_psql($db);
		$session->query_safe('SELECT pg_advisory_lock(4242)');
		@held = split /\n/, sq(q{SELECT id FROM sim.command WHERE status = 'pending' ORDER BY id});
		sq('SELECT sim.resume()');
		ok(poll_until($node, $db,
				q{SELECT wait_event FROM pg_stat_activity WHERE backend_type = 'sim ticker'}, 'advisory'),
			"$what: the ticker is caught inside a tick, after its writes");
	}

	# a command acknowledged just before the kill, and the last tick seen
	($cmd) = issue_batch(1) unless $kind eq 'step' || $hold;
	$cmd //= (sort { $b <=> $a } keys %cmds)[0];
	my $seen = tick_of($node);
	if ($kind eq 'step')
	{
		ok(ticker_looked($node), "$what: the ticker tries to tick meanwhile");
		is(tick_of($node), $seen, "$what: ... but the world stays at tick $seen");
		# a power cut: the postmaster and every process at once
		crash_postmaster(1);
		is(sq("SELECT count(*) FROM sim.tick_log WHERE source = 'step' AND tick > $seen"),
			'0', "$what: none of the killed sim.step's 200 ticks survive");
	}
	elsif ($kind eq 'ticker')
	{
		is(kill('KILL', $ticker), 1, "$what: SIGKILL the ticker (pid $ticker)");
		$node->wait_for_log(qr/all server processes terminated; reinitializing/, $offset);
		like(log_since($node, $offset),
			qr/background worker "sim ticker[^"]*" \(PID $ticker\) was terminated by signal 9/,
			"$what: the postmaster saw the ticker crash and reinitialised");
		ok(poll_until($node, $db, 'SELECT 1', '1'), "$what: the server comes back");
	}
	else
	{
		crash_postmaster($kind eq 'all');
	}
	eval { $session->quit } if $session;
	eval { $holder->quit } if $holder;
	if (@held)
	{
		is(sq("SELECT count(*) FROM sim.command WHERE id IN (" . join(',', @held)
			  . ") AND status = 'applied' AND applied_tick <= $seen"), '0',
			"$what: the commands the killed tick applied (" . scalar(@held) . ') are applied again later, not lost');
	}
	check_recovery($what, $seen, $ticker, $cmd);
}

cmp_ok(scalar(keys %cmds), '>=', 150, 'the test tracked many acknowledged commands (' . scalar(keys %cmds) . ')');
$node->stop;
done_testing();
