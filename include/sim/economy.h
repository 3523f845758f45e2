/*
 * economy.h -- the glue of the economy's part of a tick: the world kept
 * between ticks (src/eco_load.c), what is read afresh (src/eco_read.c),
 * the writes (src/eco_write.c) and the order of the steps (src/economy.c).  The
 * economy itself, Postgres-free, is include/sim/core/economy.h.
 */
#ifndef SIM_ECONOMY_H
#define SIM_ECONOMY_H

#include "postgres.h"

#include "utils/numeric.h"

#include "sim/core/economy.h"
#include "sim/sql.h"
#include "sim/world.h"

/* True while the tick writes ship rows whose transitions it records itself. */
extern bool EcoWritingShips;

/* True while the tick writes the tables of the kept world (eco_load.c). */
extern bool EcoTickWriting;

/* eco_load.c */
extern EcoWorld *EcoWorldCurrent(int64 tick);	/* reloaded where stale; records cleared */
extern void EcoWorldDepositsChanged(void);
extern bool EcoStaticVersion(uint64 *version);
/* Run a write of the tick whose own statement fires sim.economy_written() `own` times. */
extern void EcoTickStatement(SimStmt *st, SimCol *cols, int ncols, int expect, int own);
extern void EcoTickRun(SimStmt *st, Datum *vals, int expect);
extern EcoState EcoStateByName(const char *name);
extern EcoDest EcoDestByName(const char *name);

/* eco_read.c */
extern void EcoLoadTrees(EcoWorld *s, const SimAllocator *mem);
extern void EcoLoadContracts(EcoWorld *s);
extern EcoShip *EcoLoadShips(EcoWorld *s, SimWorld *w, const uint32 *due, int ndue, int *nships);
extern void EcoCountDocked(EcoWorld *s, EcoShip *ships, int nships);
extern void EcoLoadOrders(EcoWorld *s);

/* eco_write.c */
extern void EcoWriteShips(EcoWorld *s, EcoShip *ships, int nships);
extern void EcoWriteLegs(EcoShip *ships, int nships);
extern void EcoWriteHolds(EcoWorld *s, EcoShip *ships, int nships);
extern void EcoNumberContracts(EcoWorld *s);
extern void EcoWriteAccounts(EcoWorld *s);

/* api_market.c: a numeric rate as whole millionths, or an error (22023). */
extern int64 SimRatePpm(Numeric rate, const char *what);

/* economy.c: the economy's part of tick `tick` for the due slots. */
extern void SimEconomyTick(SimWorld *w, int64 tick, const uint32 *due, int ndue, int *arrivals);

#endif							/* SIM_ECONOMY_H */
