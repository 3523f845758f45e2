/*
 * api_view.c -- sim.ships_in_view: the ships of a sector that a camera
 * sees, by the rule of src/core/frustum.h, at the current tick.  The api
 * schema's api.ships_in_view (sql/view.sql) calls it and keeps to each
 * caller what it may see.
 *
 * Two paths give the same rows.  When the published spatial grid (shmem.c)
 * describes this database's universe at the tick the caller's snapshot
 * reads, and no change to sim.ship has invalidated the cache since it was
 * built, the grid's cells are culled with the frustum and the survivors
 * tested exactly (SimGridInFrustum); the grid's positions are those the
 * kinematics kernel computed for that tick, bit for bit those of
 * sim.ship_live.  Otherwise (no ticker and no sim.step since the server
 * started, another database ticked last, a tick committed after the
 * caller's snapshot, the cache invalidated) every ship of the sector is read
 * from sim.ship_live and tested exactly.
 *
 * The grid is read without a lock, as api_queries.c does: the published
 * buffer's seqlock is checked after the copy, and a copy it invalidated is
 * thrown away.  All queries run read-only in the caller's snapshot (the
 * function is STABLE), so the tick, the grid's tick and the ships agree.
 */
#include "postgres.h"

#include <math.h>

#include "catalog/pg_type.h"
#include "executor/spi.h"
#include "fmgr.h"
#include "funcapi.h"
#include "miscadmin.h"
#include "utils/array.h"
#include "utils/builtins.h"
#include "utils/lsyscache.h"
#include "utils/memutils.h"
#include "utils/tuplestore.h"

#include "sim/core/frustum.h"
#include "sim/world.h"

PG_FUNCTION_INFO_V1(sim_ships_in_view);
PG_FUNCTION_INFO_V1(sim_view_check);
PG_FUNCTION_INFO_V1(sim_in_view);

/* Attempts at copying from the grid before reading the tables instead. */
#define GRID_ATTEMPTS 3

/* Up to this many ships in view (of any sector), each is looked up by id. */
#define MAX_LOOKUPS 2048

/* A ship in view: id and position. */
typedef struct InView
{
	int64		id;
	double		x,
				y,
				z;
} InView;

typedef struct InViewList
{
	InView	   *v;
	uint64		n;
	uint64		cap;
} InViewList;

static int
collect(void *arg, int64_t id, double x, double y, double z)
{
	InViewList *l = (InViewList *) arg;

	if (l->n == l->cap)
	{
		l->cap *= 2;
		l->v = repalloc_huge(l->v, l->cap * sizeof(InView));
	}
	l->v[l->n].id = id;
	l->v[l->n].x = x;
	l->v[l->n].y = y;
	l->v[l->n].z = z;
	l->n++;
	return 1;
}

static int
by_id(const void *a, const void *b)
{
	int64		x = ((const InView *) a)->id;
	int64		y = ((const InView *) b)->id;

	return (x > y) - (x < y);
}

/* The 16 entries of the matrix argument, or an error saying what is wrong. */
static void
matrix_arg(FunctionCallInfo fcinfo, double m[16])
{
	ArrayType  *arr;
	Datum	   *elems;
	bool	   *nulls;
	int			n;
	int			i;

	if (PG_ARGISNULL(0))
		ereport(ERROR,
				(errcode(ERRCODE_NULL_VALUE_NOT_ALLOWED),
				 errmsg("view_projection must not be null"),
				 errhint("Pass a 4x4 matrix as 16 numbers, column by column.")));
	arr = PG_GETARG_ARRAYTYPE_P(0);
	if (ARR_NDIM(arr) > 1 || ArrayGetNItems(ARR_NDIM(arr), ARR_DIMS(arr)) != 16)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("view_projection must have 16 elements in one dimension, not %d in %d",
						ArrayGetNItems(ARR_NDIM(arr), ARR_DIMS(arr)), ARR_NDIM(arr)),
				 errhint("Pass a 4x4 matrix as 16 numbers, column by column.")));
	deconstruct_array(arr, FLOAT8OID, sizeof(float8), FLOAT8PASSBYVAL, TYPALIGN_DOUBLE,
					  &elems, &nulls, &n);
	for (i = 0; i < 16; i++)
	{
		if (nulls[i])
			ereport(ERROR,
					(errcode(ERRCODE_NULL_VALUE_NOT_ALLOWED),
					 errmsg("view_projection element %d is null", i + 1)));
		m[i] = DatumGetFloat8(elems[i]);
		if (!isfinite(m[i]) || fabs(m[i]) > SIM_FRUSTUM_MAX_ENTRY)
			ereport(ERROR,
					(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
					 errmsg("view_projection element %d is %g", i + 1, m[i]),
					 errdetail("Every element must be finite and at most %g in magnitude.",
							   SIM_FRUSTUM_MAX_ENTRY)));
	}
}

/* The current tick, after checking that the universe and the sector exist. */
static int64
check_sector(int32 sector)
{
	Oid			types[1] = {INT4OID};
	Datum		args[1] = {Int32GetDatum(sector)};
	bool		isnull;
	int64		tick;

	if (SPI_execute("SELECT w.tick FROM sim.world w", true, 1) != SPI_OK_SELECT)
		elog(ERROR, "could not read the tick");
	if (SPI_processed == 0)
		ereport(ERROR,
				(errcode(ERRCODE_OBJECT_NOT_IN_PREREQUISITE_STATE),
				 errmsg("there is no universe"),
				 errhint("Create one with sim.generate_universe().")));
	tick = DatumGetInt64(SPI_getbinval(SPI_tuptable->vals[0], SPI_tuptable->tupdesc, 1, &isnull));
	if (SPI_execute_with_args("SELECT 1 FROM sim.sector s WHERE s.id = $1", 1, types, args, NULL, true, 1)
		!= SPI_OK_SELECT)
		elog(ERROR, "could not read the sectors");
	if (SPI_processed == 0)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("sector %d does not exist", sector),
				 errhint("api.sectors lists the sectors.")));
	return tick;
}

/*
 * The ships in view from the published grid, when it describes this
 * database at tick and the cache is current; false otherwise.
 */
static bool
from_grid(const SimFrustum *f, int64 tick, InViewList *l)
{
	SimWorld   *w = SimWorldGet();
	SimShared  *h;
	int			attempt;

	if (w == NULL)
		return false;
	h = w->hdr;
	for (attempt = 0; attempt < GRID_ATTEMPTS; attempt++)
	{
		int			b = (int) pg_atomic_read_u32(&h->published);
		uint64		seq = pg_atomic_read_u64(&h->grid_seq[b]);
		SimGrid    *g = w->grid[b];
		uint64		max_cells;
		int64	   *cells;

		pg_read_barrier();
		if ((seq & 1) != 0)
		{
			CHECK_FOR_INTERRUPTS();
			continue;
		}
		if (h->grid_tick[b] != tick || h->grid_db[b] != MyDatabaseId ||
			pg_atomic_read_u64(&h->version) != h->loaded_version)
			return false;
		/* a cell walked costs some 20 to 50 point tests (frustum.h) */
		max_cells = Max(g->npoints / 64, 64);
		cells = palloc_extended(max_cells * 3 * sizeof(int64), MCXT_ALLOC_HUGE);
		l->n = 0;
		SimGridInFrustum(g, f, max_cells, cells, collect, l, NULL);
		pfree(cells);
		pg_read_barrier();
		if (pg_atomic_read_u64(&h->grid_seq[b]) == seq && h->grid_tick[b] == tick)
			return true;
		CHECK_FOR_INTERRUPTS();
	}
	return false;
}

/*
 * SQL: sim.ships_in_view(view_projection float8[16], sector integer) --
 * every ship of the sector in view at the current tick, by id: (id,
 * faction_id, class_id, sector_id, state, x, y, z).  Operators only.
 */
Datum
sim_ships_in_view(PG_FUNCTION_ARGS)
{
	ReturnSetInfo *rsinfo = (ReturnSetInfo *) fcinfo->resultinfo;
	double		m[16];
	int32		sector;
	int64		tick;
	SimFrustum	f;
	InViewList	l;
	MemoryContext caller = CurrentMemoryContext;
	uint64		i;

	matrix_arg(fcinfo, m);
	if (PG_ARGISNULL(1))
		ereport(ERROR,
				(errcode(ERRCODE_NULL_VALUE_NOT_ALLOWED),
				 errmsg("sector must not be null")));
	sector = PG_GETARG_INT32(1);
	if (!SimFrustumInit(&f, m))
		elog(ERROR, "view_projection was checked but refused");

	InitMaterializedSRF(fcinfo, 0);
	if (SPI_connect() != SPI_OK_CONNECT)
		elog(ERROR, "could not connect to SPI");
	tick = check_sector(sector);

	l.cap = 1024;
	l.n = 0;
	l.v = MemoryContextAllocHuge(caller, l.cap * sizeof(InView));
	if (from_grid(&f, tick, &l))
	{
		/* the candidates of every sector, by id; keep this sector's */
		Oid			types[2] = {INT8ARRAYOID, INT4OID};
		Datum		args[2];
		Datum	   *ids;
		uint64		j = 0;

		qsort(l.v, l.n, sizeof(InView), by_id);
		ids = palloc_extended(Max(l.n, 1) * sizeof(Datum), MCXT_ALLOC_HUGE);
		for (i = 0; i < l.n; i++)
			ids[i] = Int64GetDatum(l.v[i].id);
		args[0] = PointerGetDatum(construct_array(ids, (int) l.n, INT8OID, sizeof(int64),
												  FLOAT8PASSBYVAL, TYPALIGN_DOUBLE));
		args[1] = Int32GetDatum(sector);
		/*
		 * A few candidates: look each up by id.  Many: read the sector's
		 * ships (one index range) and keep the candidates.
		 */
		if (SPI_execute_with_args(l.n <= MAX_LOOKUPS ?
								  "SELECT s.id, s.faction_id, s.class_id, s.sector_id, s.state "
								  "  FROM unnest($1) c(id) JOIN sim.ship s ON s.id = c.id "
								  " WHERE s.sector_id = $2 ORDER BY s.id" :
								  "SELECT s.id, s.faction_id, s.class_id, s.sector_id, s.state "
								  "  FROM sim.ship s WHERE s.sector_id = $2 AND $1 IS NOT NULL ORDER BY s.id",
								  2, types, args, NULL, true, 0) != SPI_OK_SELECT)
			elog(ERROR, "could not read the ships in view");
		for (i = 0; i < SPI_processed; i++)
		{
			HeapTuple	tup = SPI_tuptable->vals[i];
			TupleDesc	desc = SPI_tuptable->tupdesc;
			Datum		values[8];
			bool		nulls[8] = {false, false, false, false, false, false, false, false};
			int64		id;
			int			k;

			for (k = 0; k < 5; k++)
				values[k] = SPI_getbinval(tup, desc, k + 1, &nulls[k]);
			id = DatumGetInt64(values[0]);
			while (j < l.n && l.v[j].id < id)
				j++;
			if (j == l.n || l.v[j].id != id)
			{
				if (l.n <= MAX_LOOKUPS)
					elog(ERROR, "ship " INT64_FORMAT " is not among the candidates", id);
				continue;		/* a ship of the sector out of view */
			}
			values[5] = Float8GetDatum(l.v[j].x);
			values[6] = Float8GetDatum(l.v[j].y);
			values[7] = Float8GetDatum(l.v[j].z);
			tuplestore_putvalues(rsinfo->setResult, rsinfo->setDesc, values, nulls);
		}
	}
	else
	{
		/* every ship of the sector at the current tick, tested here */
		Oid			types[1] = {INT4OID};
		Datum		args[1] = {Int32GetDatum(sector)};
		Portal		portal;

		portal = SPI_cursor_open_with_args(NULL,
										   "SELECT l.id, l.faction_id, l.class_id, l.sector_id, l.state, "
										   "       sim.st_x(l.pos), sim.st_y(l.pos), sim.st_z(l.pos) "
										   "  FROM sim.ship_live l WHERE l.sector_id = $1 ORDER BY l.id",
										   1, types, args, NULL, true, 0);
		for (;;)
		{
			SPI_cursor_fetch(portal, true, 10000);
			if (SPI_processed == 0)
				break;
			for (i = 0; i < SPI_processed; i++)
			{
				HeapTuple	tup = SPI_tuptable->vals[i];
				TupleDesc	desc = SPI_tuptable->tupdesc;
				Datum		values[8];
				bool		nulls[8];
				int			k;

				for (k = 0; k < 8; k++)
					values[k] = SPI_getbinval(tup, desc, k + 1, &nulls[k]);
				if (nulls[5] || nulls[6] || nulls[7] ||
					!SimFrustumContains(&f, DatumGetFloat8(values[5]), DatumGetFloat8(values[6]),
										DatumGetFloat8(values[7])))
					continue;
				tuplestore_putvalues(rsinfo->setResult, rsinfo->setDesc, values, nulls);
			}
			SPI_freetuptable(SPI_tuptable);
		}
		SPI_cursor_close(portal);
	}
	SPI_finish();
	return (Datum) 0;
}

/*
 * SQL: sim.view_check(view_projection float8[16], sector integer) -- the
 * checks sim.ships_in_view makes of its arguments (the matrix, the universe,
 * the sector), with its errors, and nothing else.
 */
Datum
sim_view_check(PG_FUNCTION_ARGS)
{
	double		m[16];

	matrix_arg(fcinfo, m);
	if (PG_ARGISNULL(1))
		ereport(ERROR,
				(errcode(ERRCODE_NULL_VALUE_NOT_ALLOWED),
				 errmsg("sector must not be null")));
	if (SPI_connect() != SPI_OK_CONNECT)
		elog(ERROR, "could not connect to SPI");
	(void) check_sector(PG_GETARG_INT32(1));
	SPI_finish();
	PG_RETURN_VOID();
}

/*
 * SQL: sim.in_view(view_projection float8[16], x, y, z) -- whether the point
 * (km) is in view by sim.ships_in_view's rule (SimFrustumContains, in
 * double precision); a NULL coordinate is not in view.  api.ships_in_view
 * tests a player's own ships and contacts with it, one by one, so that
 * neither its answer nor its cost depends on ships the player may not see.
 */
Datum
sim_in_view(PG_FUNCTION_ARGS)
{
	double		m[16];
	SimFrustum	f;

	matrix_arg(fcinfo, m);
	if (PG_ARGISNULL(1) || PG_ARGISNULL(2) || PG_ARGISNULL(3))
		PG_RETURN_BOOL(false);
	if (!SimFrustumInit(&f, m))
		elog(ERROR, "view_projection was checked but refused");
	PG_RETURN_BOOL(SimFrustumContains(&f, PG_GETARG_FLOAT8(1), PG_GETARG_FLOAT8(2),
									  PG_GETARG_FLOAT8(3)));
}
