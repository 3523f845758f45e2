/*
 * tick.h -- running one tick (src/tick.c).
 */
#ifndef SIM_TICK_H
#define SIM_TICK_H

#include "postgres.h"

typedef enum SimTickOutcome
{
	SIM_TICK_DONE,				/* the tick ran */
	SIM_TICK_NO_UNIVERSE,		/* sim.world is empty */
	SIM_TICK_BUSY,				/* another session holds the tick */
	SIM_TICK_PAUSED				/* sim.world.paused (worker only) */
} SimTickOutcome;

/*
 * Run ticks consecutive ticks in the current transaction (SPI connected,
 * snapshot active).  The worker skips busy or paused universes; sim.step
 * waits for the tick and ignores the pause.  On SIM_TICK_DONE *tick is the
 * last new tick.
 */
extern SimTickOutcome SimTickRun(bool from_worker, int ticks, int64 *tick);

#endif							/* SIM_TICK_H */
