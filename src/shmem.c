/*
 * shmem.c -- the shared-memory world: a cache of sim.ship for the ticker.
 *
 * Layout: one SimShared header, then structure-of-arrays slot columns (ship
 * id, the leg columns of SIM_LEG_FIELDS, next arrival, last positions), the event queue,
 * two spatial-grid buffers and the grid build's scratch.  Everything is
 * addressed by offsets from the header; sizes come from sim.max_ships.
 *
 * Locking protocol:
 * - Ticking is serialised by the row lock on sim.world that every tick
 *   takes (SELECT ... FOR UPDATE) and, because the shared world serves one
 *   database at a time but a cluster may hold several universes, by a
 *   cluster-wide advisory lock (the tick lock, world.h) taken next; both are
 *   held until the transaction ends.  Writers outside a tick hold the tick
 *   lock in share mode (the tick guard, guard.c, which also says how long a
 *   tick waits for them).  Only the holder writes the slot columns, the queue,
 *   the scratch and the grid buffer that is not published.  A tick in
 *   another database than the one loaded reloads the world first.
 * - hdr->lock (LWLock) guards the small control fields (loaded, counters,
 *   worker pid/latch, last error); it is held for a few instructions only.
 * - version is an atomic counter bumped when a transaction that changed
 *   sim.ship outside a tick commits, and when a tick aborts; the tick
 *   holder reloads whenever it differs from loaded_version.  The version is
 *   read before the reload's query takes its snapshot, so a change that
 *   bumped it is always visible to the reload.
 * - Grid readers never lock: they read `published`, then use the seqlock
 *   grid_seq of that buffer and retry if it changed while they read.  The
 *   ticker builds the other buffer and flips `published` when its
 *   transaction commits, so it never waits for readers either.
 * - `publisher` holds the pid of the backend whose transaction built a grid
 *   and has not ended yet.  Its row lock is released a moment before its
 *   commit callback flips `published`, so the next tick waits for
 *   `publisher` to clear before it picks the buffer to build.
 */
#include "postgres.h"

#include "access/xact.h"
#include "commands/trigger.h"
#include "executor/spi.h"
#include "fmgr.h"
#include "miscadmin.h"
#include "storage/ipc.h"
#include "storage/shmem.h"
#include "utils/builtins.h"

#include "sim/leg_row.h"
#include "sim/sim.h"
#include "sim/world.h"

PG_FUNCTION_INFO_V1(sim_invalidate_cache);
PG_FUNCTION_INFO_V1(sim_ship_changed);

bool		SimInTick = false;

static SimWorld world;
static bool world_attached = false;
static shmem_request_hook_type prev_shmem_request_hook = NULL;
static shmem_startup_hook_type prev_shmem_startup_hook = NULL;

/* per-transaction state of this backend */
static bool xact_ticked = false;
static SubTransactionId xact_tick_subid = InvalidSubTransactionId;	/* latest subxact that ticked */
static int	xact_buffer = -1;
static bool xact_invalidate = false;
static bool xact_clear_index = false;

static uint32
buckets_for(uint32 capacity)
{
	uint32		n = 1024;

	while (n < capacity && n < (1U << 30))
		n <<= 1;
	return n;
}

static Size
align8(Size s)
{
	return (s + 7) & ~((Size) 7);
}

/* Compute the offsets of every array; returns the total size. */
static Size
layout(SimShared *h, uint32 capacity, uint32 nbuckets)
{
	Size		off = align8(sizeof(SimShared));
	Size		col = align8((Size) capacity * sizeof(double));
	int			i;

	h->off_id = off;
	off += col;
	for (i = 0; i < SIM_LEG_NFIELDS; i++)
	{
		h->off_leg[i] = off;
		off += col;
	}
	h->off_arrival = off;
	off += col;
	for (i = 0; i < 3; i++)
	{
		h->off_pos[i] = off;
		off += col;
	}
	h->off_queue = off;
	off += align8(SimEventQSize(capacity));
	for (i = 0; i < 2; i++)
	{
		h->off_grid[i] = off;
		off += align8(SimGridSize(capacity, nbuckets));
	}
	h->off_scratch = off;
	off += align8((Size) capacity * 2 * sizeof(uint32));
	return off;
}

static Size
world_size(void)
{
	SimShared	h;
	uint32		cap = (uint32) sim_max_ships;

	return layout(&h, cap, buckets_for(cap));
}

static void
sim_shmem_request(void)
{
	if (prev_shmem_request_hook)
		prev_shmem_request_hook();
	RequestAddinShmemSpace(world_size());
	RequestNamedLWLockTranche("sim", 1);
}

static void
attach(SimShared *h)
{
	char	   *base = (char *) h;

	world.hdr = h;
	world.id = (int64 *) (base + h->off_id);
#define ATTACH_LEG_(member, column, type) \
	world.legs.member = (double *) (base + h->off_leg[SIM_LEG_##member]);
	SIM_LEG_FIELDS(ATTACH_LEG_)
#undef ATTACH_LEG_
	world.arrival = (int64 *) (base + h->off_arrival);
	world.px = (double *) (base + h->off_pos[0]);
	world.py = (double *) (base + h->off_pos[1]);
	world.pz = (double *) (base + h->off_pos[2]);
	world.queue = (SimEventQ *) (base + h->off_queue);
	world.grid[0] = (SimGrid *) (base + h->off_grid[0]);
	world.grid[1] = (SimGrid *) (base + h->off_grid[1]);
	world.scratch = (uint32 *) (base + h->off_scratch);
	world_attached = true;
}

static void
sim_shmem_startup(void)
{
	bool		found;
	SimShared  *h;

	if (prev_shmem_startup_hook)
		prev_shmem_startup_hook();

	LWLockAcquire(AddinShmemInitLock, LW_EXCLUSIVE);
	h = ShmemInitStruct("sim world", world_size(), &found);
	if (!found)
	{
		uint32		cap = (uint32) sim_max_ships;
		uint32		nb = buckets_for(cap);

		memset(h, 0, sizeof(SimShared));
		h->lock = &(GetNamedLWLockTranche("sim"))->lock;
		h->capacity = cap;
		h->nbuckets = nb;
		layout(h, cap, nb);
		pg_atomic_init_u64(&h->version, 1);
		pg_atomic_init_u64(&h->economy_version[0], 1);
		pg_atomic_init_u64(&h->economy_version[1], 1);
		pg_atomic_init_u32(&h->published, 0);
		pg_atomic_init_u32(&h->publisher, 0);
		pg_atomic_init_u64(&h->grid_seq[0], 0);
		pg_atomic_init_u64(&h->grid_seq[1], 0);
		h->grid_tick[0] = h->grid_tick[1] = -1;
		h->kernel = SimKernelBest();
		attach(h);
		SimEventQInit(world.queue, cap);
		SimGridInit(world.grid[0], cap, nb, sim_grid_cell_km);
		SimGridInit(world.grid[1], cap, nb, sim_grid_cell_km);
	}
	else
		attach(h);
	LWLockRelease(AddinShmemInitLock);
}

static void
sim_xact_callback(XactEvent event, void *arg)
{
	SimShared  *h = world_attached ? world.hdr : NULL;

	switch (event)
	{
		case XACT_EVENT_COMMIT:
		case XACT_EVENT_PARALLEL_COMMIT:
			if (h && xact_ticked && xact_buffer >= 0)
			{
				pg_write_barrier();
				pg_atomic_write_u32(&h->published, (uint32) xact_buffer);
			}
			if (h && xact_clear_index)
			{
				h->grid_tick[0] = h->grid_tick[1] = -1;
				pg_write_barrier();
			}
			if (h && xact_invalidate)
				pg_atomic_fetch_add_u64(&h->version, 1);
			break;
		case XACT_EVENT_ABORT:
		case XACT_EVENT_PARALLEL_ABORT:
			if (h && xact_ticked)
				pg_atomic_fetch_add_u64(&h->version, 1);
			break;
		case XACT_EVENT_PRE_PREPARE:
			/* publishing and invalidating happen at commit, which a prepared transaction never sees */
			if (xact_ticked || xact_invalidate || xact_clear_index)
				ereport(ERROR,
						(errcode(ERRCODE_FEATURE_NOT_SUPPORTED),
						 errmsg("cannot prepare a transaction that ran a sim tick or changed the universe's ships"),
						 errdetail("Its changes to sim's shared-memory world take effect when it commits in this "
								   "session. The transaction was rolled back."),
						 errhint("Commit the transaction instead of preparing it.")));
			return;
		case XACT_EVENT_PREPARE:
			break;
		default:
			return;
	}
	if (h && xact_ticked)
		pg_atomic_write_u32(&h->publisher, 0);
	xact_ticked = false;
	xact_tick_subid = InvalidSubTransactionId;
	xact_buffer = -1;
	xact_invalidate = false;
	xact_clear_index = false;
	SimInTick = false;
}

/*
 * A tick rolled back to a savepoint left its changes in shared memory and
 * released the tick's locks: make every next tick reload, and publish
 * nothing unless a later tick of this transaction builds a grid again.
 * Subtransaction ids grow, so the aborting subtransaction contains the
 * latest tick exactly when its id is not above that tick's; savepoints
 * begun after the tick and rolled back leave it alone.
 */
static void
sim_subxact_callback(SubXactEvent event, SubTransactionId mySubid,
					 SubTransactionId parentSubid, void *arg)
{
	if (event != SUBXACT_EVENT_ABORT_SUB)
		return;
	if (SimInTick && mySubid <= xact_tick_subid)
		SimInTick = false;
	if (xact_ticked && world_attached && mySubid <= xact_tick_subid)
	{
		pg_atomic_fetch_add_u64(&world.hdr->version, 1);
		pg_atomic_write_u32(&world.hdr->publisher, 0);
		xact_buffer = -1;
		xact_tick_subid = InvalidSubTransactionId;
	}
}

/* Reserve shared memory and hook transaction ends. */
void
SimShmemInit(void)
{
	prev_shmem_request_hook = shmem_request_hook;
	shmem_request_hook = sim_shmem_request;
	prev_shmem_startup_hook = shmem_startup_hook;
	shmem_startup_hook = sim_shmem_startup;
	RegisterXactCallback(sim_xact_callback, NULL);
	RegisterSubXactCallback(sim_subxact_callback, NULL);
}

void
SimWorldTickBegin(void)
{
	SimInTick = true;
	xact_ticked = true;
	xact_tick_subid = GetCurrentSubTransactionId();
}

void
SimWorldTickEnd(void)
{
	SimInTick = false;
}

SimWorld *
SimWorldGet(void)
{
	return world_attached ? &world : NULL;
}

SimWorld *
SimWorldRequire(void)
{
	if (!world_attached)
		ereport(ERROR,
				(errcode(ERRCODE_OBJECT_NOT_IN_PREREQUISITE_STATE),
				 errmsg("sim must be loaded via shared_preload_libraries"),
				 errdetail("This function uses sim's shared-memory world."),
				 errhint("Add sim to shared_preload_libraries in postgresql.conf and restart the server.")));
	return &world;
}

int32
SimWorldSlot(SimWorld *w, int64 ship_id)
{
	int64		lo = 0;
	int64		hi = (int64) w->hdr->nships - 1;

	while (lo <= hi)
	{
		int64		mid = (lo + hi) / 2;

		if (w->id[mid] == ship_id)
			return (int32) mid;
		if (w->id[mid] < ship_id)
			lo = mid + 1;
		else
			hi = mid - 1;
	}
	return -1;
}

void
SimWorldSetLeg(SimWorld *w, uint32 slot, const SimLeg *leg, int64 arrival)
{
#define SET_LEG_(member, column, type) w->legs.member[slot] = leg->member;
	SIM_LEG_FIELDS(SET_LEG_)
#undef SET_LEG_
	w->arrival[slot] = arrival;
	if (arrival == SIM_NO_ARRIVAL)
		SimEventQRemove(w->queue, slot);
	else
		SimEventQPush(w->queue, slot, arrival);
	xact_ticked = true;
}

/* Queue a ship at rest to wake at tick `wake` (its leg stays as it is). */
void
SimWorldSetWake(SimWorld *w, uint32 slot, int64 wake)
{
	w->arrival[slot] = wake;
	SimEventQPush(w->queue, slot, wake);
	xact_ticked = true;
}

void
SimWorldGetLeg(SimWorld *w, uint32 slot, SimLeg *leg)
{
#define GET_LEG_(member, column, type) leg->member = w->legs.member[slot];
	SIM_LEG_FIELDS(GET_LEG_)
#undef GET_LEG_
}

/* Ships are loaded in batches through a cursor to bound memory. */
#define SIM_LOAD_BATCH 20000

void
SimWorldEnsureLoaded(SimWorld *w)
{
	SimShared  *h = w->hdr;
	uint64		version = pg_atomic_read_u64(&h->version);
	int64		total;
	Portal		portal;
	uint32		n = 0;
	bool		isnull;

	/* also reload when this transaction changed ships before ticking */
	if (h->loaded && h->loaded_version == version && h->database == MyDatabaseId &&
		!xact_invalidate)
		return;

	xact_ticked = true;
	LWLockAcquire(h->lock, LW_EXCLUSIVE);
	h->loaded = false;
	LWLockRelease(h->lock);

	if (SPI_execute("SELECT count(*) FROM sim.ship", false, 0) != SPI_OK_SELECT)
		elog(ERROR, "could not count ships");
	total = DatumGetInt64(SPI_getbinval(SPI_tuptable->vals[0], SPI_tuptable->tupdesc, 1, &isnull));
	if (total > (int64) h->capacity)
		ereport(ERROR,
				(errcode(ERRCODE_CONFIGURATION_LIMIT_EXCEEDED),
				 errmsg("the universe has %lld ships, more than sim.max_ships (%u)",
						(long long) total, h->capacity),
				 errhint("Raise sim.max_ships in postgresql.conf and restart the server.")));

	SimEventQClear(w->queue);
	portal = SPI_cursor_open_with_args(NULL,
									   psprintf("SELECT id, coalesce(arrival_tick, wake_tick), %s "
												"FROM sim.ship ORDER BY id", SimLegSql("{c}", 0)),
									   0, NULL, NULL, NULL, false, 0);
	for (;;)
	{
		uint64		i;

		SPI_cursor_fetch(portal, true, SIM_LOAD_BATCH);
		if (SPI_processed == 0)
			break;
		for (i = 0; i < SPI_processed; i++)
		{
			HeapTuple	tup = SPI_tuptable->vals[i];
			TupleDesc	td = SPI_tuptable->tupdesc;
			SimLeg		leg;
			Datum		arr;

			if (n >= h->capacity)
				ereport(ERROR,
						(errcode(ERRCODE_CONFIGURATION_LIMIT_EXCEEDED),
						 errmsg("the universe has more ships than sim.max_ships (%u)", h->capacity),
						 errhint("Raise sim.max_ships in postgresql.conf and restart the server.")));
			w->id[n] = DatumGetInt64(SPI_getbinval(tup, td, 1, &isnull));
			SimLegFromTuple(tup, td, 3, &leg);
			arr = SPI_getbinval(tup, td, 2, &isnull);
			SimWorldSetLeg(w, n, &leg, isnull ? SIM_NO_ARRIVAL : DatumGetInt64(arr));
			n++;
		}
		SPI_freetuptable(SPI_tuptable);
	}
	SPI_cursor_close(portal);

	LWLockAcquire(h->lock, LW_EXCLUSIVE);
	h->nships = n;
	h->database = MyDatabaseId;
	h->loaded = true;
	h->loaded_version = version;
	LWLockRelease(h->lock);
}

void
SimWorldTickDone(SimWorld *w, int buffer)
{
	xact_ticked = true;
	xact_buffer = buffer;
	pg_atomic_write_u32(&w->hdr->publisher, (uint32) MyProcPid);
}

void
SimWorldAwaitPublish(SimWorld *w)
{
	for (;;)
	{
		uint32		pid = pg_atomic_read_u32(&w->hdr->publisher);

		if (pid == 0 || pid == (uint32) MyProcPid)
			return;
		CHECK_FOR_INTERRUPTS();
		pg_usleep(20L);
	}
}

void
SimWorldInvalidateAtCommit(void)
{
	xact_invalidate = true;
}

void
SimWorldRecordError(const char *msg)
{
	SimWorld   *w = SimWorldGet();

	if (w == NULL)
		return;
	LWLockAcquire(w->hdr->lock, LW_EXCLUSIVE);
	strlcpy(w->hdr->last_error, msg, sizeof(w->hdr->last_error));
	w->hdr->last_error_at = GetCurrentTimestamp();
	LWLockRelease(w->hdr->lock);
}

/*
 * sim.invalidate_cache(): reload the world after this transaction commits,
 * and withdraw the published spatial index until the next tick (used when
 * the universe is reset or replaced).
 */
Datum
sim_invalidate_cache(PG_FUNCTION_ARGS)
{
	SimWorldInvalidateAtCommit();
	xact_clear_index = true;
	PG_RETURN_VOID();
}

/*
 * Statement trigger (BEFORE, so the lock is held before any row is touched)
 * on sim.ship and sim.flight_leg: changes made outside a tick invalidate the
 * cache when their transaction commits, and exclude ticks until then.
 */
Datum
sim_ship_changed(PG_FUNCTION_ARGS)
{
	if (!CALLED_AS_TRIGGER(fcinfo))
		ereport(ERROR,
				(errcode(ERRCODE_E_R_I_E_TRIGGER_PROTOCOL_VIOLATED),
				 errmsg("sim_ship_changed must be called as a trigger")));
	if (!SimInTick)
	{
		SimWorldInvalidateAtCommit();
		SimTickGuard();
	}
	return PointerGetDatum(NULL);
}
