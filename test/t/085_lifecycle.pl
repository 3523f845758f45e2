# 085_lifecycle.pl -- a universe's lifecycle end to end (docs/lifecycle.md):
# snapshot, roll back, export, import and replay, across databases.
#
# Database a: a universe with four players trading and flying beside its
# NPCs, built with sim.step.  Snapshot "base" is taken between ticks, after
# a round of commands the next tick has not yet applied; then 1,000 ticks
# of play are recorded.  The export of "base" carries that recording.
#   - Rolling a back to "base" gives the snapshot-time universe exactly
#     (sim.universe_digest, tick, state hash) under a new epoch; a listener
#     is told, and a follower that asks with the old epoch gets SM012.
#   - Replaying the recording in a reaches the recorded hash at every tick
#     and the same universe as the first run.
#   - Database b, which never had a universe, imports the export and replays
#     its 1,000 ticks: every tick's hash matches.
#   - Database c imports it, changes one economy rule, and replays: the
#     report names the first tick whose hash differs from the recording,
#     which this test finds on its own from the two hash chains, and an
#     entity whose change row at that tick differs.

use strict;
use warnings;

use FindBin;
use lib $FindBin::RealBin;
use PostgreSQL::Test::Cluster;
use PostgreSQL::Test::Utils;
use SimTest;
use Test::More;
use Time::HiRes qw(usleep);
use JSON::PP qw(decode_json);

my $node = sim_node('lifecycle', 'sim.database' => "''");
$node->start;
for my $db (qw(a b c))
{
	$node->safe_psql('postgres', "CREATE DATABASE $db");
	$node->safe_psql($db, 'CREATE EXTENSION sim CASCADE');
}
sub sq { my ($db, $sql) = @_; return $node->safe_psql($db, $sql); }

sq('a', 'SELECT sim.generate_universe(2027, 6, 400)');
sq('a', "SELECT sim.create_player('life_' || i, NULL, 2000000) FROM generate_series(1, 4) i");

# One round of the players' commands, each as its player, as the API server
# sends them (role sim_player and the JWT's claims).  A command the state
# refuses (no room, no credits, not docked ...) is skipped: it changes
# nothing and is not journaled.
sq('a', <<'SQL');
CREATE FUNCTION public.play(round integer) RETURNS integer
LANGUAGE plpgsql AS $$
DECLARE
    p       record;
    s       record;
    good    integer;
    cmd     text;
    done    integer := 0;
BEGIN
    FOR p IN SELECT id, faction_id FROM sim.player ORDER BY id LOOP
        FOR s IN SELECT * FROM sim.ship WHERE faction_id = p.faction_id ORDER BY id LOOP
            -- what to do, decided as the superuser running the test
            cmd := NULL;
            IF s.state = 'docked' AND (round + p.id) % 5 IN (0, 1) THEN
                SELECT k.good_id INTO good FROM sim.station_stock k
                 WHERE k.station_id = s.docked_at AND k.qty > 0 ORDER BY k.qty DESC, k.good_id LIMIT 1;
                cmd := format('SELECT api.buy(%s, %s, %s)', s.id, good, 4 + round % 5);
            ELSIF s.state = 'docked' AND (round + p.id) % 5 IN (2, 3)
                  AND EXISTS (SELECT 1 FROM sim.ship_cargo c WHERE c.ship_id = s.id AND c.qty > 0) THEN
                SELECT c.good_id INTO good FROM sim.ship_cargo c
                 WHERE c.ship_id = s.id AND c.qty > 0 ORDER BY c.good_id LIMIT 1;
                cmd := format('SELECT api.sell(%s, %s, 2)', s.id, good);
            ELSIF s.state = 'docked' AND (round + p.id) % 5 = 4 THEN
                cmd := format('SELECT api.undock(%s)', s.id);
            ELSIF s.state IN ('idle', 'orbiting') THEN
                SELECT format('SELECT api.navigate(%s, %L, %L)', s.id, 'station:' || st.id, 'cruise') INTO cmd
                  FROM sim.station st
                 WHERE st.sector_id = s.sector_id
                 ORDER BY (st.id * 7 + round) % 11, st.id LIMIT 1;
            END IF;
            CONTINUE WHEN cmd IS NULL;
            -- done as the player, as the API server sends it
            BEGIN
                PERFORM set_config('role', 'sim_player', true);
                PERFORM set_config('request.jwt.claims',
                                   json_build_object('role', 'sim_player', 'sub', p.id::text)::text, true);
                EXECUTE cmd;
                done := done + 1;
            EXCEPTION WHEN others THEN
                NULL;
            END;
            PERFORM set_config('request.jwt.claims', '', true);
            PERFORM set_config('role', 'none', true);
        END LOOP;
    END LOOP;
    RETURN done;
END
$$;
SQL

for my $r (1 .. 8)
{
	sq('a', "SELECT public.play($r); SELECT sim.step(3);");
}
# a round the next tick has not applied yet: the snapshot holds its effects
sq('a', 'SELECT public.play(9)');

###
### snapshot "base"
###
sq('a', "SELECT sim.snapshot('base')");
my $digest_sql = "SELECT string_agg(table_name || ' ' || row_count || ' ' || md5, E'\\n' ORDER BY table_name) FROM sim.universe_digest()";
my $base_digest = sq('a', $digest_sql);
my ($t0, $h0, $e0) = split /\|/, sq('a', "SELECT tick || '|' || encode(state_hash, 'hex') || '|' || epoch FROM sim.world");
is(sq('a', "SELECT tick || ' ' || encode(state_hash, 'hex') || ' ' || epoch FROM sim.snapshots WHERE name = 'base'"),
	"$t0 $h0 $e0", 'sim.snapshots lists base at the tick, hash and epoch of the universe');

###
### 1,000 recorded ticks of play
###
my $ticks = 1000;
for my $r (10 .. 109)
{
	sq('a', "SELECT public.play($r); SELECT sim.step(10);");
}
is(sq('a', 'SELECT tick FROM sim.world'), $t0 + $ticks, "$ticks ticks played after the snapshot");
my ($journaled, $kinds) = split /\|/, sq('a',
	"SELECT count(*) || '|' || string_agg(DISTINCT command, ',' ORDER BY command) FROM sim.journal WHERE tick > $t0 AND player_id IS NOT NULL");
cmp_ok($journaled, '>=', 30, "the players' commands of those ticks are journaled ($journaled)");
is($kinds, 'buy,navigate,sell,undock', 'they bought, sold, undocked and flew');
cmp_ok(sq('a', "SELECT count(*) FROM sim.trade t JOIN sim.ship s ON s.id IN (t.buyer_ship, t.seller_ship) "
		  . "JOIN sim.player p ON p.faction_id = s.faction_id WHERE t.tick > $t0"),
	'>', 0, 'the players traded in the recorded ticks');
cmp_ok(sq('a', "SELECT count(*) FROM sim.trade t WHERE t.tick > $t0 AND NOT EXISTS "
		  . "(SELECT 1 FROM sim.ship s JOIN sim.player p ON p.faction_id = s.faction_id WHERE s.id IN (t.buyer_ship, t.seller_ship))"),
	'>', 0, 'and so did the NPCs');
cmp_ok(sq('a', "SELECT count(DISTINCT kind) FROM sim.change WHERE tick > $t0"), '>=', 5,
	'ships, holds, stock, trades and wallets changed in the recorded ticks');
my $hashes_sql = "SELECT string_agg(tick || ' ' || encode(state_hash, 'hex'), E'\\n' ORDER BY tick) FROM sim.tick_log WHERE tick > $t0";
my $recorded = sq('a', $hashes_sql);
my $end_digest = sq('a', $digest_sql);
my ($h_end) = sq('a', "SELECT encode(state_hash, 'hex') FROM sim.world");

my $export = "$PostgreSQL::Test::Utils::tmp_check/base.simsnap";
{
	my $hex = sq('a', "SELECT encode(sim.export_snapshot('base'), 'hex')");
	open my $fh, '>:raw', $export or die "$export: $!";
	print $fh pack('H*', $hex);
	close $fh;
}
cmp_ok(-s $export, '>', 0, 'the export of base is written (' . (-s $export) . ' bytes)');

###
### roll a back to "base"
###
my $listener = $node->background_psql('a');
$listener->query_safe('LISTEN sim_tick');
sq('a', "SELECT sim.rollback('base')");
is(sq('a', $digest_sql), $base_digest, 'after the rollback the universe digest equals the snapshot-time digest');
my ($t1, $h1, $e1) = split /\|/, sq('a', "SELECT tick || '|' || encode(state_hash, 'hex') || '|' || epoch FROM sim.world");
is("$t1 $h1", "$t0 $h0", 'the tick and the state hash are the snapshot\'s');
isnt($e1, $e0, 'the rollback gave the universe a new epoch');
is(sq('a', 'SELECT count(*) FROM sim.audit()'), '0', 'sim.audit() is empty after the rollback');
{
	my @payloads;
	for (1 .. int($PostgreSQL::Test::Utils::timeout_default * 10))
	{
		my $out = $listener->query_safe('SELECT 1');
		push @payloads, $1
		  while $out =~ /^Asynchronous notification "sim_tick" with payload "(.*)" received/mg;
		last if @payloads;
		usleep(100_000);
	}
	my @epochs = map { my $j = eval { decode_json($_) }; ref $j eq 'HASH' ? ($j->{epoch} // '') : '' } @payloads;
	ok((grep { $_ eq $e1 } @epochs), "a listener is told the new epoch (@epochs)");
}
$listener->quit;
my $stale = sim_error($node, 'a', "SELECT count(*) FROM sim.changes_since($t0 - 1, epoch => $e0)");
is($stale->{sqlstate}, 'SM012', 'a follower that asks for changes with the old epoch gets SM012');
is(sq('a', "SELECT count(*) FROM sim.tick_log WHERE tick > $t0"), '0', 'the rolled-back ticks are gone from the log');

###
### replay in a
###
my $report_sql = sub {
	my ($file, $n) = @_;
	return "SELECT ticks_replayed || ' ' || matched || ' ' || coalesce(first_divergent_tick::text, '-') || ' ' "
	  . "|| coalesce(table_name, '-') || ' ' || coalesce(entity_kind, '-') || ' ' || coalesce(entity_id::text, '-') "
	  . "|| ' ' || coalesce(sub_id::text, '-') FROM sim.replay(pg_read_binary_file('$file')"
	  . (defined $n ? ", $n" : '') . ')';
};
is(sq('a', $report_sql->($export)), "$ticks true - - - - -", "replaying the recording in a matches at all $ticks ticks");
is(sq('a', $hashes_sql), $recorded, 'every replayed tick\'s state hash equals the first run\'s');
is(sq('a', $digest_sql), $end_digest, 'and the universe is the one the first run reached');
is(sq('a', 'SELECT count(*) FROM sim.audit()'), '0', 'sim.audit() is empty after the replay');

###
### import into b, which never had a universe, and replay
###
is(sq('b', 'SELECT count(*) FROM sim.world'), '0', 'b has no universe');
sq('b', "SELECT sim.import_snapshot(pg_read_binary_file('$export'))");
is(sq('b', $digest_sql), $base_digest, 'the import into b gives the snapshot-time universe');
my $e_b = sq('b', 'SELECT epoch FROM sim.world');
ok($e_b ne $e0 && $e_b ne $e1, 'the imported universe has an epoch of its own');
is(sq('b', $report_sql->($export)), "$ticks true - - - - -", "b replays the $ticks recorded ticks and matches at every one");
is(sq('b', $hashes_sql), $recorded, 'b\'s hash at every tick equals a\'s');
is(sq('b', "SELECT encode(state_hash, 'hex') FROM sim.world"), $h_end, 'b ends at a\'s last state hash');
is(sq('b', $digest_sql), $end_digest, 'b\'s universe equals a\'s');
is(sq('b', 'SELECT count(*) FROM sim.audit()'), '0', 'sim.audit() is empty in b');
sq('b', 'SELECT sim.step(5)');
is(sq('b', 'SELECT tick FROM sim.world'), $t0 + $ticks + 5, 'b ticks on after the replay');

###
### import into c, change one economy rule, replay: the first divergent tick
###
sq('c', "SELECT sim.import_snapshot(pg_read_binary_file('$export'))");
sq('c', 'UPDATE sim.economy SET tax_rate = tax_rate + 0.04');
my $report = sq('c', $report_sql->($export));
my ($n_c, $matched_c, $d, $table_c, $kind_c, $id_c, $sub_c) = split / /, $report;
is($matched_c, 'false', "with a changed tax rate the replay does not match ($report)");
my %want = map { (split / /)[0] => (split / /)[1] } split /\n/, $recorded;
my %got = map { (split / /)[0] => (split / /)[1] } split /\n/, sq('c', $hashes_sql);
my ($first) = grep { !defined $got{$_} || $got{$_} ne $want{$_} } sort { $a <=> $b } keys %want;
is($d, $first, "the report names the first tick whose hash differs from the recording ($first)");
is(sq('c', 'SELECT max(tick) FROM sim.tick_log'), $d, 'the replay stopped at that tick');
like($table_c, qr/^(ship|ship_cargo|station_stock|market_order|trade|wallet)$/, "and names a table ($table_c)");
my $row_sql = sub {
	my ($db) = @_;
	return sq($db, "SELECT coalesce(string_agg(sector_id || ':' || coalesce(val::text, 'deleted'), ';' ORDER BY seq), 'none') "
		  . "FROM sim.change WHERE tick = $d AND id = $id_c AND sub_id = $sub_c "
		  . "AND kind = (SELECT kind FROM sim.change_kind WHERE name = '$kind_c')");
};
isnt($row_sql->('c'), $row_sql->('a'), "the named entity ($kind_c $id_c/$sub_c) changed differently at tick $d");

$node->stop;
done_testing();
