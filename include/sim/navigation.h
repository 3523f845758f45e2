/*
 * navigation.h -- ships' journeys in the glue: parsing commands, checking
 * ships and destinations, storing planned legs (src/navigation.c) and
 * planning from the tables (src/journey.c).  The journey types and the
 * planner itself are Postgres-free, in sim/core/journey.h.
 */
#ifndef SIM_NAVIGATION_H
#define SIM_NAVIGATION_H

#include "postgres.h"

#include "sim/core/journey.h"
#include "sim/errcodes.h"

/* A failure to plan, ready to be raised or recorded. */
typedef struct SimNavError
{
	int			sqlerrcode;
	char	   *message;
	char	   *detail;
	char	   *hint;
} SimNavError;

/* What a flight mode and a destination may be, for errors about either. */
#define SIM_MODE_HINT "Use drift (slow, frugal), cruise or burn (fast, thirsty)."
#define SIM_DESTINATION_HINT "Write station:ID, body:ID or point:X,Y,Z (km, global frame)."

/* A destination as parsed from 'station:ID', 'body:ID' or 'point:X,Y,Z'. */
typedef struct SimDestination
{
	const char *kind;
	int64		id;
	double		point[3];
} SimDestination;

extern bool SimParseMode(const char *s, SimMode *mode, SimNavError *err);
extern bool SimParseDestination(const char *s, SimDestination *dest, SimNavError *err);

/* A caller that may command any ship (an operator, or the tick's NPCs). */
#define SIM_ANY_FACTION (-1)

/*
 * Plan ship's journey to dest in mode, starting at start_tick, on behalf of
 * a caller commanding faction (SIM_ANY_FACTION: no ownership check).  Reads the tables through SPI (the caller
 * is connected).  Returns false and fills *err when the journey is
 * impossible; nothing is written either way.
 */
extern bool SimPlanShipJourney(int64 ship_id, const SimDestination *dest,
							   SimMode mode, int32 faction, int64 start_tick,
							   SimJourney *journey, SimNavError *err);

/*
 * Plan between two points of known sectors (used by the above and sim.route).
 * Returns false with *err when no chain of gates links the sectors, the hull
 * cannot fly, or a leg or the whole journey would take too long (every tick
 * stays at or below 2^53).
 */
extern bool SimPlanJourney(const SimHull *hull, SimMode mode,
						   int32 from_sector, const double from[3],
						   int32 to_sector, const double to[3],
						   int64 start_tick, SimJourney *journey,
						   SimNavError *err);

/*
 * The network of sim.jump_gate's gates for SimJourneyPlan (src/journey.c).
 * The caller is connected to SPI; the graph stays valid until the next call.
 */
extern const SimGateGraph *SimGatesCurrent(void);

/* Check that ship may be undocked by a caller commanding faction; returns false with *err if not. */
extern bool SimCheckUndock(int64 ship_id, int32 faction, SimNavError *err);

/*
 * The faction the caller commands (sim.commanding_faction()): a player's,
 * or SIM_ANY_FACTION for an operator; raises 42501 for anyone else.  The
 * caller is connected to SPI.
 */
extern int32 SimCommandingFaction(void);

/* Write a planned journey into sim.ship and sim.flight_leg (tick only). */
extern void SimJourneyStore(int64 ship_id, const SimJourney *journey);

/* Fill *err. */
extern void SimNavErrorSet(SimNavError *err, int code, char *message, char *detail, char *hint);

/* Raise err as an ERROR. */
extern void SimNavRaise(const SimNavError *err) pg_attribute_noreturn();

#endif							/* SIM_NAVIGATION_H */
