/*
 * limits.h -- the registry of sim's input limits (no Postgres inside).
 *
 * Every bound on what a caller may pass, or on how much of it a message
 * quotes, is one line of SIM_LIMITS: a name, its value and what it bounds.
 * Nothing else defines one:
 *   - C reads them as SIM_LIMIT_<NAME> (the enum below);
 *   - SQL reads them as sim.limit(name) and the view sim.input_limit
 *     (sim.limits(), src/bounds.c);
 *   - docs/errors.md has one row per line here, checked by
 *     test/check_limits.sh (run by "make unitcheck").
 * To add a limit: one line here, one row in docs/errors.md, and its tests.
 */
#ifndef SIM_CORE_LIMITS_H
#define SIM_CORE_LIMITS_H

#include "sim/core/delta.h"

/* X(NAME, value, "what it bounds") */
#define SIM_LIMITS(X) \
	X(ECHO_CHARS, 64, \
	  "characters of a caller's text that an error, notice or detail quotes; longer text is cut there and ends in an ellipsis") \
	X(WORD_BYTES, 256, \
	  "bytes of a short text argument: a destination or a flight mode") \
	X(SECTORS, 10000, \
	  "sectors in a universe, and elements of a sectors array argument (sim.changes_since, sim.delta)") \
	X(VALUES, SIM_DELTA_MAX_VALS, \
	  "values of one change record, and elements of the array of sim.finite and sim.change_data") \
	X(STEP_TICKS, 100000, \
	  "ticks one sim.step call runs") \
	X(OPEN_ORDERS, 1000, \
	  "open limit orders one faction may have at once (sim.place_order)") \
	X(SNAPSHOT_MB, 2048, \
	  "megabytes (2^20 bytes) a snapshot file's sections hold before compression, all together (sim.import_snapshot, sim.load_recording, sim.replay)")

#define SIM_LIMIT_ENUM(name, value, meaning) SIM_LIMIT_##name = (value),

enum
{
	SIM_LIMITS(SIM_LIMIT_ENUM)
};

#undef SIM_LIMIT_ENUM

#endif							/* SIM_CORE_LIMITS_H */
