/*
 * snapshot.h -- snapshots, rollback, export and import: the glue between
 * the registered tables (sim.snapshot_section) and the snapshot file
 * (src/snapshot.c, sim/core/snapfile.h, docs/lifecycle.md).
 */
#ifndef SIM_SNAPSHOT_H
#define SIM_SNAPSHOT_H

#include "postgres.h"

/* The fault-point GUC sim.lifecycle_fault (superuser-only test hook). */
extern char *sim_lifecycle_fault_point;

/* Define the module's GUCs (from _PG_init). */
extern void SimSnapshotInit(void);

/*
 * Reached a named point of a lifecycle function: when sim.lifecycle_fault
 * names it, log it and wait until the process is killed (or, for
 * "error:<point>", raise an error there).
 */
extern void SimLifecycleFault(const char *point);

#endif							/* SIM_SNAPSHOT_H */
