/*
 * init.c -- the extension's entry point: one init call per module.
 *
 * Loaded via shared_preload_libraries, sim reserves shared memory and
 * registers its ticker; loaded on demand by a session, it offers the
 * functions that need neither (those that do report it cleanly).
 */
#include "postgres.h"

#include "fmgr.h"
#include "miscadmin.h"

#include "sim/sim.h"
#include "sim/snapshot.h"

PG_MODULE_MAGIC;

void		_PG_init(void);

/* Set up GUCs, shared memory and the ticker; see each module. */
void
_PG_init(void)
{
	SimGucInit();
	SimChangesInit();
	SimSnapshotInit();
	if (!process_shared_preload_libraries_in_progress)
		return;
	SimShmemInit();
	SimGuardInit();
	SimWorkerInit();
}
