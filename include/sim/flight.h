/*
 * flight.h -- flight plans as the tick carries them out (src/flight.c): the
 * next legs of journeys started when the last ones end, and the journeys
 * NPC pilots planned stored, each for all the tick's ships at once.
 */
#ifndef SIM_FLIGHT_H
#define SIM_FLIGHT_H

#include "postgres.h"

#include "sim/core/journey.h"
#include "sim/world.h"

/* Start the next leg of each ship in slots (their current leg ended at tick). */
extern void SimArriveNextLegs(SimWorld *w, const uint32 *slots, int n, int64 tick);

/*
 * Store each journey: its first leg into the ship's row (now flying, fuel
 * paid), the later ones into sim.flight_leg, replacing what was there.
 */
extern void SimStoreJourneys(const int64 *ship_ids, SimJourney *const *journeys, int n);

#endif							/* SIM_FLIGHT_H */
