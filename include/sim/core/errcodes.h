/*
 * errcodes.h -- the registry of sim's own SQLSTATEs (no Postgres inside).
 *
 * Every custom SQLSTATE (class SM) is one line of SIM_ERRCODES: its five
 * characters, a name and what it means.  Nothing else defines one:
 *   - C raises them as ERRCODE_SIM_<name> (include/sim/errcodes.h);
 *   - SQL reads the list as the view sim.error_code (sim.error_codes(),
 *     src/api_errors.c), and the regress test errcodes checks that every
 *     code the extension's SQL functions raise is in it;
 *   - docs/errors.md has one row per line here, checked by
 *     test/check_errcodes.sh (run by "make unitcheck"), which also checks
 *     that no SMnnn in src/, sql/ or include/ is missing here.
 * To add a code: one line here, one row in docs/errors.md, and its tests.
 */
#ifndef SIM_CORE_ERRCODES_H
#define SIM_CORE_ERRCODES_H

/* X(c1, c2, c3, c4, c5, NAME, "meaning") */
#define SIM_ERRCODES(X) \
	X('S', 'M', '0', '0', '1', INSUFFICIENT_FUEL, \
	  "the ship has too little fuel for the journey it was given") \
	X('S', 'M', '0', '0', '2', NOT_ENOUGH_CARGO, \
	  "the ship carries fewer units of the good than the command needs") \
	X('S', 'M', '0', '0', '3', HOLD_FULL, \
	  "the ship's hold has no room for the units the command would put in it") \
	X('S', 'M', '0', '0', '4', NOT_ENOUGH_CREDITS, \
	  "the paying faction has fewer credits than the command costs") \
	X('S', 'M', '0', '0', '5', PRICE_MOVED, \
	  "the station's price is past the caller's max_price or min_price") \
	X('S', 'M', '0', '0', '6', STORAGE_FULL, \
	  "the station's storage has no room for the units") \
	X('S', 'M', '0', '0', '7', NOT_ENOUGH_STOCK, \
	  "the station holds fewer units of the good than the command needs") \
	X('S', 'M', '0', '0', '8', CONTRACT_EXPIRED, \
	  "the contract's deadline has passed") \
	X('S', 'M', '0', '0', '9', INVALID_TRANSITION, \
	  "a ship's state changed along a pair not in sim.ship_transition") \
	X('S', 'M', '0', '1', '0', CHANGES_GONE, \
	  "the change record no longer holds the ticks asked for: reload a snapshot") \
	X('S', 'M', '0', '1', '1', VOCABULARY_MISMATCH, \
	  "the vocabulary tables or the schema disagree with the module: sim.check_vocabulary()") \
	X('S', 'M', '0', '1', '2', STALE_EPOCH, \
	  "the caller follows a universe that was replaced (its epoch is not the current one): reload") \
	X('S', 'M', '0', '1', '3', INVALID_SNAPSHOT_NAME, \
	  "a snapshot name must be 1 to 63 letters, digits, '_', '-' or '.'") \
	X('S', 'M', '0', '1', '4', SNAPSHOT_NOT_FOUND, \
	  "no snapshot of that name exists") \
	X('S', 'M', '0', '1', '5', DUPLICATE_SNAPSHOT, \
	  "a snapshot of that name exists already") \
	X('S', 'M', '0', '1', '6', FOREIGN_SNAPSHOT, \
	  "the export is not one this version of sim can import (another format, version or schema)") \
	X('S', 'M', '0', '1', '7', CORRUPT_SNAPSHOT, \
	  "the snapshot or export is damaged: its structure or checksum is wrong") \
	X('S', 'M', '0', '1', '8', REPLAY_NOT_READY, \
	  "replay needs a paused ticker and a universe at the recording's first tick and state hash")

#endif							/* SIM_CORE_ERRCODES_H */
