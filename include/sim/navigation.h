/*
 * navigation.h -- planning journeys: destinations, routes through jump
 * gates and the flight-plan legs that fly them (src/navigation.c,
 * src/journey.c).
 */
#ifndef SIM_NAVIGATION_H
#define SIM_NAVIGATION_H

#include "postgres.h"

#include "sim/core/kinematics.h"
#include "sim/errcodes.h"

typedef enum SimMode
{
	SIM_MODE_DRIFT,
	SIM_MODE_CRUISE,
	SIM_MODE_BURN
} SimMode;

/* Performance of a hull. */
typedef struct SimHull
{
	double		max_speed;		/* km/s */
	double		max_accel;		/* km/s^2 */
	double		fuel_per_dv;	/* fuel units per km/s of speed change */
} SimHull;

/* A failure to plan, ready to be raised or recorded. */
typedef struct SimNavError
{
	int			sqlerrcode;
	char	   *message;
	char	   *detail;
	char	   *hint;
} SimNavError;

typedef struct SimJourneyLeg
{
	SimLeg		leg;
	int64		arrival_tick;
	int32		sector_id;
	int32		gate_id;		/* gate jumped through before this leg; 0 for the first */
} SimJourneyLeg;

typedef struct SimJourney
{
	int			nlegs;
	SimJourneyLeg *legs;
	double		fuel;
	int64		start_tick;
	int64		arrival_tick;
	const char *dest_kind;		/* "station", "body" or "point" */
	int64		dest_id;
} SimJourney;

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

/* The point 50 km above a body's surface facing `from`, where flights to it end. */
extern void SimBodyApproach(const double from[3], const double center[3], double radius, double to[3]);

/* Fill *err. */
extern void SimNavErrorSet(SimNavError *err, int code, char *message, char *detail, char *hint);

/* Raise err as an ERROR. */
extern void SimNavRaise(const SimNavError *err) pg_attribute_noreturn();

#endif							/* SIM_NAVIGATION_H */
