# 070_golden.pl -- the economy gives, bit for bit, the universe it gave when
# this digest was recorded.
#
# A universe of 2,000 NPC ships (seed 2026, 10 sectors) with three players:
# one buys at the market and offers to sell, another bids for the units
# (two crossing orders and one that stays open), the third flies to another
# sector through jump gates.  After 2,000 ticks, sim.universe_digest() must
# equal the digest below.  It was first taken from the tick of commit
# 6a9af60 (the economy in src/economy.c and src/npc.c), which the core in
# src/core reproduced exactly; it was taken again when the economy was
# balanced (docs/gameplay.md, "The economy in balance": the monetary rule,
# docking and towing fees, dock stays, recipe batches, the fuel reserve) and
# its history partitioned with rollups (docs/schema.md, "History"), which
# change what the tick writes by design.  It covers ships, cargo, stock,
# wallets, deposits, contracts, orders, trades, the ledger, the price
# history, the ship events and the rollups, ids included.  The universe is
# stepped with sim.step (no ticker), so the result depends only on the
# script; a change of the digest is a change of the economy, to be explained
# where the digest is updated.  The world row's digest changed once more when
# sim.world gained state_hash, the head of the per-tick state hash chain
# (docs/engine.md, "State hash"): without that column the row still hashes
# as before, every other table is unchanged, and the chain's hash at tick
# 2,000 was aacaabca312e73d91ac182a9b9499dbc5bbe708d499c1c775ab32606e492d339.
# It changed again when the hash began taking each tick's rows by entity
# rather than in seq order (the chain's hash at tick 2,000 is now
# 0f4ace0196f1ac4ab6e31d14d3e1f1b8c1d9ae38f328f81364e024f7980bbe87) and the
# digest began reading the world row as JSON without its epoch, which names
# the universe, not its state; every other table is unchanged.

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
contract 70 feb0447801624818b01bb9e1ab08197d
deposit 298 b6d5189c2e2b35695a38934c548fd139
economy 1 f4739dd8786115d2eecea52f3b6029a9
faction 11 c2142b5f3abb740ef90c9c7705587d93
flight_leg 0 d41d8cd98f00b204e9800998ecf8427e
flow_period 0 d41d8cd98f00b204e9800998ecf8427e
good 13 196b0340d458035ca5415e2d1a20f08b
history_period 0 d41d8cd98f00b204e9800998ecf8427e
jump_gate 11 b73ddc26eae1a5ea1bef13e620da8586
ledger 60443 4d29b0b31abecd6e00fc79627d7fe42e
market_order 3 b460276557e23fbdd298cbab37cb2652
market_period 0 d41d8cd98f00b204e9800998ecf8427e
money_period 0 d41d8cd98f00b204e9800998ecf8427e
npc_personality 2000 5b7159fae48673bc9b31e2661fcbe743
player 3 bafc4080ae4f04a9c1791f954b2ea231
price_history 962 4ae460d7163e6f5b08a6f9252fc95535
recipe 10 8f6d11f5399c627ccc82a630e8ece1bd
recipe_input 14 02f925e08539a5a0787de2cd80df25ae
recipe_output 10 285f62b79335a3d05724548e48e96186
sector 10 214177cd8d26375e5e6a03e4242ede67
sector_market_period 0 d41d8cd98f00b204e9800998ecf8427e
ship 2003 e7add4974840c591dca08097de0dc925
ship_cargo 2485 00be7bb6e4d5818a8cd36f227720cbf6
ship_class 7 a40cde548b476d20b12ecde6d4618670
ship_event 17750 668c3416ed1eba7c8685e277f6852c5c
ship_period 0 d41d8cd98f00b204e9800998ecf8427e
station 60 592acc9b6c18e16f762930fc86a95011
station_demand 120 7149a475e7dcd7222c9bf8b8e981c6d2
station_recipe 106 93cf307d2ff8501ad65041de32fbd1b6
station_stock 362 9b0914b80a555d1b9af1b79f33bd22a8
trade 1783 d2f58be43ea7c2b54e65a8e35aca5ad3
wallet 11 7e8eb2d14f5a5ec39125de20f8ed8e03
wallet_period 0 d41d8cd98f00b204e9800998ecf8427e
world 1 1f487206d8e001d64eacfe4c35804d42
DIGEST
chomp $expected;
my %want = map { (split / /)[0] => $_ } split /\n/, $expected;
my %got = map { (split / /)[0] => $_ } split /\n/, $digest;
is_deeply([ sort keys %got ], [ sort keys %want ], 'the digest covers the same tables');
is($got{$_}, $want{$_}, "sim.$_ is as recorded") for sort keys %want;

is($node->safe_psql('golden', 'SELECT count(*) FROM sim.audit()'), '0', 'sim.audit() is empty');

$node->stop;
done_testing();
