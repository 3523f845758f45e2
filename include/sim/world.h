/*
 * world.h -- the shared-memory world: a cache of the hot ship state.
 *
 * See src/shmem.c for the layout and the locking protocol.
 */
#ifndef SIM_WORLD_H
#define SIM_WORLD_H

#include "postgres.h"

#include "port/atomics.h"
#include "storage/latch.h"
#include "storage/lock.h"
#include "storage/lwlock.h"
#include "utils/timestamp.h"

#include "sim/core/eventq.h"
#include "sim/core/grid.h"
#include "sim/core/kinematics.h"
#include "sim/guard.h"

#define SIM_NO_ARRIVAL PG_INT64_MAX

typedef struct SimShared
{
	LWLock	   *lock;			/* guards the fields up to grid_seq */
	pid_t		worker_pid;		/* 0 when no ticker runs */
	Latch	   *worker_latch;
	bool		loaded;			/* slot arrays mirror sim.ship */
	Oid			database;		/* database whose sim.ship they mirror */
	uint64		loaded_version; /* invalidation count seen by the load */
	uint32		nships;
	uint32		capacity;
	uint32		nbuckets;
	int64		ticks_skipped;
	SimKernelVariant kernel;	/* variant the last tick used */
	double		lag_ms;
	char		last_error[512];
	TimestampTz last_error_at;
	pg_atomic_uint64 version;	/* bumped by every invalidation */
	pg_atomic_uint64 economy_version[2];	/* bumped by commits that wrote the economy's
											 * static [0] or dynamic [1] tables (eco_load.c) */
	pg_atomic_uint32 published; /* grid buffer readers use: 0 or 1 */
	pg_atomic_uint32 publisher; /* pid whose built grid awaits its commit, or 0 */
	pg_atomic_uint64 grid_seq[2];	/* seqlock per grid buffer: odd = writing */
	int64		grid_tick[2];	/* tick each grid buffer describes */
	Oid			grid_db[2];		/* database each grid buffer describes */
	Size		off_id;
	Size		off_leg[SIM_LEG_NFIELDS];
	Size		off_arrival;
	Size		off_pos[3];
	Size		off_queue;
	Size		off_grid[2];
	Size		off_scratch;
} SimShared;

/* Backend-local pointers into the shared world. */
typedef struct SimWorld
{
	SimShared  *hdr;
	int64	   *id;				/* ship id per slot, ascending */
	SimLegColumns legs;
	int64	   *arrival;		/* next arrival or wake tick per slot, or SIM_NO_ARRIVAL */
	double	   *px,
			   *py,
			   *pz;				/* positions at the last tick run */
	SimEventQ  *queue;
	SimGrid    *grid[2];
	uint32	   *scratch;
} SimWorld;

/*
 * The cluster-wide tick lock: an advisory lock with no database, in a kind
 * (field 4) that SQL's advisory-lock functions never use.  A tick holds it
 * exclusively; a transaction that changes sim.ship or sim.flight_leg
 * outside a tick holds it shared (SimTickGuard, guard.h), so ticks and such
 * writers exclude each other and the cache is invalidated before a tick can
 * see the change.  How long a tick waits for such writers: guard.c.
 */
#define SIM_TICK_LOCK_KEY1 0x73696d21	/* "sim!" */
#define SIM_TICK_LOCK_KEY2 1
#define SIM_TICK_LOCK_KIND 3
#define SimTickLockTag(tag) \
	SET_LOCKTAG_ADVISORY(tag, InvalidOid, SIM_TICK_LOCK_KEY1, SIM_TICK_LOCK_KEY2, SIM_TICK_LOCK_KIND)

/* NULL when sim is not in shared_preload_libraries. */
extern SimWorld *SimWorldGet(void);

/* The world, or ERROR 55000 naming shared_preload_libraries. */
extern SimWorld *SimWorldRequire(void);

/* Reload the slots from sim.ship if anything invalidated them (tick holder only). */
extern void SimWorldEnsureLoaded(SimWorld *w);

/* Slot of a ship id, or -1. */
extern int32 SimWorldSlot(SimWorld *w, int64 ship_id);

/* Store a ship's current leg and arrival (SIM_NO_ARRIVAL when at rest). */
extern void SimWorldSetLeg(SimWorld *w, uint32 slot, const SimLeg *leg, int64 arrival);

/* Read a slot's leg. */
extern void SimWorldGetLeg(SimWorld *w, uint32 slot, SimLeg *leg);

extern void SimWorldSetWake(SimWorld *w, uint32 slot, int64 wake);

/* Note that this transaction ticked and built grid buffer b. */
extern void SimWorldTickDone(SimWorld *w, int buffer);

/* Wait until no other backend's tick is between its build and its commit. */
extern void SimWorldAwaitPublish(SimWorld *w);

/* Make the next tick reload the world (at commit of this transaction). */
extern void SimWorldInvalidateAtCommit(void);

/* Whether this backend is inside a tick (its own writes need no invalidation). */
extern bool SimInTick;

/* Note the start and the end of a tick in this backend. */
extern void SimWorldTickBegin(void);
extern void SimWorldTickEnd(void);

/* Record an error for sim.status. */
extern void SimWorldRecordError(const char *msg);

/* The tick being run in this backend, or -1 outside a tick (tick.c). */
extern int64 SimCurrentTick;

#endif							/* SIM_WORLD_H */
