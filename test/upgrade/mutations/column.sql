-- A column the upgrade adds that a fresh install does not have.
ALTER TABLE sim.ship ADD COLUMN upgrade_forgotten integer;
