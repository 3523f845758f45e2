# 040_replication.pl -- logical replication of the universe.
#
# A primary with sim preloaded and wal_level = logical generates a universe
# (8 sectors, 2000 ships), publishes it with sim.create_publication() and
# ticks it with its ticker every 50 ms; NPC pilots fly, dock, mine and
# trade.  A subscriber (sim preloaded, sim.enabled = off, so it never ticks
# what it receives) runs CREATE EXTENSION sim CASCADE and CREATE
# SUBSCRIPTION.  The test checks that
#   (a) the publication holds every table of sim.universe_digest() and
#       leaves the change record out; the initial copy completes;
#   (b) twice -- after ticks in which ships moved and traded -- with the
#       ticker paused at a tick boundary and the subscriber caught up, every
#       published table has the same row count and content hash on both
#       sides (sim.universe_digest() and a digest of the publication's own
#       table list), and the subscriber's tick is the primary's;
#   (c) a test_decoding consumer (pg_recvlogical, cross-checked with
#       pg_logical_slot_peek_changes) sees each of K sim.step(1) calls as
#       one transaction with exactly one sim.world UPDATE, the ticks
#       consecutive, carrying the tick's changes; commands issued between
#       ticks (sim.buy, sim.undock) are transactions of their own without
#       any sim.world change, and the next tick applies the undock;
#   (d) sim.create_publication fails with 42710 for a name already taken
#       and with 22023 for an empty or NULL name, changing nothing.
#
# Waiting is by bounded polls, never by measuring wall-clock time.

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

my $db = 'postgres';
my $sub_name = 'sim_sub';
my %repl = (
	wal_level => 'logical',
	max_wal_senders => 20,
	max_replication_slots => 20,
	max_worker_processes => 16,
	max_logical_replication_workers => 8,
	max_sync_workers_per_subscription => 4);

my $primary = sim_node('primary', 'sim.tick_interval_ms' => 50, %repl);
my $replica = sim_node('subscriber', 'sim.enabled' => 'off', %repl);
$primary->start;
$replica->start;

sub pq { return $primary->safe_psql($db, $_[0]); }
sub rq { return $replica->safe_psql($db, $_[0]); }

# Run a command with the suite's time limit; returns (success, stdout, stderr).
sub run_tool
{
	my ($cmd) = @_;
	my ($out, $err) = ('', '');
	my $ok = eval {
		IPC::Run::run($cmd, '>', \$out, '2>', \$err,
			IPC::Run::timeout($PostgreSQL::Test::Utils::timeout_default));
	};
	$err .= $@ if $@;
	return ($ok ? 1 : 0, $out, $err);
}

# Every published table's row count and MD5 of its sorted rows, one line
# each, for the tables the primary's publication lists: the same query on
# both sides compares them all, sim.command and sim.tick_log included.
my $pub_digest_fn = q{
CREATE FUNCTION public.pub_digest(tables text[]) RETURNS TABLE (t text, n bigint, m text)
LANGUAGE plpgsql AS $$
BEGIN
    SET LOCAL extra_float_digits = 3;
    SET LOCAL TimeZone = 'UTC';
    FOREACH t IN ARRAY tables LOOP
        EXECUTE format('SELECT count(*), md5(coalesce(string_agg(r::text, E''\n'' ORDER BY r::text COLLATE "C"), '''')) FROM sim.%I r', t)
           INTO n, m;
        RETURN NEXT;
    END LOOP;
END
$$;
};

###
### (a) Publication, subscription, initial copy
###

pq('CREATE EXTENSION sim CASCADE');
pq($pub_digest_fn);
# generated paused: the subscriber copies a universe at rest first
pq('BEGIN; SELECT sim.generate_universe(7, 8, 2000); SELECT sim.pause(); COMMIT;');
is(pq('SELECT count(*) FROM sim.ship'), '2000', 'primary: a universe of 2000 ships');
# A docked ship without an NPC pilot stays docked, for the commands of (c).
my $trader = pq(q{
SELECT s.id FROM sim.ship s JOIN sim.ship_class c ON c.id = s.class_id
 WHERE s.state = 'docked' AND c.cargo_capacity > 100
   AND NOT EXISTS (SELECT FROM sim.ship_cargo q WHERE q.ship_id = s.id)
 ORDER BY s.id LIMIT 1});
isnt($trader, '', "a docked ship ($trader) with an empty hold for the commands between ticks");
pq("DELETE FROM sim.npc_personality WHERE ship_id = $trader");
is(pq('SELECT sim.create_publication()'), 'sim', 'sim.create_publication() returns the name of the publication');

my $published = pq(q{SELECT string_agg(tablename, ',' ORDER BY tablename)
                       FROM pg_publication_tables WHERE pubname = 'sim' AND schemaname = 'sim'});
is(pq(q{SELECT count(*) FROM pg_publication_tables WHERE pubname = 'sim' AND schemaname <> 'sim'}),
	'0', 'the publication holds only tables of schema sim');
is( pq(qq{SELECT string_agg(d.table_name, ' ' ORDER BY d.table_name) FROM sim.universe_digest() d
           WHERE d.table_name <> ALL (string_to_array('$published', ','))}),
	'', 'every table of sim.universe_digest() is published');
unlike(",$published,", qr/,change(_[^,]*)?,/, 'the change record is not published');
like(",$published,", qr/,command,.*,tick_log,/, 'the command queue and the tick log are published');
my $tables = "ARRAY['" . join("','", split(/,/, $published)) . "']";
note("published: $published");

rq('CREATE EXTENSION sim CASCADE');
rq($pub_digest_fn);
is(rq('SELECT count(*) FROM sim.world'), '0', 'the subscriber starts without a universe');
my $connstr = $primary->connstr . " dbname=$db";
rq("CREATE SUBSCRIPTION $sub_name CONNECTION '$connstr' PUBLICATION sim");
ok( poll_until($replica, $db,
		q{SELECT count(*) > 0 AND bool_and(srsubstate = 'r') FROM pg_subscription_rel}),
	'subscriber: every table is copied and ready');
is( rq(q{SELECT count(*) FROM pg_subscription_rel}),
	scalar(split(/,/, $published)), '... every published table');

# Compare the two universes: digests equal and the same tick.  The primary
# must be at rest and the subscriber caught up.
sub compare_universes
{
	my ($what) = @_;
	my $dq = 'SELECT table_name || \' \' || row_count || \' \' || md5 FROM sim.universe_digest() ORDER BY table_name';
	my $pd = pq($dq);
	my $rd = rq($dq);
	is($rd, $pd, "$what: sim.universe_digest() is the same on both sides");
	my @diff = grep { my $l = $_; !grep { $_ eq $l } split /\n/, $rd } split /\n/, $pd;
	diag("primary lines the subscriber lacks:\n" . join("\n", @diff)) if @diff;
	my $aq = "SELECT t || ' ' || n || ' ' || m FROM public.pub_digest($tables) ORDER BY t";
	is(rq($aq), pq($aq), "$what: every published table has the same row count and hash");
	my $tick = tick_of($primary);
	is(tick_of($replica), $tick, "$what: the subscriber is at the primary's tick ($tick)");
	like(pq(q{SELECT row_count FROM sim.universe_digest() WHERE table_name = 'ship'}),
		qr/^2000$/, "$what: ... with its 2000 ships");
	return $tick;
}

# Pause the ticker and wait until the tick stops moving (two reads 0.3 s,
# six intervals, apart agree); returns that tick, or undef.
sub pause_at_boundary
{
	pq('SELECT sim.pause()');
	for (1 .. 50)
	{
		my $t = tick_of($primary);
		usleep(300_000);
		return $t if tick_of($primary) eq $t;
	}
	return undef;
}

$primary->wait_for_catchup($sub_name);
my $t0 = compare_universes('after the initial copy');
is($t0, '0', '... which is tick 0');

###
### (b) The primary ticks; the subscriber follows
###

for my $round (1 .. 2)
{
	my $from = tick_of($primary);
	pq('SELECT sim.resume()');
	# at least 40 ticks, and on until ships have traded and changed state
	ok( poll_until($primary, $db,
			"SELECT w.tick >= $from + 40 AND EXISTS (SELECT FROM sim.trade t WHERE t.tick > $from)
			        AND EXISTS (SELECT FROM sim.ship_event e WHERE e.tick > $from) FROM sim.world w"),
		"round $round: the primary ticks 40 ticks or more, with NPCs trading");
	my $to = pause_at_boundary();
	ok(defined $to, "round $round: paused at a tick boundary (tick " . ($to // 'none') . ')');
	$to //= tick_of($primary);
	my $window = "tick > $from AND tick <= $to";
	my $moved = pq("SELECT count(*) FROM sim.ship_event WHERE $window");
	my $arrived = pq("SELECT count(*) FROM sim.ship_event WHERE $window AND from_state = 'flying'");
	my $trades = pq("SELECT count(*) FROM sim.trade WHERE $window");
	note("round $round: ticks $from..$to, $moved ship events ($arrived arrivals), $trades trades");
	cmp_ok($moved, '>', 0, "round $round: ships changed state during the ticks");
	cmp_ok($trades, '>', 0, "round $round: ships traded during the ticks");
	$primary->wait_for_catchup($sub_name);
	compare_universes("round $round");
	is(tick_of($primary), $to, "round $round: the primary stayed at rest while compared");
}
is(rq(q{SELECT count(*) FROM sim.tick_log WHERE source = 'worker'}),
	pq(q{SELECT count(*) FROM sim.tick_log WHERE source = 'worker'}),
	'the subscriber has the tick log of the primary');
cmp_ok(rq(q{SELECT count(*) FROM sim.tick_log WHERE source = 'worker'}), '>', 0,
	'... which records the worker\'s ticks');
cmp_ok(pq(q{SELECT count(*) FROM sim.ship_event WHERE from_state = 'flying'}), '>', 0,
	'ships flew and arrived during the rounds');
is(rq(q{SELECT enabled FROM sim.status}), 'f', 'the subscriber\'s ticker is disabled');

###
### (c) One transaction per tick, seen by test_decoding
###

my $slot = 'tick_stream';
my ($ret, $out, $err);
my @conn = ('-d', $connstr);
($ret, $out, $err) = run_tool([ 'pg_recvlogical', @conn, '--slot', $slot, '--create-slot',
	'--plugin', 'test_decoding' ]);
ok($ret, 'pg_recvlogical creates a test_decoding slot') or diag($err);

# A good the trader's station stocks and its faction can pay for.
my $good = pq(qq{
SELECT k.good_id
  FROM sim.ship s
  JOIN sim.station_stock k ON k.station_id = s.docked_at
  JOIN sim.good g ON g.id = k.good_id
  JOIN sim.wallet w ON w.faction_id = s.faction_id
 WHERE s.id = $trader AND s.state = 'docked' AND k.qty > 10 AND w.credits > 10 * g.base_price
   AND g.name <> 'fuel'
 ORDER BY k.good_id LIMIT 1});
isnt($good, '', "ship $trader is still docked, at a station with good $good to buy");

my $k = 8;
my $first = tick_of($primary) + 1;
my @steps;
my ($buy_xid, $cmd_xid);
for my $i (1 .. $k)
{
	push @steps, pq('SELECT sim.step(1)');
	if ($i == 3)
	{
		$buy_xid = pq("BEGIN; SELECT trade_id FROM sim.buy($trader, $good, 1); SELECT txid_current(); COMMIT;");
		($buy_xid) = $buy_xid =~ /(\d+)$/;
	}
	if ($i == 5)
	{
		$cmd_xid = pq("BEGIN; SELECT sim.undock($trader); SELECT txid_current(); COMMIT;");
		($cmd_xid) = $cmd_xid =~ /(\d+)$/;
	}
}
is(join(' ', @steps), join(' ', $first .. $first + $k - 1), "$k sim.step(1) calls ran ticks $first.." . ($first + $k - 1));
ok(defined $buy_xid && defined $cmd_xid, 'a purchase and an undock command were committed between them');
is(pq("SELECT status || ' ' || applied_tick FROM sim.command WHERE ship_id = $trader"), 'applied ' . ($first + 5),
	'the tick after the undock command applied it');
my $endpos = pq('SELECT pg_current_wal_lsn()');

# Parse test_decoding output: a list of transactions, each { xid, lines }.
sub parse_xacts
{
	my ($text) = @_;
	my (@xacts, $cur);
	for my $line (split /\n/, $text)
	{
		if ($line =~ /^BEGIN (\d+)$/)
		{
			$cur = { xid => $1, lines => [] };
		}
		elsif ($line =~ /^COMMIT (\d+)$/)
		{
			push @xacts, $cur if $cur && $cur->{xid} == $1;
			undef $cur;
		}
		elsif ($cur)
		{
			push @{ $cur->{lines} }, $line;
		}
	}
	return @xacts;
}

# Check the transactions of one consumer.
# test_decoding names the partition a history row went to
# (sim.trade_0_3600), not the partitioned table.
my $part = qr/(?:_\d+_\d+)?/;
sub check_stream
{
	my ($who, @xacts) = @_;
	my @ticks = grep { grep { /^table sim\.world: UPDATE:/ } @{ $_->{lines} } } @xacts;
	note("$who: " . scalar(@xacts) . ' transactions; changes per tick transaction: '
		  . join(' ', map { scalar @{ $_->{lines} } } @ticks));
	is(scalar(@ticks), $k, "$who: $k transactions update sim.world");
	is( join(' ', map { scalar(grep { /^table sim\.world: / } @{ $_->{lines} }) } @ticks),
		join(' ', (1) x $k), "$who: each holds exactly one change of sim.world");
	my @seen = map { my ($l) = grep { /^table sim\.world: / } @{ $_->{lines} }; $l =~ / tick\[bigint\]:(\d+)/ ? $1 : '?' } @ticks;
	is(join(' ', @seen), join(' ', $first .. $first + $k - 1), "$who: their ticks are $first.." . ($first + $k - 1) . ', consecutive, in order');
	is( join(' ', map { scalar(grep { !/^table sim\.world: / } @{ $_->{lines} }) > 0 ? 1 : 0 } @ticks),
		join(' ', (1) x $k), "$who: every tick transaction carries changes besides sim.world");
	my $all = join("\n", map { @{ $_->{lines} } } @ticks);
	like($all, qr/^table sim\.ship: UPDATE: /m, "$who: the ticks update ships");
	like($all, qr/^table sim\.(ship_event$part|flight_leg): INSERT: /m, "$who: ... record their moves");
	like($all, qr/^table sim\.tick_log: INSERT: /m, "$who: ... and log themselves");
	my ($buy) = grep { $_->{xid} == $buy_xid } @xacts;
	my ($cmd) = grep { $_->{xid} == $cmd_xid } @xacts;
	ok($buy && !grep({ /^table sim\.world: / } @{ $buy->{lines} }),
		"$who: the purchase is a transaction of its own, without sim.world");
	ok($buy && grep({ /^table sim\.trade$part: INSERT: / } @{ $buy->{lines} }), "$who: ... recording a trade");
	ok($cmd && !grep({ /^table sim\.world: / } @{ $cmd->{lines} }),
		"$who: the undock command is a transaction of its own, without sim.world");
	ok($cmd && grep({ /^table sim\.command$part: INSERT: / } @{ $cmd->{lines} }), "$who: ... queueing it");
	ok(@ticks > 5 && grep({ /^table sim\.command$part: UPDATE: .* status\[text\]:'applied'/ } @{ $ticks[5]{lines} }),
		"$who: the next tick's transaction marks it applied");
	is( scalar(grep { $_->{xid} != $buy_xid && $_->{xid} != $cmd_xid && !grep({ /^table sim\.world: / } @{ $_->{lines} }) } @xacts),
		0, "$who: no other transaction carries changes");
}

my $peek = pq(qq{SELECT string_agg(data, E'\\n' ORDER BY lsn)
                   FROM pg_logical_slot_peek_changes('$slot', '$endpos', NULL, 'skip-empty-xacts', '1')});
check_stream('pg_logical_slot_peek_changes', parse_xacts($peek));

my $file = PostgreSQL::Test::Utils::tempdir . '/ticks.txt';
($ret, $out, $err) = run_tool([ 'pg_recvlogical', @conn, '--slot', $slot, '--start',
	'--endpos', $endpos, '--no-loop', '-o', 'skip-empty-xacts=1', '-f', $file ]);
ok($ret, 'pg_recvlogical streams the slot up to the last tick') or diag($err);
my $received = -e $file ? slurp_file($file) : '';
check_stream('pg_recvlogical', parse_xacts($received));
is(join("\n", grep { /^table sim\.world: / } split /\n/, $received),
	join("\n", grep { /^table sim\.world: / } split /\n/, $peek),
	'both consumers decoded the same sim.world changes');

($ret, $out, $err) = run_tool([ 'pg_recvlogical', @conn, '--slot', $slot, '--drop-slot' ]);
ok($ret, 'pg_recvlogical drops the slot') or diag($err);

# The subscriber follows these ticks too.
$primary->wait_for_catchup($sub_name);
compare_universes('after the stepped ticks');

###
### (d) Errors
###

my $pubs = q{SELECT string_agg(p.pubname || ':' || (SELECT count(*) FROM pg_publication_tables t WHERE t.pubname = p.pubname), ' ' ORDER BY p.pubname) FROM pg_publication p};
my $before = pq($pubs);
my $e = sim_error($primary, $db, q{SELECT sim.create_publication('sim')});
is($e->{sqlstate}, '42710', 'a second publication named sim: 42710 (duplicate_object)');
like($e->{message} // '', qr/"sim" already exists/, '... naming it') or diag($e->{stderr});
$e = sim_error($primary, $db, q{SELECT sim.create_publication('')});
is($e->{sqlstate}, '22023', 'an empty publication name: 22023');
$e = sim_error($primary, $db, q{SELECT sim.create_publication(NULL)});
is($e->{sqlstate}, '22023', 'a NULL publication name: 22023');
is(pq($pubs), $before, 'the failed calls changed no publication');
$primary->wait_for_catchup($sub_name);
is( rq(q{SELECT count(*) FROM pg_stat_subscription WHERE subname = 'sim_sub' AND pid IS NOT NULL}), '1',
	'the subscription still runs');

$replica->stop;
$primary->stop;
done_testing();
