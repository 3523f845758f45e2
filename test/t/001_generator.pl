# 001_generator.pl -- the universe generator is deterministic across databases.
#
# One cluster, several databases.  The same call of sim.generate_universe()
# must produce the same rows, table by table, in every database (compared
# through sim.universe_digest()), whatever the database generated before;
# a different seed must produce a different universe.

use strict;
use warnings;

use PostgreSQL::Test::Cluster;
use PostgreSQL::Test::Utils;
use Test::More;

my $node = PostgreSQL::Test::Cluster->new('generator');
$node->init;
# sim as deployed; the ticker stays idle because sim.database is unset
$node->append_conf('postgresql.conf', "shared_preload_libraries = 'sim'\n");
$node->start;

# Tables the generator must fill, with at least this many rows for (42, 50, 10000)
my %filled = (
	world => 1, faction => 8, wallet => 8, sector => 50, jump_gate => 49,
	good => 13, recipe => 10, recipe_input => 10, recipe_output => 10,
	body => 50, deposit => 1, station => 300, station_recipe => 1,
	station_stock => 300, ship_class => 7, ship => 10000,
	npc_personality => 10000, economy => 1, station_demand => 300,
	ledger => 21, bt_tree => 4, bt_node => 4);

# Catalogue tables: fixed content, the same for every seed (the default
# behaviour trees among them; the economy's rules are not: they anchor the
# money supply the seed gave)
my @catalogue = qw(good recipe recipe_input recipe_output ship_class bt_tree bt_node);

# Create a database with sim installed; return its name.
sub new_db
{
	my ($name) = @_;
	$node->safe_psql('postgres', "CREATE DATABASE $name");
	$node->safe_psql($name, 'CREATE EXTENSION sim CASCADE');
	return $name;
}

# The digest of a database as { table => "rows md5" }.
sub digest
{
	my ($db, $setup) = @_;
	my $sql = ($setup // '')
	  . 'SELECT table_name, row_count, md5 FROM sim.universe_digest() ORDER BY table_name';
	my %d;
	for my $line (split /\n/, $node->safe_psql($db, $sql))
	{
		my ($t, $n, $md5) = split /\|/, $line;
		$d{$t} = "$n $md5";
	}
	return \%d;
}

sub rows { my ($d, $t) = @_; return (split / /, $d->{$t})[0]; }

my $a = new_db('gen_a');
my $b = new_db('gen_b');
my $c = new_db('gen_c');

# gen_b first makes, and throws away, another universe: nothing may leak
# from one generation into the next
$node->safe_psql($b, 'SELECT sim.generate_universe(7, 8, 100)');
$node->safe_psql($b, 'SELECT sim.reset_universe()');

my $result_a = $node->safe_psql($a, 'SELECT sim.generate_universe(42, 50, 10000)');
my $result_b = $node->safe_psql($b, 'SELECT sim.generate_universe(42, 50, 10000)');
$node->safe_psql($c, 'SELECT sim.generate_universe(43, 50, 10000)');
is($result_b, $result_a, 'generate_universe reports the same counts in both databases');
like($result_a, qr/"sectors": 50\b/, 'the report counts 50 sectors');
like($result_a, qr/"ships": 10000\b/, 'the report counts 10000 ships');

my $da = digest($a);
my $db = digest($b);
my $dc = digest($c);

# The digest covers every table the generator fills, and they are filled
for my $t (sort keys %filled)
{
	ok(exists $da->{$t}, "digest covers sim.$t");
	cmp_ok(rows($da, $t) // 0, '>=', $filled{$t}, "sim.$t has at least $filled{$t} rows");
}

# Same seed, same universe, table by table
is_deeply([ sort keys %$db ], [ sort keys %$da ], 'both digests list the same tables');
for my $t (sort keys %$da)
{
	is($db->{$t}, $da->{$t}, "seed 42: sim.$t is identical in gen_a and gen_b");
}

# Another seed, another universe; the fixed catalogue is shared
my @differ = grep { ($dc->{$_} // '') ne $da->{$_} } sort keys %$da;
my %is_catalogue = map { $_ => 1 } @catalogue;
for my $t (@catalogue)
{
	is($dc->{$t}, $da->{$t}, "seed 43: catalogue table sim.$t is the same as for seed 42");
}
for my $t (qw(world faction wallet sector jump_gate body deposit station station_stock ship npc_personality
	station_demand ledger economy))
{
	isnt($dc->{$t}, $da->{$t}, "seed 43: sim.$t differs from seed 42");
}
ok(!(grep { $is_catalogue{$_} } @differ), 'only non-catalogue tables differ between seeds');

# Regenerating in place reproduces the digest exactly
$node->safe_psql($a, 'SELECT sim.generate_universe(42, 50, 10000, reset => true)');
is_deeply(digest($a), $da, 'regenerating with reset => true reproduces every table');

# A refused generation leaves the universe as it was
my ($ret, $out, $err) = $node->psql($a, 'SELECT sim.generate_universe(43, 50, 10000)');
isnt($ret, 0, 'generating over an existing universe fails');
like($err, qr/a universe already exists/, '... saying a universe already exists');
($ret, $out, $err) = $node->psql($a,
	"\\set VERBOSITY verbose\nSELECT sim.generate_universe(43, 50, 10000)");
like($err, qr/ERROR:\s+55000:/, '... with SQLSTATE 55000');
is_deeply(digest($a), $da, '... and changes nothing');

# The digest describes the rows, not the session that reads them
is_deeply(digest($a, 'SET extra_float_digits = 0; '), $da,
	'the digest does not depend on extra_float_digits');

# pg_dump carries the universe (the extension marks its tables as data to dump)
my $dumpfile = $node->basedir . '/gen_b.sql';
$node->command_ok([ 'pg_dump', '-d', $node->connstr($b), '-f', $dumpfile ], 'pg_dump of gen_b succeeds');
$node->safe_psql('postgres', 'CREATE DATABASE gen_restored');
$node->command_ok([ 'psql', '-X', '-q', '-v', 'ON_ERROR_STOP=1', '-d', $node->connstr('gen_restored'),
		'-f', $dumpfile ], 'the dump restores into an empty database');
is_deeply(digest('gen_restored'), $db, 'the restored universe is identical, table by table');
is($node->safe_psql('gen_restored',
		"SELECT count(*) FROM pg_inherits WHERE inhparent = 'sim.change'::regclass"),
	0, 'the change record is not in the dump (its next tick starts a new one)');
is($node->safe_psql('gen_restored', 'SELECT sim.change_tick() IS NULL'), 't',
	'until that tick, changes of the restored universe are not recorded');
$node->safe_psql('gen_restored', 'SELECT sim.step(1)');
is($node->safe_psql('gen_restored',
		"SELECT sim.change_horizon() = 1 AND (SELECT count(*) FROM sim.change WHERE tick = 1) > 0 "
		  . "AND (SELECT count(*) FROM sim.changes_since(1)) = 0"),
	't', 'its first tick starts the record: the horizon is that tick, its changes are kept');

# Across a restart (shared memory rebuilt) the tables are unchanged
$node->restart;
is_deeply(digest($b), $db, 'gen_b is unchanged across a server restart');

$node->stop;
done_testing();
