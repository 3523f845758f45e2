-- test/upgrade/diverge.sql -- the self-test's universe that must not pass:
-- the upgraded universe with one economy rule changed (a mining cycle three
-- ticks longer), as an upgrade that rewrote a rule by mistake would leave
-- it.  run.sh expects its state hashes to diverge from the restored copy's.
UPDATE sim.economy SET mine_cycle_ticks = mine_cycle_ticks + 3;
