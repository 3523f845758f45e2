# 010_ticker.pl -- the ticker background worker.
#
# One node with sim preloaded ticks database postgres every 20 ms.  The
# test checks that the ticker shows up, ticks gap-free, lets NPC pilots act
# (while player ships stay put), reports itself in sim.status and through
# LISTEN sim_tick, obeys pause/step/resume and reloads of sim.enabled and
# sim.tick_interval_ms, skips slots it overran without skipping ticks,
# applies commands issued while it runs, is not misled by a tick rolled back
# to a savepoint, survives a failing tick, and refuses a universe larger
# than sim.max_ships.  A second
# node without shared_preload_libraries checks the errors of functions that
# need the shared-memory world.
#
# Waiting is by bounded polls (the suite's timeout); "nothing happens" is
# checked once the ticker is seen to have looked (paused, a failing tick)
# or across a pause of many tick intervals (a reload), never by measuring
# how long anything took, and no assertion counts the ticks the wall clock
# allowed: a flight is checked in the history its ticks wrote, and run to
# its arrival by sim.step.

use strict;
use warnings;

use FindBin;
use lib $FindBin::RealBin;

use JSON::PP;
use PostgreSQL::Test::Cluster;
use PostgreSQL::Test::Utils;
use SimTest;
use Test::More;
use Time::HiRes qw(usleep);

my $db = 'postgres';
my $node = sim_node('ticker', 'sim.tick_interval_ms' => 20);
$node->start;
$node->safe_psql($db, 'CREATE EXTENSION sim CASCADE');

sub sq { return $node->safe_psql($db, $_[0]); }

# ALTER SYSTEM SET name = value, reload, and wait until sessions see it.
# A new session sees it only once the postmaster has signalled its
# children, the ticker among them: from then on the ticker can finish at
# most the one tick it was in before it rereads its settings.
sub set_and_reload
{
	my ($name, $value) = @_;
	sq("ALTER SYSTEM SET $name = '$value'");
	sq('SELECT pg_reload_conf()');
	return poll_until($node, $db, "SELECT setting FROM pg_settings WHERE name = '$name'", $value);
}

###
### The worker
###

ok( poll_until(
		$node, $db,
		"SELECT count(*) FROM pg_stat_activity WHERE backend_type = 'sim ticker' AND datname = 'postgres'",
		'1'),
	'the ticker runs on sim.database with backend_type "sim ticker"');
my $pid = ticker_pid($node);
SKIP:
{
	skip 'no /proc to read process titles from', 1 unless -r "/proc/$pid/cmdline";
	like(slurp_file("/proc/$pid/cmdline"), qr/sim ticker for database postgres/,
		'its process title names the database');
}

is(sq('SELECT count(*) FROM sim.tick_log'), '0', 'without a universe nothing is ticked');

# NPC pilots keep the ticker busy, except on the ships generated idle (most
# start docked): without a personality they are player ships that move only
# when commanded (below).  One transaction, so no tick sees them piloted.
sq(q{BEGIN;
SELECT sim.generate_universe(7, 4, 300);
DELETE FROM sim.npc_personality p USING sim.ship s WHERE s.id = p.ship_id AND s.state = 'idle';
COMMIT});
my $players = q{(SELECT s.id FROM sim.ship s
                  WHERE NOT EXISTS (SELECT 1 FROM sim.npc_personality p WHERE p.ship_id = s.id))};
cmp_ok(sq("SELECT count(*) FROM $players p"), '>=', 2, 'at least two idle ships are player ships');
ok(wait_ticks($node, 0, 10), 'ticks advance once a universe exists');

is(sq(tick_log_gaps()), '', 'sim.tick_log is a gap-free run of ticks from 1 to sim.world.tick');
is(sq(q{SELECT count(*) FROM sim.tick_log WHERE source <> 'worker'}), '0',
	'every tick so far is logged with source worker');
ok(poll_until($node, $db, 'SELECT count(*) > 0 FROM sim.ship_event'),
	"the worker's ticks let NPC pilots act: ships change state");

# sim.status and the durations it summarises, read in one snapshot
my ($st_pid, $p50, $p99, $durations, $enabled, $paused, $interval, $loaded, $kernel) = split /\|/,
  sq(q{SELECT worker_pid, tick_ms_p50, tick_ms_p99,
             (SELECT string_agg(duration_ms::text, ',') FROM
                (SELECT duration_ms FROM sim.tick_log ORDER BY tick DESC LIMIT 100) r),
             enabled, paused, tick_interval_ms, cache_loaded, kernel FROM sim.status});
is($st_pid, $pid, 'sim.status.worker_pid is the ticker in pg_stat_activity');
{
	# percentile_cont over the last 100 ticks, computed here
	my @d = sort { $a <=> $b } split /,/, $durations;
	my $pct = sub {
		my $r = $_[0] * $#d;
		my $lo = int($r);
		return $lo == $#d ? $d[$lo] : $d[$lo] + ($d[ $lo + 1 ] - $d[$lo]) * ($r - $lo);
	};
	my @want = map { sprintf('%.6f', $pct->($_)) } 0.5, 0.99;
	is(join(' ', map { sprintf('%.6f', $_) } $p50, $p99), "@want",
		'sim.status reports tick_ms_p50 and tick_ms_p99, the percentiles of the last 100 ticks\' durations ('
		  . scalar(@d) . ')');
}
is("$enabled $paused $interval", 't f 20', 'sim.status shows enabled, not paused, 20 ms');
is($loaded, 't', 'sim.status shows the shared-memory cache loaded');
like($kernel, qr/^(scalar|avx2|avx512)$/, 'sim.status names the kinematics kernel');

###
### LISTEN sim_tick
###

my $listener = $node->background_psql($db);
$listener->query_safe('LISTEN sim_tick');
my @notes;    # [ payload, sender pid ] in arrival order

# Collect the notifications delivered so far.
sub drain
{
	my $out = $listener->query_safe('SELECT 1');
	while ($out =~
		/^Asynchronous notification "sim_tick" with payload "(.*)" received from server process with PID (\d+)\.$/mg)
	{
		push @notes, [ $1, $2 ];
	}
	return scalar @notes;
}

for (1 .. int($PostgreSQL::Test::Utils::timeout_default * 20))
{
	last if drain() >= 10;
	usleep(50_000);
}
cmp_ok(scalar @notes, '>=', 10, 'a listener receives sim_tick notifications');

my @decoded = map { my $j = eval { decode_json($_->[0]) }; $j } @notes;
is(scalar(grep { ref $_ eq 'HASH' } @decoded), scalar @notes, 'every payload is a JSON object');
is_deeply(
	[ sort grep { $_ ne 'sectors' && $_ ne 'sectors_truncated' } keys %{ $decoded[0] } ],
	[qw(arrivals at changes changes_total commands epoch ms rejected sectors_touched ships_in_flight tick)],
	'the payload has tick, epoch, at, ships_in_flight, arrivals, commands, rejected, ms and the change counts');
{
	my $epoch = sq('SELECT epoch FROM sim.world');
	is(scalar(grep { $_->{epoch} == $epoch } @decoded), scalar @decoded, 'every payload carries the universe\'s epoch');
}
is(scalar(grep { exists $_->{sectors} } @decoded), scalar @decoded, 'a small universe\'s payloads list their sectors');
{
	my $t = $decoded[-1];
	is( sq("SELECT count(*) || ' ' || count(DISTINCT sector_id) FILTER (WHERE sector_id <> 0) || ' ' || "
		  . "coalesce((SELECT string_agg(s::text, ',' ORDER BY s) FROM (SELECT DISTINCT sector_id AS s "
		  . "FROM sim.change WHERE tick = $t->{tick} AND sector_id <> 0) d), '') "
		  . "FROM sim.change WHERE tick = $t->{tick}"),
		"$t->{changes_total} $t->{sectors_touched} " . join(',', sort { $a <=> $b } @{ $t->{sectors} }),
		'its change counts and sectors are those of the tick\'s rows in sim.change');
	my $sum = 0;
	$sum += $_ for values %{ $t->{changes} };
	is($sum, $t->{changes_total}, 'the counts by kind add up to the total');
}
is(scalar(grep { $_->[1] ne $pid } @notes), 0, 'the ticker sends them');
my @nticks = map { $_->{tick} } @decoded;
is_deeply(\@nticks, [ $nticks[0] .. $nticks[0] + $#nticks ],
	'one notification per tick, in order, none missing');
{
	my $t = $decoded[-1];
	is( sq("SELECT ships_in_flight || ' ' || arrivals || ' ' || commands FROM sim.tick_log WHERE tick = $t->{tick}"),
		"$t->{ships_in_flight} $t->{arrivals} $t->{commands}",
		'the payload agrees with the tick\'s sim.tick_log row');
}

###
### pause, step, resume
###

sq('SELECT sim.pause()');
my $t1 = tick_of($node);
ok(ticker_looked($node), 'paused, the ticker still looks at the world');
is(tick_of($node), $t1, 'sim.pause() stops the ticker: the tick stays put');
is(sq('SELECT paused FROM sim.status'), 't', 'sim.status shows paused');
is(sq('SELECT sim.step(3)'), $t1 + 3, 'sim.step(3) while paused returns the tick three on');
is(tick_of($node), $t1 + 3, '... and the world is three ticks on');
is(sq("SELECT string_agg(tick || ':' || source, ',' ORDER BY tick) FROM sim.tick_log WHERE tick > $t1"),
	join(',', map { ($t1 + $_) . ':step' } 1 .. 3),
	'... logging exactly three ticks with source step');
ok(ticker_looked($node), 'the ticker looks at the world again after the steps');
is(tick_of($node), $t1 + 3, '... and stays paused: the tick is where the steps left it');

sq('SELECT sim.resume()');
ok(wait_ticks($node, $t1 + 3, 5), 'sim.resume() restarts the ticker');
is(sq("SELECT count(*) FROM sim.tick_log WHERE tick > $t1 + 3 AND source <> 'worker'"), '0',
	'... whose ticks are logged with source worker');
is(sq(tick_log_gaps()), '', 'sim.tick_log is still gap-free');

###
### sim.enabled
###

ok(set_and_reload('sim.enabled', 'off'), 'sim.enabled = off is reloaded');
my $t2 = tick_of($node);
usleep(1_000_000);    # 50 intervals
cmp_ok(tick_of($node), '<=', $t2 + 1,
	'the ticker stops after sim.enabled = off and a reload: at most the tick it was in then commits');
is(sq('SELECT enabled FROM sim.status'), 'f', 'sim.status shows enabled = f');
is(ticker_pid($node), $pid, 'the disabled ticker is still there, waiting');
ok(set_and_reload('sim.enabled', 'on'), 'sim.enabled = on is reloaded');
ok(wait_ticks($node, $t2, 5), 'the ticker ticks again after sim.enabled = on');

###
### sim.tick_interval_ms
###

ok(set_and_reload('sim.tick_interval_ms', '3600000'), 'sim.tick_interval_ms = 1 h is reloaded');
my $t3 = tick_of($node);
usleep(1_000_000);    # 50 of the old intervals
cmp_ok(tick_of($node), '<=', $t3 + 1,
	'with a one-hour interval the ticker stops ticking: at most the tick it was in then commits');
is(sq('SELECT tick_interval_ms FROM sim.status'), '3600000', 'sim.status shows the new interval');
ok(set_and_reload('sim.tick_interval_ms', '20'), 'sim.tick_interval_ms = 20 ms is reloaded');
ok(wait_ticks($node, $t3, 20), 'with a 20 ms interval the ticker ticks again at once');

###
### Overrun: ticks longer than the interval
###

# Every tick sleeps 5 ms in a trigger; with a 1 ms interval every tick
# overruns several slots.
sq(q{CREATE FUNCTION public.slow_tick() RETURNS trigger LANGUAGE plpgsql AS
    $$BEGIN PERFORM pg_sleep(0.005); RETURN NEW; END$$});
sq('CREATE TRIGGER slow_tick AFTER INSERT ON sim.tick_log FOR EACH ROW EXECUTE FUNCTION public.slow_tick()');
my $skipped0 = sq('SELECT ticks_skipped FROM sim.status');
my $t4 = tick_of($node);
ok(set_and_reload('sim.tick_interval_ms', '1'), 'sim.tick_interval_ms = 1 ms is reloaded');
ok(poll_until($node, $db, "SELECT ticks_skipped > $skipped0 AND tick >= $t4 + 30 FROM sim.status"),
	'ticks longer than the interval make sim.status.ticks_skipped grow');
is(sq(tick_log_gaps()), '', '... while sim.tick_log stays gap-free: skipped slots are not skipped ticks');
is(sq("SELECT count(*) - count(DISTINCT tick) FROM sim.tick_log"), '0', '... without duplicate ticks');
is(sq("SELECT count(*) FROM sim.tick_log WHERE tick > $t4 AND source <> 'worker'"), '0',
	'... all ticked by the worker');
sq('DROP TRIGGER slow_tick ON sim.tick_log');
ok(set_and_reload('sim.tick_interval_ms', '20'), 'sim.tick_interval_ms = 20 ms is reloaded');

###
### A command issued while the ticker runs
###

is(sq("SELECT count(*) FROM sim.ship_event WHERE ship_id IN $players"), '0',
	'player ships have stayed put');
# The idle player ship with the weakest engine, 20000 km towards its
# sector's centre (in burn, some 300 ticks)
my ($ship, $dest) = split /\|/, sq(qq{
SELECT s.id, format('point:%s,%s,%s', s.x + 20000 * (ST_X(c.center) - s.x) / d.d,
                    s.y + 20000 * (ST_Y(c.center) - s.y) / d.d, s.z + 20000 * (ST_Z(c.center) - s.z) / d.d)
  FROM sim.ship s
  JOIN sim.ship_class k ON k.id = s.class_id
  JOIN sim.sector c ON c.id = s.sector_id
 CROSS JOIN LATERAL (SELECT sqrt((ST_X(c.center) - s.x) ^ 2 + (ST_Y(c.center) - s.y) ^ 2
                                 + (ST_Z(c.center) - s.z) ^ 2) AS d) d
 WHERE s.state = 'idle' AND s.id IN $players
 ORDER BY k.max_accel, s.id LIMIT 1});
my ($cmd, $start, $arrival, $legs) = split /\|/,
  sq("SELECT command_id, start_tick, arrival_tick, legs FROM sim.navigate($ship, '$dest', 'burn')");
is($legs, '1', "sim.navigate($ship, 20000 km away, burn) plans one leg");
ok(poll_until($node, $db, "SELECT status FROM sim.command WHERE id = $cmd", 'applied'),
	'the ticker applies the command');
# However many ticks the ticker ran meanwhile, the flight is read from the
# history the ticks wrote (sim.ship_event), not from where the ship is now.
my $applied = sq("SELECT applied_tick FROM sim.command WHERE id = $cmd");
is(sq("SELECT string_agg(tick::text, ',') FROM sim.ship_event WHERE ship_id = $ship AND from_state = 'idle'"),
	$applied, '... and the ship takes off (idle to flying) at the tick that applied the command');
cmp_ok(sq("SELECT commands FROM sim.tick_log WHERE tick = $applied"), '>=', 1,
	'the applying tick counts the command in sim.tick_log');
cmp_ok(sq("SELECT ships_in_flight FROM sim.tick_log WHERE tick = $applied"), '>=', 1,
	'... and the ship in flight');
# The rest of the flight is the world's to run, not the wall clock's:
# paused, sim.step runs it to the planned arrival (if the ticker has not
# already got there).
sq('SELECT sim.pause()');
{
	my ($state, $due) = split /\|/, sq("SELECT state, arrival_tick FROM sim.ship WHERE id = $ship");
	my $now = tick_of($node);
	sq('SELECT sim.step(' . ($due - $now) . ')') if $state eq 'flying' && $due > $now;
}
is(sq("SELECT state <> 'flying' FROM sim.ship WHERE id = $ship"), 't', 'the ship arrives');
is(sq("SELECT state FROM sim.ship WHERE id = $ship"), 'idle', '... and rests idle at the point');
my $ship_arrival = sq("SELECT string_agg(tick::text, ',') FROM sim.ship_event WHERE ship_id = $ship "
	  . "AND from_state = 'flying' AND to_state = 'idle'");
is($ship_arrival - $applied, $arrival - $start, '... after as many ticks as sim.navigate said');
cmp_ok(sq("SELECT arrivals FROM sim.tick_log WHERE tick = $ship_arrival"), '>=', 1,
	'... at the planned tick, which logs the arrival');
my ($px, $py, $pz) = $dest =~ /^point:(.*),(.*),(.*)$/;
cmp_ok(sq("SELECT ST_3DDistance(pos, ST_MakePoint($px, $py, $pz)) FROM sim.ship_live WHERE id = $ship"),
	'<', 1e-6, '... on the destination');
is(sq(q{SELECT count(*) FROM sim.ship s, sim.world w WHERE s.state = 'flying' AND s.arrival_tick <= w.tick}),
	'0', 'no ship in flight has an arrival tick in the past');
sq('SELECT sim.resume()');

###
### A tick rolled back to a savepoint
###

# A player ship one tick before its arrival; a session runs that tick
# inside a savepoint, rolls it back and stays in its transaction while the
# ticker goes on.  The ticker must still see the arrival: the rolled-back tick
# must not leave its changes in the shared-memory world.
sq('SELECT sim.pause()');
my ($ship2, $dest2) = split /\|/, sq(qq{
SELECT s.id, format('point:%s,%s,%s', s.x + 100 * (ST_X(c.center) - s.x) / d.d,
                    s.y + 100 * (ST_Y(c.center) - s.y) / d.d, s.z + 100 * (ST_Z(c.center) - s.z) / d.d)
  FROM sim.ship s
  JOIN sim.sector c ON c.id = s.sector_id
 CROSS JOIN LATERAL (SELECT sqrt((ST_X(c.center) - s.x) ^ 2 + (ST_Y(c.center) - s.y) ^ 2
                                 + (ST_Z(c.center) - s.z) ^ 2) AS d) d
 WHERE s.state = 'idle' AND s.id <> $ship AND s.id IN $players
 ORDER BY s.id LIMIT 1});
sq("SELECT command_id FROM sim.navigate($ship2, '$dest2', 'burn')");
sq('SELECT sim.step(1)');
my $due = sq("SELECT arrival_tick FROM sim.ship WHERE id = $ship2");
sq('SELECT sim.step(' . ($due - 1 - tick_of($node)) . ')') if $due - 1 > tick_of($node);
is(sq("SELECT state || ' ' || arrival_tick FROM sim.ship WHERE id = $ship2"), "flying $due",
	"ship $ship2 is one tick before its arrival at tick $due");
cmp_ok(sq('SELECT ships_in_flight FROM sim.status'), '>=', 1, 'sim.status counts it in flight');
my $saver = $node->background_psql($db);
$saver->query_safe('BEGIN; SAVEPOINT a; SELECT sim.step(1); ROLLBACK TO a;');
sq('SELECT sim.resume()');
ok(wait_ticks($node, $due, 5), 'the ticker ticks on past the arrival');
{
	is(sq("SELECT state FROM sim.ship WHERE id = $ship2"), 'idle',
		'the ship arrived although a savepoint had rolled back its arrival tick');
	is(sq(q{SELECT count(*) FROM sim.ship s, sim.world w WHERE s.state = 'flying' AND s.arrival_tick <= w.tick}),
		'0', 'no ship in flight has an arrival tick in the past');
}
$saver->query_safe('COMMIT');
$saver->quit;
ok(poll_until($node, $db, "SELECT state FROM sim.ship WHERE id = $ship2", 'idle'),
	'the ship arrives at the latest once that transaction ends');

###
### A failing tick
###

my $log_offset = -s $node->logfile;
sq(q{CREATE FUNCTION public.sabotage() RETURNS trigger LANGUAGE plpgsql AS
    $$BEGIN RAISE EXCEPTION 'tick % sabotaged by the test', NEW.tick; END$$});
sq('CREATE TRIGGER sabotage BEFORE INSERT ON sim.tick_log FOR EACH ROW EXECUTE FUNCTION public.sabotage()');
ok( poll_until($node, $db,
		q{SELECT last_error LIKE 'tick % sabotaged by the test' AND last_error_at IS NOT NULL FROM sim.status}),
	'a failing tick shows in sim.status.last_error');
my $t5 = tick_of($node);
is(sq('SELECT last_error FROM sim.status'), 'tick ' . ($t5 + 1) . ' sabotaged by the test',
	'... naming the tick after the last committed one');
# the ticker retries (backing off): wait for a failure recorded after now
my $since = sq('SELECT clock_timestamp()');
ok(poll_until($node, $db, "SELECT last_error_at > '$since' FROM sim.status"),
	'the ticker tries the tick again, and fails again');
is(tick_of($node), $t5, 'the failed tick is rolled back: the tick does not advance');
is(sq('SELECT last_error FROM sim.status'), 'tick ' . ($t5 + 1) . ' sabotaged by the test',
	'... it is still the same tick that fails');
is(sq("SELECT count(*) FROM sim.tick_log WHERE tick > $t5"), '0', '... nor is it logged');
like(log_since($node, $log_offset), qr/LOG:  sim ticker: tick failed: tick \d+ sabotaged by the test/,
	'the server log records the failure');
drain();
is(scalar(grep { $_->{tick} > $t5 } map { decode_json($_->[0]) } @notes), 0,
	'the failed tick is not notified');
is(ticker_pid($node), $pid, 'the ticker survives its failed tick');
is($listener->query_safe('SELECT 42'), '42', 'other sessions survive it: the server did not restart');
unlike(log_since($node, $log_offset), qr/terminated by signal|server process .* was terminated/,
	'... nothing crashed');

sq('DROP TRIGGER sabotage ON sim.tick_log');
ok(wait_ticks($node, $t5, 3), 'ticking resumes once the cause is removed');
is(ticker_pid($node), $pid, '... in the same ticker process');
is(sq(tick_log_gaps()), '', 'sim.tick_log has no gap across the failure');
is(sq("SELECT min(tick) FROM sim.tick_log WHERE tick > $t5"), $t5 + 1,
	'the first tick after the failure is the one that failed before');

drain();
@nticks = map { decode_json($_->[0])->{tick} } @notes;
is_deeply(\@nticks, [ $nticks[0] .. $nticks[0] + $#nticks ],
	'over pause, steps, reloads and the failure, the listener got every committed tick once, in order');
$listener->quit;

###
### sim.max_ships
###

$node->append_conf('postgresql.conf', "sim.max_ships = 100\n");
$node->restart;
ok( poll_until($node, $db,
		q{SELECT last_error LIKE '%300 ships, more than sim.max_ships (100)%' FROM sim.status}),
	'with sim.max_ships = 100 and 300 ships the ticker reports the limit in sim.status.last_error');
my $t6 = tick_of($node);
my $e = sim_error($node, $db, 'SELECT sim.step()');
is($e->{sqlstate}, '53400', 'sim.step() fails with SQLSTATE 53400 (configuration_limit_exceeded)');
like($e->{message}, qr/the universe has 300 ships, more than sim\.max_ships \(100\)/,
	'... saying how many ships there are and the limit');
like($e->{hint}, qr/sim\.max_ships/, '... with a hint naming sim.max_ships');
is(tick_of($node), $t6, '... and the tick does not advance');
is(sq('SELECT cache_loaded FROM sim.status'), 'f', 'sim.status shows the cache not loaded');

###
### Two universes in one cluster: the shared world serves one at a time
###

$node->append_conf('postgresql.conf', "sim.max_ships = 100000\n");
$node->restart;
sq('SELECT sim.pause()');
$node->safe_psql('postgres', 'CREATE DATABASE other');
$node->safe_psql('other', 'CREATE EXTENSION sim CASCADE');
$node->safe_psql('other', 'SELECT sim.generate_universe(8, 3, 120)');
my $t7 = tick_of($node);
is($node->safe_psql('other', 'SELECT sim.step(2)'), '2', 'a second database ticks its own universe');
is(tick_of($node), $t7, '... and leaves the first one alone');
is($node->safe_psql('other', 'SELECT count(*) FROM sim.ship_positions()'), '120',
	'... its spatial index holds its own ships');
$e = sim_error($node, $db, 'SELECT * FROM sim.ships_within(ST_MakePoint(0, 0, 0), 1000)');
is($e->{sqlstate}, '55000', 'spatial queries in the first database then fail with SQLSTATE 55000');
like($e->{message}, qr/another database/, '... saying the index describes another database');
sq('SELECT sim.step()');
is(sq(q{SELECT count(*) FROM sim.ship_positions() p JOIN sim.ship_live l ON l.id = p.ship_id
         WHERE p.x = ST_X(l.pos) AND p.y = ST_Y(l.pos) AND p.z = ST_Z(l.pos)}),
	sq('SELECT count(*) FROM sim.ship'),
	'a tick in the first database reloads its world: every position matches its plan');
sq('SELECT sim.resume()');
$node->stop;

###
### Without shared_preload_libraries
###

my $plain = PostgreSQL::Test::Cluster->new('plain');
$plain->init;
$plain->start;
{
	my ($ret, $out, $err) = $plain->psql($db, 'CREATE EXTENSION sim CASCADE');
	is($ret, 0, 'without shared_preload_libraries CREATE EXTENSION sim CASCADE works');
	($ret, $out, $err) = $plain->psql($db, q{SELECT sim.generate_universe(7, 2, 50)->>'ships'});
	is($out, '50', '... and so does generating a universe');
	for my $sql ('SELECT sim.step()',
		'SELECT * FROM sim.ships_within(ST_MakePoint(0, 0, 0), 1000)',
		'SELECT * FROM sim.ships_nearest(ST_MakePoint(0, 0, 0), 3)',
		'SELECT * FROM sim.ship_positions()')
	{
		my $e = sim_error($plain, $db, $sql);
		is($e->{sqlstate}, '55000', "$sql fails with SQLSTATE 55000");
		is($e->{message}, 'sim must be loaded via shared_preload_libraries', '... saying why');
		like($e->{hint} // '', qr/shared_preload_libraries/, '... with a hint');
	}
	($ret, $out, $err) =
	  $plain->psql($db, q{SELECT tick || ' ' || (worker_pid IS NULL) FROM sim.status});
	is($out, '0 true', 'sim.status works and shows no ticker');
}
$plain->stop;

done_testing();
