/*
 * api_queries.c -- SQL reads of motion: sim.leg_state (the scalar kernel
 * on one leg) and the spatial queries over the published grid
 * (sim.ships_within_xyz, sim.ships_nearest_xyz, sim.ship_positions).
 *
 * Grid readers take no lock (see shmem.c): they copy their answer out of
 * the published buffer and retry if the buffer's seqlock moved meanwhile.
 */
#include "postgres.h"

#include <math.h>

#include "access/htup_details.h"
#include "catalog/pg_type.h"
#include "fmgr.h"
#include "funcapi.h"
#include "miscadmin.h"
#include "nodes/makefuncs.h"
#include "parser/parse_func.h"
#include "utils/builtins.h"
#include "utils/lsyscache.h"
#include "utils/memutils.h"
#include "utils/syscache.h"
#include "utils/tuplestore.h"

#include "sim/core/grid.h"
#include "sim/core/kinematics.h"
#include "sim/leg_row.h"
#include "sim/sim.h"
#include "sim/world.h"

PG_FUNCTION_INFO_V1(sim_leg_state);
PG_FUNCTION_INFO_V1(sim_ships_within_xyz);
PG_FUNCTION_INFO_V1(sim_ships_nearest_xyz);
PG_FUNCTION_INFO_V1(sim_ship_positions);
PG_FUNCTION_INFO_V1(sim_ships_within);
PG_FUNCTION_INFO_V1(sim_ships_nearest);

/*
 * PostGIS accessors, found next to the geometry type of our argument and
 * cached for the backend's life (keyed by that type's OID).
 */
typedef struct GeomFns
{
	Oid			geomtype;
	FmgrInfo	type;
	FmgrInfo	x;
	FmgrInfo	y;
	FmgrInfo	z;
} GeomFns;

static GeomFns geom_fns;

static void
lookup_geom_fn(FmgrInfo *fn, const char *nsp, const char *name, Oid geomtype)
{
	List	   *qname = list_make2(makeString(pstrdup(nsp)), makeString(pstrdup(name)));
	Oid			oid = LookupFuncName(qname, 1, &geomtype, false);

	fmgr_info_cxt(oid, fn, TopMemoryContext);
}

/* Call a float8-returning accessor; false when it returns NULL. */
static bool
call_nullable(FmgrInfo *fn, Datum geom, double *out)
{
	LOCAL_FCINFO(call, 1);
	Datum		d;

	InitFunctionCallInfoData(*call, fn, 1, InvalidOid, NULL, NULL);
	call->args[0].value = geom;
	call->args[0].isnull = false;
	d = FunctionCallInvoke(call);
	if (call->isnull)
		return false;
	*out = DatumGetFloat8(d);
	return true;
}

/* Centre of a query as x, y, z (z = 0 for a 2D point); ERROR if not a point. */
static void
geom_point(FunctionCallInfo fcinfo, Datum geom, double *x, double *y, double *z)
{
	Oid			geomtype = get_fn_expr_argtype(fcinfo->flinfo, 0);
	char	   *type;

	if (geom_fns.geomtype != geomtype)
	{
		HeapTuple	tp = SearchSysCache1(TYPEOID, ObjectIdGetDatum(geomtype));
		char	   *nsp;

		if (!HeapTupleIsValid(tp))
			elog(ERROR, "cache lookup failed for type %u", geomtype);
		nsp = get_namespace_name(((Form_pg_type) GETSTRUCT(tp))->typnamespace);
		ReleaseSysCache(tp);
		geom_fns.geomtype = InvalidOid;
		lookup_geom_fn(&geom_fns.type, nsp, "geometrytype", geomtype);
		lookup_geom_fn(&geom_fns.x, nsp, "st_x", geomtype);
		lookup_geom_fn(&geom_fns.y, nsp, "st_y", geomtype);
		lookup_geom_fn(&geom_fns.z, nsp, "st_z", geomtype);
		geom_fns.geomtype = geomtype;
	}
	type = TextDatumGetCString(FunctionCall1(&geom_fns.type, geom));
	if (strcmp(type, "POINT") != 0)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("center must be a point, not %s", type)));
	if (!call_nullable(&geom_fns.x, geom, x) || !call_nullable(&geom_fns.y, geom, y))
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("center must not be an empty point")));
	if (!call_nullable(&geom_fns.z, geom, z))
		*z = 0.0;
}

/* sim.leg_state(leg columns, tick): position and velocity at tick. */
Datum
sim_leg_state(PG_FUNCTION_ARGS)
{
	TupleDesc	tupdesc;
	SimLeg		leg;
	double		pos[3];
	double		vel[3];
	Datum		values[6];
	bool		nulls[6] = {false, false, false, false, false, false};
	int			i;

	if (get_call_result_type(fcinfo, NULL, &tupdesc) != TYPEFUNC_COMPOSITE)
		elog(ERROR, "return type must be a row type");
	SimLegFromArgs(fcinfo, 0, &leg);
	SimLegEval(&leg, (double) PG_GETARG_INT64(SIM_LEG_NFIELDS), pos, vel);
	for (i = 0; i < 3; i++)
	{
		values[i] = Float8GetDatum(pos[i]);
		values[3 + i] = Float8GetDatum(vel[i]);
	}
	PG_RETURN_DATUM(HeapTupleGetDatum(heap_form_tuple(tupdesc, values, nulls)));
}

typedef struct HitList
{
	SimGridHit *hits;
	uint64		n;
	uint64		cap;
} HitList;

static int
collect(void *arg, int64_t id, double dist)
{
	HitList    *l = (HitList *) arg;

	if (l->n == l->cap)
	{
		l->cap *= 2;
		l->hits = repalloc_huge(l->hits, l->cap * sizeof(SimGridHit));
	}
	l->hits[l->n].id = id;
	l->hits[l->n].dist = dist;
	l->n++;
	return 1;
}

/* The published grid, after checking one exists. */
static int
published_buffer(SimWorld *w, uint64 *seq)
{
	SimShared  *h = w->hdr;

	for (;;)
	{
		int			b = (int) pg_atomic_read_u32(&h->published);

		*seq = pg_atomic_read_u64(&h->grid_seq[b]);
		pg_read_barrier();
		if ((*seq & 1) != 0)
		{
			/* being rebuilt (by a tick that is not yet published): look again */
			CHECK_FOR_INTERRUPTS();
			continue;
		}
		if (h->grid_tick[b] < 0)
			ereport(ERROR,
					(errcode(ERRCODE_OBJECT_NOT_IN_PREREQUISITE_STATE),
					 errmsg("the spatial index has not been built yet"),
					 errdetail("Every committed tick builds it."),
					 errhint("Run SELECT sim.step(); or wait for the ticker.")));
		if (h->grid_db[b] != MyDatabaseId)
			ereport(ERROR,
					(errcode(ERRCODE_OBJECT_NOT_IN_PREREQUISITE_STATE),
					 errmsg("the spatial index describes the universe of another database"),
					 errdetail("The shared-memory world serves the database that ticked last."),
					 errhint("Run SELECT sim.step(); in this database, or tick one universe per cluster.")));
		return b;
	}
}

static bool
still_valid(SimWorld *w, int b, uint64 seq)
{
	pg_read_barrier();
	return pg_atomic_read_u64(&w->hdr->grid_seq[b]) == seq;
}

static void
emit_hits(FunctionCallInfo fcinfo, HitList *l)
{
	ReturnSetInfo *rsinfo = (ReturnSetInfo *) fcinfo->resultinfo;
	uint64		i;

	for (i = 0; i < l->n; i++)
	{
		Datum		values[2];
		bool		nulls[2] = {false, false};

		values[0] = Int64GetDatum(l->hits[i].id);
		values[1] = Float8GetDatum(l->hits[i].dist);
		tuplestore_putvalues(rsinfo->setResult, rsinfo->setDesc, values, nulls);
	}
}

static void
check_center(double x, double y, double z)
{
	if (!isfinite(x) || !isfinite(y) || !isfinite(z))
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("center coordinates must be finite")));
}

/* Emit the ships within radius km of (x, y, z), in no order. */
static Datum
ships_within(FunctionCallInfo fcinfo, double x, double y, double z, double radius)
{
	SimWorld   *w = SimWorldRequire();
	HitList		l;

	check_center(x, y, z);
	if (!(radius >= 0))
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("radius must be zero or more, not %g", radius)));
	InitMaterializedSRF(fcinfo, 0);
	l.cap = 1024;
	l.hits = palloc(l.cap * sizeof(SimGridHit));
	for (;;)
	{
		uint64		seq;
		int			b = published_buffer(w, &seq);

		l.n = 0;
		SimGridWithin(w->grid[b], x, y, z, radius, collect, &l);
		if (still_valid(w, b, seq))
			break;
		CHECK_FOR_INTERRUPTS();
	}
	emit_hits(fcinfo, &l);
	return (Datum) 0;
}

/* Emit the k ships nearest (x, y, z), nearest first (ties by id). */
static Datum
ships_nearest(FunctionCallInfo fcinfo, double x, double y, double z, int32 k)
{
	SimWorld   *w = SimWorldRequire();
	HitList		l;

	check_center(x, y, z);
	if (k < 1)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("k must be at least 1, not %d", k)));
	if ((uint32) k > w->hdr->capacity)
		k = (int32) w->hdr->capacity;
	InitMaterializedSRF(fcinfo, 0);
	l.cap = k;
	l.hits = palloc_extended((Size) k * sizeof(SimGridHit), MCXT_ALLOC_HUGE);
	for (;;)
	{
		uint64		seq;
		int			b = published_buffer(w, &seq);

		l.n = SimGridNearest(w->grid[b], x, y, z, (uint32) k, l.hits);
		if (still_valid(w, b, seq))
			break;
		CHECK_FOR_INTERRUPTS();
	}
	emit_hits(fcinfo, &l);
	return (Datum) 0;
}

/* sim.ships_within_xyz(x, y, z, radius): ships within radius km, any order. */
Datum
sim_ships_within_xyz(PG_FUNCTION_ARGS)
{
	return ships_within(fcinfo, PG_GETARG_FLOAT8(0), PG_GETARG_FLOAT8(1),
						PG_GETARG_FLOAT8(2), PG_GETARG_FLOAT8(3));
}

/* sim.ships_within(center geometry, radius): ships within radius km, any order. */
Datum
sim_ships_within(PG_FUNCTION_ARGS)
{
	double		x,
				y,
				z;

	geom_point(fcinfo, PG_GETARG_DATUM(0), &x, &y, &z);
	return ships_within(fcinfo, x, y, z, PG_GETARG_FLOAT8(1));
}

/* sim.ships_nearest_xyz(x, y, z, k): the k nearest ships, nearest first. */
Datum
sim_ships_nearest_xyz(PG_FUNCTION_ARGS)
{
	return ships_nearest(fcinfo, PG_GETARG_FLOAT8(0), PG_GETARG_FLOAT8(1),
						 PG_GETARG_FLOAT8(2), PG_GETARG_INT32(3));
}

/* sim.ships_nearest(center geometry, k): the k nearest ships, nearest first. */
Datum
sim_ships_nearest(PG_FUNCTION_ARGS)
{
	double		x,
				y,
				z;

	geom_point(fcinfo, PG_GETARG_DATUM(0), &x, &y, &z);
	return ships_nearest(fcinfo, x, y, z, PG_GETARG_INT32(1));
}

/* sim.ship_positions(): every point of the published grid with its tick. */
Datum
sim_ship_positions(PG_FUNCTION_ARGS)
{
	ReturnSetInfo *rsinfo = (ReturnSetInfo *) fcinfo->resultinfo;
	SimWorld   *w = SimWorldRequire();
	uint32		n;
	int64	   *ids;
	double	   *xs;
	double	   *ys;
	double	   *zs;
	int64		tick;
	uint32		i;

	InitMaterializedSRF(fcinfo, 0);
	ids = palloc_extended((Size) w->hdr->capacity * sizeof(int64), MCXT_ALLOC_HUGE);
	xs = palloc_extended((Size) w->hdr->capacity * sizeof(double), MCXT_ALLOC_HUGE);
	ys = palloc_extended((Size) w->hdr->capacity * sizeof(double), MCXT_ALLOC_HUGE);
	zs = palloc_extended((Size) w->hdr->capacity * sizeof(double), MCXT_ALLOC_HUGE);
	for (;;)
	{
		uint64		seq;
		int			b = published_buffer(w, &seq);
		SimGrid    *g = w->grid[b];
		char	   *base = (char *) g;

		n = g->npoints;
		tick = w->hdr->grid_tick[b];
		memcpy(ids, base + g->off_id, n * sizeof(int64));
		memcpy(xs, base + g->off_x, n * sizeof(double));
		memcpy(ys, base + g->off_y, n * sizeof(double));
		memcpy(zs, base + g->off_z, n * sizeof(double));
		if (still_valid(w, b, seq))
			break;
		CHECK_FOR_INTERRUPTS();
	}
	for (i = 0; i < n; i++)
	{
		Datum		values[5];
		bool		nulls[5] = {false, false, false, false, false};

		values[0] = Int64GetDatum(ids[i]);
		values[1] = Int64GetDatum(tick);
		values[2] = Float8GetDatum(xs[i]);
		values[3] = Float8GetDatum(ys[i]);
		values[4] = Float8GetDatum(zs[i]);
		tuplestore_putvalues(rsinfo->setResult, rsinfo->setDesc, values, nulls);
	}
	return (Datum) 0;
}
