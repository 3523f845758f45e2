# 075_history_dump.pl -- pg_dump and a restore carry a universe's history.
#
# A universe run past a few periods and retention drops, under a short
# history policy, is dumped and restored into an empty database: the raw
# history (the partitions of sim.trade, sim.ship_event, sim.ledger and
# sim.command, with their rows), the rollups and the policy come back equal;
# sim.price_history's partitions, members of the extension, are left out and
# start afresh.  The restored universe then ticks on, rolls up and drops as
# the original does.

use strict;
use warnings;

use PostgreSQL::Test::Cluster;
use PostgreSQL::Test::Utils;
use Test::More;

my $node = PostgreSQL::Test::Cluster->new('history_dump');
$node->init;
$node->append_conf('postgresql.conf', "shared_preload_libraries = 'sim'\n");
$node->start;

$node->safe_psql('postgres', 'CREATE DATABASE hist_a');
$node->safe_psql('hist_a', 'CREATE EXTENSION sim CASCADE');
$node->safe_psql('hist_a',
	    'UPDATE sim.history_policy SET partition_ticks = 20, period_ticks = 40, raw_retention_ticks = 60; '
	  . 'SELECT sim.reset_universe(); '
	  . 'SELECT sim.generate_universe(9, 4, 2000); '
	  . 'UPDATE sim.economy SET dock_stay_ticks = 0, handling_rate = 1000000; '    # the plain rules: ships trade at once
	  . 'SELECT sim.step(150)');

my $tables = "'trade', 'ship_event', 'ledger', 'history_period', 'market_period', 'sector_market_period', "
  . "'flow_period', 'money_period', 'wallet_period', 'ship_period', 'world', 'ship', 'wallet'";
my $digest = "SELECT string_agg(table_name || ' ' || row_count || ' ' || md5, E'\\n' ORDER BY table_name) "
  . "FROM sim.universe_digest() WHERE table_name IN ($tables)";
my $extra = "SELECT (SELECT md5(string_agg(c::text, ',' ORDER BY c.id)) FROM sim.command c) || ' ' || "
  . "(SELECT string_agg(name, ',' ORDER BY name) FROM sim.history_partition WHERE parent <> 'price_history') || ' ' || "
  . "(SELECT p::text FROM sim.history_policy p)";

my $before = $node->safe_psql('hist_a', $digest);
my $before_extra = $node->safe_psql('hist_a', $extra);
ok($node->safe_psql('hist_a', 'SELECT count(*) FROM sim.trade') > 0, 'the universe has traded');
is($node->safe_psql('hist_a', "SELECT min(lo) FROM sim.history_partition WHERE parent = 'ledger'"),
	'80', 'retention has dropped the oldest partitions');

my $dumpfile = $node->basedir . '/hist_a.sql';
$node->command_ok([ 'pg_dump', '-d', $node->connstr('hist_a'), '-f', $dumpfile ], 'pg_dump succeeds');
$node->safe_psql('postgres', 'CREATE DATABASE hist_b');
$node->command_ok(
	[ 'psql', '-X', '-q', '-v', 'ON_ERROR_STOP=1', '-d', $node->connstr('hist_b'), '-f', $dumpfile ],
	'the dump restores into an empty database');

is($node->safe_psql('hist_b', $digest), $before, 'raw history and rollups are restored, table by table');
is($node->safe_psql('hist_b', $extra), $before_extra,
	'commands, the partitions and the policy are restored');
is($node->safe_psql('hist_b', 'SELECT count(*) FROM sim.price_history'), '0',
	'price_history is not in the dump (its partitions are members of the extension)');

# both tick on alike
$node->safe_psql($_, 'SELECT sim.step(50)') for qw(hist_a hist_b);
is($node->safe_psql('hist_b',
		"SELECT string_agg(name, ',' ORDER BY name) FROM sim.history_partition WHERE parent <> 'price_history'"),
	$node->safe_psql('hist_a',
		"SELECT string_agg(name, ',' ORDER BY name) FROM sim.history_partition WHERE parent <> 'price_history'"),
	'the restored universe makes and drops the same partitions');
is($node->safe_psql('hist_b', 'SELECT string_agg(period_start::text, \',\' ORDER BY 1) FROM sim.history_period'),
	$node->safe_psql('hist_a', 'SELECT string_agg(period_start::text, \',\' ORDER BY 1) FROM sim.history_period'),
	'and rolls up the same periods');

done_testing();
