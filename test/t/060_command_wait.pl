# 060_command_wait.pl -- a tick waits for commands only a bounded time,
# unless they are operators'.
#
# A transaction that holds the tick guard (sim.tick_guard(), which every
# command calls) keeps ticks off.  Here a role that is not an operator holds
# it idle in transaction, in a long pg_sleep, through a SECURITY DEFINER
# wrapper and behind a savepoint rolled back later; each time an operator's
# sim.step(1) finishes, the holder's transaction is ended (cancelled, or
# terminated when idle), the client sees why, and sim.status, sim.tick_log
# and the server log name the holder.  An operator's holder is waited for
# without bound, while new commands still get through between its rounds;
# while it ends a player's hold, players' new commands wait it out; the
# worker ends a player's hold on its own.  PREPARE TRANSACTION of a
# transaction that holds the guard, or that ticked, is refused (0A000) and
# leaves the session's guard working; others still prepare.
#
# Synchronisation is by locks and by what the server reports (the holder's
# pid in pg_stat_activity, the tick's wait in sim.status), never by how long
# anything takes: a large statement_timeout guards every sim.step, and the
# only condition on elapsed time ("the tick has waited several bounds for
# the operator") is a lower bound a slow machine reaches later, not sooner.

use strict;
use warnings;

use FindBin;
use lib $FindBin::RealBin;

use PostgreSQL::Test::Cluster;
use PostgreSQL::Test::Utils;
use SimTest;
use Test::More;

my $db = 'postgres';
my $bound = 100;    # sim.max_command_wait_ms
my $node = sim_node('wait',
	'sim.max_command_wait_ms' => $bound,
	'max_prepared_transactions' => 4);
$node->start;

sub sq { return $node->safe_psql($db, $_[0]); }

sq('CREATE EXTENSION sim CASCADE');
# one transaction, so the ticker never ticks this universe until resumed
sq('BEGIN; SELECT sim.generate_universe(11, 2, 40); SELECT sim.pause(); COMMIT');
sq(q{
CREATE ROLE player LOGIN;
GRANT USAGE ON SCHEMA sim TO player;
GRANT EXECUTE ON FUNCTION sim.tick_guard() TO player;
CREATE ROLE op LOGIN IN ROLE sim_operator;
GRANT USAGE ON SCHEMA sim TO op;
GRANT EXECUTE ON FUNCTION sim.tick_guard() TO op;
-- a command as the api schema will offer it: runs as its (superuser) owner
CREATE FUNCTION public.play() RETURNS void LANGUAGE sql SECURITY DEFINER
    SET search_path = pg_catalog, pg_temp AS 'SELECT sim.tick_guard()';
REVOKE EXECUTE ON FUNCTION public.play() FROM PUBLIC;
GRANT EXECUTE ON FUNCTION public.play() TO player;
});

is(sq("SELECT setting FROM pg_settings WHERE name = 'sim.max_command_wait_ms'"), $bound,
	'sim.max_command_wait_ms is set from postgresql.conf');
is(sq(q{SELECT sim.acting_as_operator() FROM (SELECT set_config('role', 'op', true)) r}), 't',
	'a member of sim_operator is an operator');

my $safety = $PostgreSQL::Test::Utils::timeout_default;

# sim.step(1) as the superuser, with a statement_timeout only as a safety net;
# returns the new tick.
sub step
{
	return sq("SET statement_timeout = '${safety}s'; SELECT sim.step(1)");
}

# A session of $role (errors do not stop it), and its backend's pid.
sub session
{
	my ($role) = @_;
	my $s = $node->background_psql($db, on_error_stop => 0,
		extra_params => [ '-U', $role, '-v', 'VERBOSITY=verbose' ]);
	return ($s, $s->query_safe('SELECT pg_backend_pid()'));
}

# The last wait sim.status reports: "pid action", plus the counters.
sub last_wait
{
	return sq(q{SELECT command_wait_pid || ' ' || command_wait_action FROM sim.status});
}

sub counters
{
	return split /\|/, sq(q{SELECT command_waits, command_holders_ended FROM sim.status});
}

is(sq(q{SELECT command_waits || ' ' || command_holders_ended || ' ' ||
               (command_wait_at IS NULL AND command_wait_pid IS NULL AND command_wait_action IS NULL)
          FROM sim.status}),
	'0 0 true', 'sim.status: no tick has waited yet');

###
### A player idle in transaction
###

my $log = -s $node->logfile;
my ($s, $pid) = session('player');
$s->query_safe('BEGIN; SELECT sim.tick_guard()');
is(sq("SELECT state FROM pg_stat_activity WHERE pid = $pid"), 'idle in transaction',
	'the player holds the guard, idle in transaction');
my $tick = tick_of($node);
is(step(), $tick + 1, "an operator's sim.step(1) finishes despite the player's idle transaction");
is(last_wait(), "$pid terminated",
	'sim.status: the tick waited for the player\'s pid and terminated it (a cancel does not end an idle transaction)');
my ($waits, $ended) = counters();
is("$waits $ended", '1 1', 'sim.status: one wait, one holder\'s transaction ended');
is(sq(q{SELECT waited_ms > 0 AND command_wait_ms = waited_ms FROM sim.tick_log, sim.status
         WHERE tick_log.tick = (SELECT tick FROM sim.world)}), 't',
	'sim.tick_log.waited_ms of that tick is the wait sim.status reports');
ok(poll_until($node, $db, "SELECT count(*) = 0 FROM pg_stat_activity WHERE pid = $pid"),
	"the player's backend is gone");
$s->{stdin} .= "SELECT 'after';\n";
$s->quit;
like($s->{stderr}, qr/57P01: terminating connection due to administrator command/,
	'the player\'s client saw its connection terminated (57P01)');
unlike($s->{stdout}, qr/after/, 'and ran nothing after');
{
	my $l = log_since($node, $log);
	like($l, qr/sim tick is terminating process $pid, which has held the tick guard/,
		'the server log names the terminated holder');
	unlike($l, qr/sim tick is cancelling process $pid/,
		'which was not cancelled first: idle in its transaction, it would ignore a cancel');
}

###
### A player in a long pg_sleep
###

($s, $pid) = session('player');
$s->query_safe('BEGIN; SELECT sim.tick_guard()');
$s->query_until(qr/sleeping/, "\\echo sleeping\nSELECT pg_sleep($safety * 10);\n");
ok(poll_until($node, $db, "SELECT wait_event = 'PgSleep' FROM pg_stat_activity WHERE pid = $pid"),
	'the player sleeps while holding the guard');
$tick = tick_of($node);
is(step(), $tick + 1, "an operator's sim.step(1) finishes despite the player's pg_sleep");
is(last_wait(), "$pid cancelled", 'sim.status: the tick cancelled the sleeping player');
my $out = $s->query(q{ROLLBACK; SELECT 'alive'});
like($s->{stderr}, qr/57014: canceling statement due to user request/,
	'the player\'s client saw its statement cancelled (57014)');
like($out, qr/alive/, 'its session survives a cancel and can roll back');
$s->quit;

###
### Through a SECURITY DEFINER function, and behind a later savepoint
###

($s, $pid) = session('player');
$s->query_safe('BEGIN; SELECT public.play()');
is(sq(qq{SELECT count(*) FROM pg_locks WHERE pid = $pid AND locktype = 'advisory' AND mode = 'ShareLock'}),
	'1', 'a SECURITY DEFINER wrapper takes the guard for the player');
$s->query('SAVEPOINT a; SELECT 1/0');
$s->{stderr} = '';
$s->query_safe('ROLLBACK TO a');
is(sq(qq{SELECT count(*) FROM pg_locks WHERE pid = $pid AND locktype = 'advisory' AND mode = 'ShareLock'}),
	'1', 'a savepoint begun after the guard and rolled back leaves it held');
$tick = tick_of($node);
is(step(), $tick + 1, 'sim.step(1) finishes');
is(last_wait(), "$pid terminated",
	'the player counts as no operator though the function runs as a superuser, and is still seen as the holder');
$s->{stdin} .= "SELECT 'after';\n";
$s->quit;

###
### An operator holds: waited for without bound; new commands queue behind the tick
###

($s, $pid) = session('op');
$s->query_safe('BEGIN; SELECT sim.tick_guard()');
$tick = tick_of($node);
my $stepper = $node->background_psql($db);
my $stepper_pid = $stepper->query_safe('SELECT pg_backend_pid()');
$stepper->query_until(qr/stepping/, "\\echo stepping\nSET statement_timeout = '${safety}s';\nSELECT sim.step(1);\n");
ok( poll_until(
		$node, $db,
		"SELECT command_wait_action = 'waiting' AND command_wait_pid = $pid FROM sim.status"),
	'sim.status shows the tick waiting, on the operator\'s pid');
ok( poll_until(
		$node, $db,
		"SELECT command_wait_ms > 5 * $bound AND command_wait_action = 'waiting' FROM sim.status"),
	'the tick keeps waiting for the operator past several bounds');
is(sq("SELECT wait_event_type || ' ' || state FROM pg_stat_activity WHERE pid = $stepper_pid"),
	'Lock active', 'the stepper waits for the tick lock');

# A command queues behind the waiting tick, and is let through when the
# tick's round ends and it queues again: an operator's hold delays players'
# commands by at most one round.
my ($late, $late_pid) = session('player');
is($late->query_safe(q{BEGIN; SELECT sim.tick_guard(); COMMIT; SELECT 'committed'}), "\ncommitted",
	'a player\'s command issued while the tick waits for the operator completes');
$late->quit;

is($s->query_safe(q{SELECT 'still here'}), 'still here',
	'the operator\'s transaction is intact after the tick waited several bounds');
is(tick_of($node), $tick, 'no tick committed while the operator held');
$s->query_safe('COMMIT');
like($stepper->query_safe("SELECT 'done'"), qr/^@{[$tick + 1]}\ndone$/,
	'once the operator commits, the tick runs');
is(last_wait(), "$pid waited", 'sim.status: the tick waited for the operator and did nothing else');
$stepper->quit;
$s->quit;

###
### While a tick ends players' holds, new players' commands wait it out
###

# A tick leaves the lock's queue at each round's end, so guards queued
# behind it then would be granted, and players reconnecting in a loop could
# keep it out.  Once a round has found a player holding the guard, a
# player's new command waits, holding nothing, until the tick has run: it
# is neither let in before the tick nor ended by it.  An operator holds the
# guard too, so that the tick is still waiting after it has ended the
# player; this stepper's rounds are 3 s, so that the hold-off, from the end
# of the round that found the player to the end of the next, is long enough
# to be seen and entered.
($s, $pid) = session('player');
$s->query_safe('BEGIN; SELECT sim.tick_guard()');
my ($o, $o_pid) = session('op');
$o->query_safe('BEGIN; SELECT sim.tick_guard()');
$tick = tick_of($node);
($waits, $ended) = counters();
$stepper = $node->background_psql($db);
$stepper->query_until(qr/stepping/,
	"\\echo stepping\nSET statement_timeout = '${safety}s';\nSET sim.max_command_wait_ms = 3000;\nSELECT sim.step(1);\n");
ok(poll_until($node, $db, 'SELECT commands_held_off FROM sim.status'),
	'sim.status: after a round that found a player, players\' new commands are held off');
my ($next, $next_pid) = session('player');
$next->query_until(qr/asking/, "\\echo asking\nBEGIN;\nSELECT sim.tick_guard();\n");
ok(poll_until($node, $db,
		"SELECT wait_event_type || ' ' || wait_event FROM pg_stat_activity WHERE pid = $next_pid",
		'Extension Extension'),
	'the new command waits outside the lock\'s queue, holding nothing');
$o->query_safe('COMMIT');
like($stepper->query_safe("SELECT 'done'"), qr/^@{[$tick + 1]}\ndone$/, 'once the operator commits, the tick runs');
my ($waits2, $ended2) = counters();
is($ended2 - $ended, 1, 'having ended the player\'s transaction, and no other');
like($next->query_safe("SELECT 'still here'"), qr/still here/,
	'the waiting command got the guard after the tick, and its session is intact');
is(sq('SELECT commands_held_off FROM sim.status'), 'f', 'the hold-off ends with the tick');
$next->query_safe('COMMIT');
$next->quit;
$o->quit;
$stepper->quit;
$s->{stdin} .= "SELECT 'after';\n";
$s->quit;

###
### The worker ends a player's hold on its own
###

($s, $pid) = session('player');
$s->query_safe('BEGIN; SELECT sim.tick_guard()');
$tick = tick_of($node);
sq('SELECT sim.resume()');
ok(poll_until($node, $db, "SELECT command_wait_pid = $pid AND command_wait_action = 'terminated' FROM sim.status"),
	'the ticker terminates the idle player');
ok(wait_ticks($node, $tick, 3), 'and keeps ticking');
is(sq(qq{SELECT count(*) > 0 FROM sim.tick_log WHERE tick > $tick AND source = 'worker' AND waited_ms > 0}),
	't', 'sim.tick_log shows the worker\'s tick that waited');
sq('SELECT sim.pause()');
ok(ticker_looked($node), 'the ticker is paused');
$s->{stdin} .= "SELECT 'after';\n";
$s->quit;
like($s->{stderr}, qr/57P01/, 'the player\'s client saw its connection terminated');

###
### PREPARE TRANSACTION
###

# an error's SQLSTATE and message from a verbose psql report
sub sqlerr
{
	my ($stderr) = @_;
	my ($code, $msg) = $stderr =~ /ERROR:\s+([0-9A-Z]{5}):\s+([^\n]*)/;
	return ($code // '') . ' ' . ($msg // '');
}

($s, $pid) = session('player');
$s->query(q{BEGIN; SELECT sim.tick_guard(); PREPARE TRANSACTION 'held'});
is(sqlerr($s->{stderr}), '0A000 cannot prepare a transaction that holds the sim tick guard',
	'PREPARE TRANSACTION of a transaction holding the guard is refused with 0A000');
like($s->{stderr}, qr/DETAIL:.*prepared transaction would hold the tick lock/, 'with a detail');
like($s->{stderr}, qr/HINT:\s+Commit the transaction instead/, 'and a hint');
is(sq('SELECT count(*) FROM pg_prepared_xacts'), '0', 'nothing is prepared');
is(sq(qq{SELECT count(*) FROM pg_locks WHERE pid = $pid AND locktype = 'advisory'}), '0',
	'the refused transaction released the guard');
$s->{stderr} = '';
# the same session takes the guard again at its next command
$s->query_safe('BEGIN; SELECT sim.tick_guard()');
$tick = tick_of($node);
is(step(), $tick + 1, 'sim.step(1) finishes');
is(last_wait(), "$pid terminated",
	'the session\'s next guard is taken and held again after the refused PREPARE (the tick had to end it)');
$s->{stdin} .= "SELECT 'after';\n";
$s->quit;

my $e = sim_error($node, $db,
	q{BEGIN; UPDATE sim.ship SET name = name WHERE id = (SELECT min(id) FROM sim.ship); PREPARE TRANSACTION 'ship'});
is("$e->{sqlstate} $e->{message}", '0A000 cannot prepare a transaction that holds the sim tick guard',
	'PREPARE of a transaction that changed sim.ship is refused');
$e = sim_error($node, $db, q{BEGIN; SELECT sim.step(1); PREPARE TRANSACTION 'tick'});
is("$e->{sqlstate} $e->{message}", '0A000 cannot prepare a transaction that ran a sim tick or changed the universe\'s ships',
	'PREPARE of a transaction that ran sim.step is refused');
is(sq('SELECT count(*) FROM pg_prepared_xacts'), '0', 'nothing is prepared');
$tick = tick_of($node);
is(step(), $tick + 1, 'the next sim.step finishes (the refused tick left nothing behind)');

sq(q{BEGIN; SAVEPOINT a; SELECT sim.tick_guard(); ROLLBACK TO a; CREATE TABLE public.t (x int); PREPARE TRANSACTION 'other'});
is(sq(q{SELECT gid FROM pg_prepared_xacts}), 'other',
	'a transaction whose guard was rolled back with its savepoint prepares');
sq(q{COMMIT PREPARED 'other'});
is(sq(q{SELECT count(*) FROM public.t}), '0', 'and commits');

$node->stop;
done_testing();
