-- sim: the universe's lifecycle -- its epoch, snapshots, rollback, export
-- and import (docs/lifecycle.md).
--
-- The epoch names one universe: generation, import and rollback each give
-- the universe a new one, and every notification, change row and delta
-- carries it, so a client that followed a replaced universe finds out
-- (SM012) instead of applying another universe's changes.  It is not part
-- of the state hash: a universe rolled back and replayed hashes as before.

-- A new epoch: a random integer in [1, 2^53 - 1], exact in a JavaScript
-- number and in a JSON reader that parses numbers as doubles.
CREATE FUNCTION sim.new_epoch() RETURNS bigint
LANGUAGE sql VOLATILE
RETURN 1 + ((('x' || substr(md5(gen_random_uuid()::text), 1, 16))::bit(64)::bigint
             & 9007199254740991) % 9007199254740991);
COMMENT ON FUNCTION sim.new_epoch() IS
    'A new random universe epoch in [1, 2^53 - 1] (exact as a JSON number)';

ALTER TABLE sim.world ADD COLUMN epoch bigint NOT NULL DEFAULT sim.new_epoch()
    CHECK (epoch BETWEEN 1 AND 9007199254740991);
COMMENT ON COLUMN sim.world.epoch IS
    'The universe''s epoch: new on generation, import and rollback; carried by notifications, change rows and deltas';
