# 045_feed_snapshot.pl -- the change feed and the partitions the ticks drop.
#
# A reader of the change record holds it: ticks go on but drop nothing
# until it is done.  A REPEATABLE READ transaction whose snapshot predates a
# drop gets SM010 from sim.changes_since and sim.delta, never rows with a
# silent gap.
use strict;
use warnings;

use FindBin;
use lib $FindBin::RealBin;
use SimTest;
use PostgreSQL::Test::Cluster;
use PostgreSQL::Test::Utils;
use Test::More;

my $node = sim_node('feed', 'sim.enabled' => 'off', 'sim.change_retention' => 4);
$node->start;
my $db = 'postgres';
$node->safe_psql($db, 'CREATE EXTENSION sim CASCADE');
$node->safe_psql($db, 'SELECT sim.generate_universe(3, 4, 300)');
$node->safe_psql($db, q{
	CREATE FUNCTION sqlstate_of(q text) RETURNS text LANGUAGE plpgsql AS $$
	DECLARE
		code text;
		msg text;
	BEGIN
		EXECUTE q;
		RETURN 'ok';
	EXCEPTION WHEN others THEN
		GET STACKED DIAGNOSTICS code = RETURNED_SQLSTATE, msg = MESSAGE_TEXT;
		RETURN code || ': ' || msg;
	END $$});
$node->safe_psql($db, 'SELECT sim.step(1)') for 1 .. 20;

sub horizon { return $node->safe_psql($db, 'SELECT sim.change_horizon()') }
sub rows_after
{
	my ($t) = @_;
	return $node->safe_psql($db, "SELECT count(*) FROM sim.change WHERE tick > $t");
}

is(horizon(), 16, 'retention 4: at tick 20 the record keeps the ticks after 16');

# a reader in the middle of its transaction holds the record
my $reader = $node->background_psql($db);
$reader->query_safe('BEGIN');
my $n = $reader->query_safe('SELECT count(*) FROM sim.changes_since(16)');
is($n, rows_after(16), 'the reader sees every change after the horizon');
$node->safe_psql($db, 'SELECT sim.step(1)') for 1 .. 6;
is($node->safe_psql($db, 'SELECT tick FROM sim.world'), 26, 'ticks go on while a reader holds the record');
is(horizon(), 16, 'but they drop no partition under it');
is($reader->query_safe('SELECT count(*) FROM sim.changes_since(16) WHERE tick <= 20'),
	$n, 'and the reader still has all it read');
$reader->query_safe('COMMIT');
$node->safe_psql($db, 'SELECT sim.step(1)');
cmp_ok(horizon(), '>', 16, 'the next tick after the reader is done drops what fell out');
is($node->safe_psql($db,
		'SELECT count(*) FROM sim.change_partition p JOIN pg_inherits i ON i.inhrelid = (\'sim.\' || p.name)::regclass'),
	$node->safe_psql($db, 'SELECT count(*) FROM sim.change_partition'),
	'every listed partition is attached');

# a REPEATABLE READ snapshot from before a drop
my $rr = $node->background_psql($db);
for my $f ('SELECT count(*) FROM sim.changes_since(%d)', 'SELECT length(sim.delta(%d, %d))')
{
	my $h = horizon();
	$rr->query_safe('BEGIN ISOLATION LEVEL REPEATABLE READ');
	my $seen_tick = $rr->query_safe('SELECT sim.current_tick()');
	$node->safe_psql($db, 'SELECT sim.step(1)') for 1 .. 3;
	cmp_ok(horizon(), '>', $h, 'ticks after the snapshot dropped partitions');
	my $q = sprintf($f, $h, $seen_tick);
	is($rr->query_safe("SELECT sqlstate_of(\$q\$$q\$q\$)"),
		"SM010: changes since tick $h are no longer kept",
		"a snapshot older than the drop: $q is SM010, not a gap");
	$rr->query_safe('ROLLBACK');
}
my $h2 = horizon();
is($node->safe_psql($db, "SELECT count(*) FROM sim.changes_since($h2)"), rows_after($h2),
	'from the new horizon, everything kept is served');

$reader->quit;
$rr->quit;
$node->stop;
done_testing();
