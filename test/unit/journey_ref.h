/*
 * journey_ref.h -- the former journey planner, kept as a reference for the
 * unit tests and the benchmark (test/unit/journey_ref.c).
 */
#ifndef SIM_TEST_JOURNEY_REF_H
#define SIM_TEST_JOURNEY_REF_H

#include "sim/core/journey.h"

/*
 * Plan as src/journey.c did before src/core/journey.c: the whole route
 * graph (every gate end, the start, the goal, every jump and every flight
 * of a sector) built for this one plan from the gates, then A* by
 * SimRouteFind.  Successes only: returns false on any failure, with
 * *unreachable telling whether no chain of gates links the sectors.  Legs
 * from malloc.
 */
extern bool ref_journey_plan(const SimGate *gates, int32_t ngates, const SimHull *hull,
							 SimMode mode, int32_t from_sector, const double from[3],
							 int32_t to_sector, const double to[3], int64_t start_tick,
							 SimJourney *j, bool *unreachable);

#endif							/* SIM_TEST_JOURNEY_REF_H */
