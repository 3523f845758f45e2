-- test/upgrade/after.sql -- what the universe does after the upgrade, run
-- alike on the upgraded database and on the fresh install its dump was
-- restored into: one tick (a restored universe's change record, which a
-- dump leaves out, starts at its first tick: commands before it would be
-- recorded on one side only), more commands from the same players (a sale,
-- a cancelled order, a new order), then 100 ticks with sim.step.
-- test/upgrade/run.sh then compares the two universes tick by tick.
\set ON_ERROR_STOP on
SELECT sim.step(1);
SELECT count(*) AS sold
  FROM public.upgrade_ship gs, public.upgrade_good gg, sim.ship_cargo c,
       LATERAL sim.sell(gs.ship_b, gg.good, least(c.qty, 5)) s
 WHERE c.ship_id = gs.ship_b AND c.good_id = gg.good AND c.qty > 0;
SELECT count(*) AS cancelled
  FROM (SELECT sim.cancel_order(o.id) FROM sim.market_order o, public.upgrade_ship gs
         WHERE o.ship_id = gs.ship_a AND o.status = 'open' ORDER BY o.id LIMIT 1) x;
SELECT sim.place_order(gs.ship_a, gg.good, 'buy', 10, 4000) IS NOT NULL AS buy_again
  FROM public.upgrade_ship gs, public.upgrade_good gg;
SELECT sim.step(100);
SELECT count(*) AS audit_findings FROM sim.audit();
