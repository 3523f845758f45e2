/*
 * journey.h -- planning journeys between two points of the universe (no
 * Postgres inside): the cheapest route in ticks through the jump gates and
 * the rest-to-rest legs that fly it (src/core/journey.c).
 *
 * The gate network is built once into a SimGateGraph (what depends only on
 * the gates: their ends grouped by sector, the fewest jumps between any two
 * sectors) and reused for any number of plans; a plan adds only its start,
 * its goal and the flights its search looks at.  Failures come back as a
 * kind and the sentences to show; the glue (src/journey.c) maps the kinds
 * to SQLSTATEs.
 */
#ifndef SIM_CORE_JOURNEY_H
#define SIM_CORE_JOURNEY_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "sim/core/kinematics.h"
#include "sim/core/route.h"		/* SimAllocator */

typedef enum SimMode
{
	SIM_MODE_DRIFT,
	SIM_MODE_CRUISE,
	SIM_MODE_BURN
} SimMode;

/* The fraction of a hull's acceleration and top speed each mode uses. */
extern const double SimModeAccel[3];
extern const double SimModeSpeed[3];

/* Performance of a hull. */
typedef struct SimHull
{
	double		max_speed;		/* km/s */
	double		max_accel;		/* km/s^2 */
	double		fuel_per_dv;	/* fuel units per km/s of speed change */
} SimHull;

typedef struct SimJourneyLeg
{
	SimLeg		leg;
	int64_t		arrival_tick;
	int32_t		sector_id;
	int32_t		gate_id;		/* gate jumped through before this leg; 0 for the first */
} SimJourneyLeg;

typedef struct SimJourney
{
	int			nlegs;
	SimJourneyLeg *legs;
	double		fuel;
	int64_t		start_tick;
	int64_t		arrival_tick;
	const char *dest_kind;		/* "station", "body" or "point" (set by the caller) */
	int64_t		dest_id;
} SimJourney;

/* A jump gate as sim.jump_gate holds it: a two-way link, one end in each sector. */
typedef struct SimGate
{
	int32_t		id;
	int32_t		sector_a,
				sector_b;
	double		pos_a[3],
				pos_b[3];
	int32_t		jump_ticks;		/* >= 0 */
} SimGate;

/* One end of a gate: end 2*i is gate i's end a, end 2*i+1 its end b. */
typedef struct SimGateEnd
{
	int32_t		gate_id;
	int32_t		sector_id;
	int32_t		sector;			/* dense index of sector_id in SimGateGraph.sector_ids */
	int32_t		jump_ticks;
	double		pos[3];
} SimGateEnd;

/*
 * The gate network, read-only once built.  Sectors that hold a gate end are
 * numbered densely in ascending id order; the ends in dense sector s are
 * sector_ends[sector_first[s]] .. sector_ends[sector_first[s + 1] - 1], in
 * ascending end order.  hops[s * nsectors + t] is the fewest jumps from
 * sector s to sector t (-1: no chain of gates); hops is NULL when the
 * matrix would be too large (more than SIM_JOURNEY_HOPS_MAX sectors), and
 * each plan then searches the sectors from its goal instead.
 */
typedef struct SimGateGraph
{
	int32_t		ngates;
	bool		too_large;		/* more gates than a route graph may hold */
	SimGateEnd *ends;			/* 2 * ngates */
	int32_t		nsectors;
	int32_t    *sector_ids;		/* nsectors, ascending */
	int32_t    *sector_first;	/* nsectors + 1 */
	int32_t    *sector_ends;	/* 2 * ngates */
	uint64_t	flight_pairs;	/* ordered pairs of distinct ends sharing a sector */
	double		min_jump;		/* the shortest jump in ticks; 0 without gates */
	int32_t    *hops;			/* nsectors * nsectors, or NULL */
} SimGateGraph;

/* The most sectors for which a graph keeps the matrix of hops. */
#define SIM_JOURNEY_HOPS_MAX 1024

/*
 * Build the network of ngates gates, given in ascending id (they are not
 * copied).  Returns NULL when memory runs out or a gate's jump_ticks is
 * negative.  A network too large to route through still builds (as a
 * graph with too_large set): plans within one sector need no gates, the
 * others fail with SIM_JOURNEY_TOO_LARGE.
 */
extern SimGateGraph *SimGateGraphBuild(const SimAllocator *mem, const SimGate *gates, int32_t ngates);
extern void SimGateGraphFree(const SimAllocator *mem, SimGateGraph *g);

/* Failure kinds; the glue maps them to SQLSTATEs. */
typedef enum SimJourneyFail
{
	SIM_JOURNEY_OK,
	SIM_JOURNEY_HULL,			/* the hull cannot fly in this mode */
	SIM_JOURNEY_UNREACHABLE,	/* no chain of gates links the sectors */
	SIM_JOURNEY_TOO_LONG,		/* a leg over SIM_JOURNEY_MAX_LEG_TICKS, or past SIM_JOURNEY_MAX_TICK */
	SIM_JOURNEY_TOO_LARGE,		/* the route graph would pass SIM_JOURNEY_MAX_ROUTE_SIZE */
	SIM_JOURNEY_BAD_INPUT		/* a caller's mistake or no memory: negative start tick, no graph */
} SimJourneyFail;

/* A failure: its kind, then its message, detail and hint (empty: none). */
typedef struct SimJourneyError
{
	SimJourneyFail fail;
	char		message[160];
	char		detail[320];
	char		hint[160];
} SimJourneyError;

/* No journey may end after 2^53, the last tick a double still counts exactly. */
#define SIM_JOURNEY_MAX_TICK (INT64_C(1) << 53)

/* The longest leg planned, in ticks (some 31,700 years). */
#define SIM_JOURNEY_MAX_LEG_TICKS 1e12

/* The most nodes and edges a route graph may have (src/core/route.c's limits). */
#define SIM_JOURNEY_MAX_ROUTE_SIZE ((uint64_t) INT32_MAX - 1)

/*
 * Plan the journey from `from` in from_sector to `to` in to_sector in mode,
 * leaving at start_tick (>= 0): a leg per sector crossed, the cheapest in
 * ticks through the gates of g (NULL: no gates).  The legs come from mem
 * (free them with SimJourneyFree); dest_kind and dest_id are left to the
 * caller.  Returns false with *err filled and nothing allocated when the
 * journey is impossible.  The result is a pure function of the arguments.
 */
extern bool SimJourneyPlan(const SimAllocator *mem, const SimGateGraph *g, const SimHull *hull,
						   SimMode mode, int32_t from_sector, const double from[3],
						   int32_t to_sector, const double to[3], int64_t start_tick,
						   SimJourney *j, SimJourneyError *err);
extern void SimJourneyFree(const SimAllocator *mem, SimJourney *j);

/* The point 50 km above a body's surface facing `from`, where flights to it end. */
extern void SimBodyApproach(const double from[3], const double center[3], double radius, double to[3]);

#endif							/* SIM_CORE_JOURNEY_H */
