-- A column default not changed: sim.economy.spread's default differs.
ALTER TABLE sim.economy ALTER COLUMN spread SET DEFAULT 0.25;
