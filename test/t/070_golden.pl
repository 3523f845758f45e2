# 070_golden.pl -- the economy gives the same universe as the code before it
# moved into src/core and kept its world between ticks.
#
# A universe of 2,000 NPC ships (seed 2026, 10 sectors) with three players:
# one buys at the market and offers to sell, another bids for the units
# (two crossing orders and one that stays open), the third flies to another
# sector through jump gates.  After 2,000 ticks, sim.universe_digest() must
# equal the digest below, which the tick of commit 6a9af60 (the economy in
# src/economy.c and src/npc.c, its snapshot loaded from the tables every
# tick) produced for the same script; it covers ships, cargo, stock,
# wallets, deposits, contracts, orders, trades, the ledger, the price
# history and the ship events, ids included.  The universe is stepped
# with sim.step (no ticker), so the result depends only on the script.

use strict;
use warnings;

use FindBin;
use lib $FindBin::RealBin;

use PostgreSQL::Test::Cluster;
use PostgreSQL::Test::Utils;
use SimTest;
use Test::More;

my $node = sim_node('golden', 'sim.database' => "''");
$node->start;
$node->safe_psql('postgres', 'CREATE DATABASE golden');
$node->safe_psql('golden', 'CREATE EXTENSION sim CASCADE');

my $script = <<'SQL';
SELECT sim.generate_universe(2026, 10, 2000) IS NOT NULL AS generated;
CREATE TEMP TABLE g AS
SELECT sim.create_player('golden_a', NULL, 2000000) AS a, sim.create_player('golden_b', NULL, 2000000) AS b,
       sim.create_player('golden_c', NULL, 2000000) AS c;
CREATE TEMP TABLE gs AS
SELECT (SELECT s.id FROM sim.ship s JOIN sim.player p ON p.faction_id = s.faction_id WHERE p.id = g.a) AS ship_a,
       (SELECT s.id FROM sim.ship s JOIN sim.player p ON p.faction_id = s.faction_id WHERE p.id = g.b) AS ship_b,
       (SELECT s.id FROM sim.ship s JOIN sim.player p ON p.faction_id = s.faction_id WHERE p.id = g.c) AS ship_c
  FROM g;
CREATE TEMP TABLE gg AS
SELECT s.docked_at AS station,
       (SELECT k.good_id FROM sim.station_stock k WHERE k.station_id = s.docked_at ORDER BY k.qty DESC, k.good_id LIMIT 1) AS good
  FROM sim.ship s, gs WHERE s.id = gs.ship_b;
SELECT count(*) AS bought FROM gs, gg, sim.buy(gs.ship_b, gg.good, 60) b;
SELECT sim.place_order(gs.ship_b, gg.good, 'sell', 40, 1) IS NOT NULL AS sell_order FROM gs, gg;
SELECT sim.place_order(gs.ship_a, gg.good, 'buy', 25, 5000) IS NOT NULL AS buy_order FROM gs, gg;
SELECT sim.place_order(gs.ship_a, gg.good, 'buy', 30, 2) IS NOT NULL AS low_buy FROM gs, gg;
SELECT sim.undock(gs.ship_c) IS NOT NULL AS undock FROM gs;
SELECT sim.step(20);
SELECT (sim.navigate(gs.ship_c, 'station:' || st.id, 'drift')).legs > 1 AS multi_sector
  FROM gs, sim.ship s, sim.station st
 WHERE s.id = gs.ship_c AND st.sector_id <> s.sector_id
 ORDER BY st.sector_id, st.id LIMIT 1;
SELECT sim.step(180);
SELECT sim.step(200);
SELECT sim.step(200);
SELECT sim.step(200);
SELECT sim.step(200);
SELECT sim.step(200);
SELECT sim.step(200);
SELECT sim.step(200);
SELECT sim.step(200);
SELECT sim.step(200);
SQL

my $out = $node->safe_psql('golden', $script);
like($out, qr/^t\n/, 'the universe was generated');
like($out, qr/\n2000$/, 'it ran 2000 ticks');

is($node->safe_psql('golden',
		"SELECT (SELECT count(*) FROM sim.trade WHERE kind = 'order') || '|' || "
		  . "(SELECT count(*) FROM sim.ship_event e JOIN sim.ship s ON s.id = e.ship_id "
		  . "  JOIN sim.player p ON p.faction_id = s.faction_id WHERE p.name = 'golden_c')"),
	'2|3', 'the crossing orders filled twice; the traveller undocked, left and is on its last leg');
is($node->safe_psql('golden', 'SELECT count(*) FROM sim.flight_leg'), '0',
	'the traveller started every later leg of its journey');

my $digest = $node->safe_psql('golden',
	"SELECT table_name || ' ' || row_count || ' ' || md5 FROM sim.universe_digest() ORDER BY table_name");
my $expected = <<'DIGEST';
body 302 911ab8ee675132de4a6f6846845e6c9b
bt_node 113 244339ae48d5dfbbca27da0ba4af899f
bt_tree 4 0c6af7e44e19a08d62b21ca2e7e08d03
contract 54 2ed7336b997a9b73a2e372efda5c955e
deposit 298 5f2f627ce4e5b074a130fd89d7cd1ea2
economy 1 eb2510950b6ef8186471f9b86187610d
faction 11 c2142b5f3abb740ef90c9c7705587d93
flight_leg 0 d41d8cd98f00b204e9800998ecf8427e
good 13 ad7ca91f15fc704853d97f975b84d9d1
jump_gate 11 b73ddc26eae1a5ea1bef13e620da8586
ledger 21770 0ab7eeb5634cbe7c872dd9cb4ca374bc
market_order 3 b460276557e23fbdd298cbab37cb2652
npc_personality 2000 5b7159fae48673bc9b31e2661fcbe743
player 3 bafc4080ae4f04a9c1791f954b2ea231
price_history 1969 89853cbd43c9bef4a4ad5ecd71fdd7d0
recipe 9 cd377c9bf95c85af41832c564fd00ea2
recipe_input 13 3cd6484609b9b0da09cdccffc538de9e
recipe_output 9 ecaaaeba48d23f6c0fe18e3b2b3853a5
sector 10 214177cd8d26375e5e6a03e4242ede67
ship 2003 f5a4f7fcd11f142018c24b20bea5ca2f
ship_cargo 1469 dddda2067e9de8d0b0453acbca65b608
ship_class 7 b1156f6ae6df673327e6cc9c49e75546
ship_event 29970 34bf3924248940b91bc0ed5b131b96b8
station 60 2624b30b34a3b99f0af4b7c70fb8958b
station_demand 107 66436995531852a0435543cc2571aae9
station_recipe 86 5a5887b61a14fb35ef9644560dfd9b2e
station_stock 349 14222b7972f0647357eeeb62daf5ea92
trade 6294 8be44e5313773c967376d0b56e836b00
wallet 11 658af8ec1f17667fdfa70243ca870363
world 1 8512ee0e78f39eefe50a20f526b7c429
DIGEST
chomp $expected;
my %want = map { (split / /)[0] => $_ } split /\n/, $expected;
my %got = map { (split / /)[0] => $_ } split /\n/, $digest;
is_deeply([ sort keys %got ], [ sort keys %want ], 'the digest covers the same tables');
is($got{$_}, $want{$_}, "sim.$_ is as the old code left it") for sort keys %want;

is($node->safe_psql('golden', 'SELECT count(*) FROM sim.audit()'), '0', 'sim.audit() is empty');

$node->stop;
done_testing();
