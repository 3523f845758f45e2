/*
 * api_delta.c -- SQL-callable binary deltas: sim.delta encodes a range of
 * the change record (sql/deltas.sql) with the codec of src/core/delta.c,
 * sim.delta_state encodes the current ships, holds and markets the same way
 * (sim.state_records), sim.delta_records decodes one back into rows.
 *
 * Every delta's header carries the universe's epoch, read in the snapshot
 * its records are read in; both encoders take the epoch the caller
 * follows and refuse another (SM012, ERRCODE_SIM_STALE_EPOCH).
 *
 * Both take and return whole byte strings, so a delta is bounded by
 * SIM_DELTA_SQL_MAX_RAW bytes before compression; a longer range is an
 * error whose hint says to ask for fewer ticks.  The decoder's input is
 * untrusted: its errors are 22P03 (invalid_binary_representation) or 54000
 * (program_limit_exceeded), never a crash or an allocation the input's
 * length does not justify.
 *
 * Memory per sim.delta or sim.delta_state call is bounded too: the
 * sectors array by
 * SIM_LIMIT_SECTORS elements, and the records gathered before encoding by
 * the body they will make (SIM_DELTA_REC_MIN_BYTES a record and a byte a
 * value, at most SIM_DELTA_SQL_MAX_RAW), checked as they are fetched; at
 * most about 8 * SIM_DELTA_SQL_MAX_RAW bytes in all, twice that while an
 * array grows.
 */
#include "postgres.h"

#include "catalog/pg_type.h"
#include "executor/spi.h"
#include "fmgr.h"
#include "funcapi.h"
#include "utils/array.h"
#include "utils/builtins.h"
#include "utils/lsyscache.h"
#include "utils/memutils.h"
#include "utils/snapmgr.h"

#include "sim/bounds.h"
#include "sim/errcodes.h"
#include "sim/core/delta.h"

PG_FUNCTION_INFO_V1(sim_delta);
PG_FUNCTION_INFO_V1(sim_delta_state);
PG_FUNCTION_INFO_V1(sim_delta_records);
PG_FUNCTION_INFO_V1(sim_delta_info);

/* Largest body (before LZ4) sim.delta writes and sim.delta_decode reads. */
#define SIM_DELTA_SQL_MAX_RAW	((size_t) 64 * 1024 * 1024)

/* Rows fetched from the change record at a time. */
#define FETCH_ROWS 10000

static void *
delta_alloc(size_t size, void *arg)
{
	return MemoryContextAllocExtended(CurrentMemoryContext, size, MCXT_ALLOC_HUGE | MCXT_ALLOC_NO_OOM);
}

static void
delta_release(void *p, void *arg)
{
	pfree(p);
}

static const SimDeltaMem delta_mem = {delta_alloc, delta_release, NULL};

/* Report a codec error on input a user gave. */
static void
delta_error(int err)
{
	ereport(ERROR,
			(errcode(err == SIM_DELTA_ETOOLARGE ? ERRCODE_PROGRAM_LIMIT_EXCEEDED :
					 err == SIM_DELTA_ENOMEM ? ERRCODE_OUT_OF_MEMORY :
					 ERRCODE_INVALID_BINARY_REPRESENTATION),
			 errmsg("invalid delta: %s", SimDeltaErrorString(err)),
			 err == SIM_DELTA_ETOOLARGE ?
			 errdetail("A delta holds at most %zu bytes before compression.", SIM_DELTA_SQL_MAX_RAW) :
			 errdetail("The bytes are not a delta written by sim.delta (see docs/delta-format.md).")));
}

/*
 * Report a delta over SIM_DELTA_SQL_MAX_RAW bytes: the changes of the range
 * (from, to], or the state at tick to when state is true.
 */
static void
too_large(int64 from, int64 to, bool state)
{
	if (state)
		ereport(ERROR,
				(errcode(ERRCODE_PROGRAM_LIMIT_EXCEEDED),
				 errmsg("the state at tick " INT64_FORMAT " is too large for one delta", to),
				 errdetail("A delta holds at most %zu bytes before compression.", SIM_DELTA_SQL_MAX_RAW),
				 errhint("Ask for fewer sectors at a time.")));
	ereport(ERROR,
			(errcode(ERRCODE_PROGRAM_LIMIT_EXCEEDED),
			 errmsg("ticks " INT64_FORMAT " to " INT64_FORMAT " hold too many changes for one delta", from, to),
			 errdetail("A delta holds at most %zu bytes before compression.", SIM_DELTA_SQL_MAX_RAW),
			 errhint("Ask for fewer ticks at a time.")));
}

/*
 * Refuse a delta of epoch current to a caller that follows want (when not
 * NULL): the universe was replaced since the caller read it.
 */
static void
check_epoch(bool want_null, int64 want, int64 current)
{
	if (!want_null && want != current)
		ereport(ERROR,
				(errcode(ERRCODE_SIM_STALE_EPOCH),
				 errmsg("epoch " INT64_FORMAT " is not the current epoch " INT64_FORMAT, want, current),
				 errdetail("The universe was replaced (generated, rolled back or imported) after the caller read it: its ticks are not the ones the caller follows."),
				 errhint("Reload the state (sim.delta_state, or SELECT the tables) and follow the changes of the current epoch from its tick.")));
}

/* The universe's epoch, read through SPI in the active snapshot. */
static int64
read_epoch(void)
{
	bool		isnull;

	if (SPI_execute("SELECT w.epoch FROM sim.world w", true, 1) != SPI_OK_SELECT)
		elog(ERROR, "could not read the epoch");
	if (SPI_processed == 0)
		ereport(ERROR,
				(errcode(ERRCODE_OBJECT_NOT_IN_PREREQUISITE_STATE),
				 errmsg("there is no universe"),
				 errhint("Create one with sim.generate_universe().")));
	return DatumGetInt64(SPI_getbinval(SPI_tuptable->vals[0], SPI_tuptable->tupdesc, 1, &isnull));
}

/* The value array of a change record row: count, values and null mask. */
static void
read_values(Datum d, double *vals, uint64 *nulls, int *n)
{
	ArrayType  *arr = DatumGetArrayTypeP(d);
	Datum	   *elems;
	bool	   *isnull;
	int			i;

	if (ARR_NDIM(arr) != 1)
		elog(ERROR, "sim.change.val must be one-dimensional");
	deconstruct_array(arr, FLOAT8OID, sizeof(float8), FLOAT8PASSBYVAL, TYPALIGN_DOUBLE,
					  &elems, &isnull, n);
	if (*n > SIM_DELTA_MAX_VALS)
		elog(ERROR, "sim.change.val has %d values, more than %d", *n, SIM_DELTA_MAX_VALS);
	*nulls = 0;
	for (i = 0; i < *n; i++)
	{
		if (isnull[i])
		{
			vals[i] = 0.0;
			*nulls |= UINT64CONST(1) << i;
		}
		else
			vals[i] = DatumGetFloat8(elems[i]);
	}
	pfree(elems);
	pfree(isnull);
}

/* Records gathered for one delta, and their values. */
typedef struct Gathered
{
	SimDeltaRecord *recs;
	double	   *vals;
	size_t		nrecs;
	size_t		maxrecs;
	size_t		nvals;
	size_t		maxvals;
} Gathered;

/*
 * Fetch every row of portal, (tick, seq, kind, id, sub_id, sector_id, val)
 * with tick NULL meaning fixed_tick and seq NULL 0, into g (allocated in
 * cxt).  Calls too_large(from, to, state) once the records would make a
 * body over SIM_DELTA_SQL_MAX_RAW bytes.
 */
static void
gather(Portal portal, Gathered *g, MemoryContext cxt, int64 fixed_tick, int64 from, int64 to, bool state)
{
	bool		isnull;

	g->nrecs = 0;
	g->maxrecs = 1024;
	g->nvals = 0;
	g->maxvals = 16384;
	g->recs = MemoryContextAllocHuge(cxt, g->maxrecs * sizeof(SimDeltaRecord));
	g->vals = MemoryContextAllocHuge(cxt, g->maxvals * sizeof(double));
	for (;;)
	{
		uint64		i;

		SPI_cursor_fetch(portal, true, FETCH_ROWS);
		if (SPI_processed == 0)
			break;
		for (i = 0; i < SPI_processed; i++)
		{
			HeapTuple	tup = SPI_tuptable->vals[i];
			TupleDesc	desc = SPI_tuptable->tupdesc;
			SimDeltaRecord *r;
			Datum		d;
			int			n = 0;

			if (g->nrecs == g->maxrecs)
			{
				g->maxrecs *= 2;
				g->recs = repalloc_huge(g->recs, g->maxrecs * sizeof(SimDeltaRecord));
			}
			if (g->nvals + SIM_DELTA_MAX_VALS > g->maxvals)
			{
				g->maxvals *= 2;
				g->vals = repalloc_huge(g->vals, g->maxvals * sizeof(double));
			}
			r = &g->recs[g->nrecs];
			memset(r, 0, sizeof(*r));
			d = SPI_getbinval(tup, desc, 1, &isnull);
			r->tick = isnull ? fixed_tick : DatumGetInt64(d);
			d = SPI_getbinval(tup, desc, 2, &isnull);
			r->seq = isnull ? 0 : DatumGetInt64(d);
			r->kind = (uint8) DatumGetInt16(SPI_getbinval(tup, desc, 3, &isnull));
			r->id = DatumGetInt64(SPI_getbinval(tup, desc, 4, &isnull));
			r->sub = DatumGetInt32(SPI_getbinval(tup, desc, 5, &isnull));
			r->sector = DatumGetInt32(SPI_getbinval(tup, desc, 6, &isnull));
			d = SPI_getbinval(tup, desc, 7, &isnull);
			r->first = (uint32) g->nvals;
			if (isnull)
				r->deleted = 1;
			else
				read_values(d, g->vals + g->nvals, &r->nulls, &n);
			r->nvals = (uint8) n;
			g->nvals += n;
			g->nrecs++;
			/* the body these records make is at least this long: stop before holding more */
			if (g->nrecs * SIM_DELTA_REC_MIN_BYTES + g->nvals > SIM_DELTA_SQL_MAX_RAW)
				too_large(from, to, state);
		}
		SPI_freetuptable(SPI_tuptable);
	}
}

/* Encode g as the delta of (from, to] of epoch and release g (state: for too_large). */
static bytea *
encode_gathered(Gathered *g, int64 from, int64 to, int64 epoch, bool compress, bool state)
{
	uint8	   *out;
	size_t		outlen;
	SimDeltaInfo info;
	int			err;
	bytea	   *result;

	err = SimDeltaEncode(g->recs, (uint32) g->nrecs, g->vals, (uint32) g->nvals, from, to, epoch,
						 compress, &delta_mem, &out, &outlen, &info);
	if (err == SIM_DELTA_OK && info.raw_bytes > SIM_DELTA_SQL_MAX_RAW)
		err = SIM_DELTA_ETOOLARGE;
	if (err == SIM_DELTA_ETOOLARGE)
		too_large(from, to, state);
	if (err != SIM_DELTA_OK)
		elog(ERROR, "could not encode a delta: %s", SimDeltaErrorString(err));
	pfree(g->recs);
	pfree(g->vals);

	result = (bytea *) palloc_extended(VARHDRSZ + outlen, MCXT_ALLOC_HUGE);
	SET_VARSIZE(result, VARHDRSZ + outlen);
	memcpy(VARDATA(result), out, outlen);
	pfree(out);
	return result;
}

/*
 * SQL: sim.delta(from_tick, to_tick, sectors int[] DEFAULT NULL,
 * compress boolean DEFAULT true, epoch bigint DEFAULT NULL) -- the changes
 * in (from_tick, to_tick] of the given sectors (all when NULL) as one
 * delta of the current epoch.  The epoch and the range are checked like
 * sim.changes_since's (SM012 for another epoch, SM010 before the horizon).
 */
Datum
sim_delta(PG_FUNCTION_ARGS)
{
	int64		from;
	int64		to;
	Datum		sectors = PG_ARGISNULL(2) ? (Datum) 0 : PG_GETARG_DATUM(2);
	bool		compress = PG_ARGISNULL(3) ? true : PG_GETARG_BOOL(3);
	bool		any_epoch = PG_NARGS() < 5 || PG_ARGISNULL(4);
	int64		want = any_epoch ? 0 : PG_GETARG_INT64(4);
	int64		epoch;
	Oid			types[3] = {INT8OID, INT8OID, INT4ARRAYOID};
	Datum		args[3];
	char		nulls[3] = {' ', ' ', PG_ARGISNULL(2) ? 'n' : ' '};
	Portal		portal;
	Gathered	g;
	MemoryContext caller = CurrentMemoryContext;

	if (PG_ARGISNULL(0) || PG_ARGISNULL(1))
		ereport(ERROR,
				(errcode(ERRCODE_NULL_VALUE_NOT_ALLOWED),
				 errmsg("from_tick and to_tick must not be null")));
	from = PG_GETARG_INT64(0);
	to = PG_GETARG_INT64(1);
	if (!PG_ARGISNULL(2))
		SimRequireArrayLimit(PG_GETARG_ANY_ARRAY_P(2), "sectors", "sectors");

	if (SPI_connect() != SPI_OK_CONNECT)
		elog(ERROR, "could not connect to SPI");
	args[0] = Int64GetDatum(from);
	args[1] = Int64GetDatum(to);
	args[2] = sectors;
	/*
	 * Errors for another epoch, ranges not kept or not yet ticked; holds
	 * partitions in place.  The epoch and the cursor then read one newer
	 * snapshot, which sees every change up to the tick the check read: the
	 * header's epoch is that of the records, checked again there in case the
	 * universe was replaced in between.
	 */
	{
		Oid			ctypes[3] = {INT8OID, INT8OID, INT8OID};
		Datum		cargs[3] = {Int64GetDatum(from), Int64GetDatum(to), Int64GetDatum(want)};
		char		cnulls[3] = {' ', ' ', any_epoch ? 'n' : ' '};

		if (SPI_execute_with_args("SELECT sim.check_change_range($1, $2, $3)", 3, ctypes, cargs, cnulls,
								  false, 1) != SPI_OK_SELECT)
			elog(ERROR, "could not check the range of the change record");
	}

	CommandCounterIncrement();
	PushActiveSnapshot(GetTransactionSnapshot());
	epoch = read_epoch();
	check_epoch(any_epoch, want, epoch);
	portal = SPI_cursor_open_with_args(NULL,
									   "SELECT tick, seq, kind, id, sub_id, sector_id, val FROM sim.change "
									   " WHERE tick > $1 AND tick <= $2 AND ($3 IS NULL OR sector_id = ANY ($3)) "
									   " ORDER BY tick, seq",
									   3, types, args, nulls, true, 0);
	PopActiveSnapshot();
	gather(portal, &g, caller, 0, from, to, false);
	SPI_cursor_close(portal);
	SPI_finish();

	PG_RETURN_BYTEA_P(encode_gathered(&g, from, to, epoch, compress, false));
}

/*
 * SQL: sim.delta_state(sectors int[] DEFAULT NULL, epoch bigint DEFAULT
 * NULL) -- every ship and market of the given sectors (all when NULL) at
 * the current tick T as one delta of (T - 1, T]: the rows of
 * sim.state_records, each at tick T with seq 0.  The tick, the epoch and
 * the rows are read in the caller's snapshot (the function is STABLE and
 * its queries read-only), so they agree; SM012 when the given epoch is not
 * that one.  Sectors are bounded by sim.limit('sectors'); a NULL or
 * unknown one is an error.
 */
Datum
sim_delta_state(PG_FUNCTION_ARGS)
{
	Datum		sectors = PG_ARGISNULL(0) ? (Datum) 0 : PG_GETARG_DATUM(0);
	Oid			types[1] = {INT4ARRAYOID};
	Datum		args[1] = {sectors};
	char		nulls[1] = {PG_ARGISNULL(0) ? 'n' : ' '};
	Portal		portal;
	Gathered	g;
	int64		tick;
	int64		epoch;
	bool		any_epoch = PG_NARGS() < 2 || PG_ARGISNULL(1);
	bool		isnull;
	MemoryContext caller = CurrentMemoryContext;

	if (!PG_ARGISNULL(0))
		SimRequireArrayLimit(PG_GETARG_ANY_ARRAY_P(0), "sectors", "sectors");

	if (SPI_connect() != SPI_OK_CONNECT)
		elog(ERROR, "could not connect to SPI");
	if (SPI_execute("SELECT w.tick, w.epoch FROM sim.world w", true, 1) != SPI_OK_SELECT)
		elog(ERROR, "could not read the tick");
	if (SPI_processed == 0)
		ereport(ERROR,
				(errcode(ERRCODE_OBJECT_NOT_IN_PREREQUISITE_STATE),
				 errmsg("there is no universe"),
				 errhint("Create one with sim.generate_universe().")));
	tick = DatumGetInt64(SPI_getbinval(SPI_tuptable->vals[0], SPI_tuptable->tupdesc, 1, &isnull));
	epoch = DatumGetInt64(SPI_getbinval(SPI_tuptable->vals[0], SPI_tuptable->tupdesc, 2, &isnull));
	check_epoch(any_epoch, any_epoch ? 0 : PG_GETARG_INT64(1), epoch);
	if (!PG_ARGISNULL(0))
	{
		if (SPI_execute_with_args("SELECT s FROM unnest($1) s "
								  " WHERE s IS NULL OR NOT EXISTS (SELECT FROM sim.sector c WHERE c.id = s) "
								  " ORDER BY s NULLS FIRST LIMIT 1",
								  1, types, args, nulls, true, 1) != SPI_OK_SELECT)
			elog(ERROR, "could not check the sectors");
		if (SPI_processed > 0)
		{
			Datum		s = SPI_getbinval(SPI_tuptable->vals[0], SPI_tuptable->tupdesc, 1, &isnull);

			if (isnull)
				ereport(ERROR,
						(errcode(ERRCODE_NULL_VALUE_NOT_ALLOWED),
						 errmsg("sectors must not contain null")));
			ereport(ERROR,
					(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
					 errmsg("sector %d does not exist", DatumGetInt32(s)),
					 errhint("sim.sector lists the sectors.")));
		}
	}

	portal = SPI_cursor_open_with_args(NULL,
									   "SELECT NULL::bigint, NULL::bigint, kind, id, sub_id, sector_id, val "
									   "  FROM sim.state_records($1)",
									   1, types, args, nulls, true, 0);
	gather(portal, &g, caller, tick, tick - 1, tick, true);
	SPI_cursor_close(portal);
	SPI_finish();

	PG_RETURN_BYTEA_P(encode_gathered(&g, tick - 1, tick, epoch, true, true));
}

/* Decode the delta argument or report why it is not one. */
static void
decode_arg(FunctionCallInfo fcinfo, SimDelta *d, SimDeltaInfo *info)
{
	bytea	   *b = PG_GETARG_BYTEA_PP(0);
	int			err;

	err = SimDeltaDecode((const uint8 *) VARDATA_ANY(b), VARSIZE_ANY_EXHDR(b),
						 SIM_DELTA_SQL_MAX_RAW, &delta_mem, d, info);
	if (err != SIM_DELTA_OK)
		delta_error(err);
}

/*
 * SQL: sim.delta_records(delta bytea) -- the records of a delta, in its
 * order: (tick, seq, kind, id, sub_id, sector_id, val, epoch); val is NULL
 * for a deletion, epoch the header's (NULL in a version 1 delta).
 */
Datum
sim_delta_records(PG_FUNCTION_ARGS)
{
	ReturnSetInfo *rsinfo = (ReturnSetInfo *) fcinfo->resultinfo;
	SimDelta	d;
	uint32		i;
	Datum	   *elems;
	bool	   *elnulls;

	decode_arg(fcinfo, &d, NULL);
	InitMaterializedSRF(fcinfo, 0);
	elems = palloc(SIM_DELTA_MAX_VALS * sizeof(Datum));
	elnulls = palloc(SIM_DELTA_MAX_VALS * sizeof(bool));
	for (i = 0; i < d.nrecs; i++)
	{
		const SimDeltaRecord *r = &d.recs[i];
		Datum		values[8];
		bool		nulls[8] = {false, false, false, false, false, false, false, false};

		values[0] = Int64GetDatum(r->tick);
		values[1] = Int64GetDatum(r->seq);
		values[2] = Int16GetDatum((int16) r->kind);
		values[3] = Int64GetDatum(r->id);
		values[4] = Int32GetDatum(r->sub);
		values[5] = Int32GetDatum(r->sector);
		values[7] = Int64GetDatum(d.epoch);
		nulls[7] = d.version == 1;
		if (r->deleted || r->nvals == 0)
			nulls[6] = true;
		else
		{
			int			dims[1] = {r->nvals};
			int			lbs[1] = {1};
			int			j;

			for (j = 0; j < r->nvals; j++)
			{
				elnulls[j] = (r->nulls >> j) & 1;
				elems[j] = Float8GetDatum(d.vals[r->first + j]);
			}
			values[6] = PointerGetDatum(construct_md_array(elems, elnulls, 1, dims, lbs, FLOAT8OID,
														   sizeof(float8), FLOAT8PASSBYVAL, TYPALIGN_DOUBLE));
		}
		tuplestore_putvalues(rsinfo->setResult, rsinfo->setDesc, values, nulls);
	}
	SimDeltaFree(&delta_mem, &d);
	return (Datum) 0;
}

/*
 * SQL: sim.delta_info(delta bytea) -- (from_tick, to_tick, records,
 * raw_bytes, packed_bytes, version, epoch) of a delta, checking all of it;
 * epoch NULL in version 1.
 */
Datum
sim_delta_info(PG_FUNCTION_ARGS)
{
	SimDelta	d;
	SimDeltaInfo info;
	TupleDesc	tupdesc;
	Datum		values[7];
	bool		nulls[7] = {false, false, false, false, false, false, false};

	decode_arg(fcinfo, &d, &info);
	if (get_call_result_type(fcinfo, NULL, &tupdesc) != TYPEFUNC_COMPOSITE)
		elog(ERROR, "sim.delta_info must return a record");
	tupdesc = BlessTupleDesc(tupdesc);
	values[0] = Int64GetDatum(d.from_tick);
	values[1] = Int64GetDatum(d.to_tick);
	values[2] = Int64GetDatum((int64) info.records);
	values[3] = Int64GetDatum((int64) info.raw_bytes);
	values[4] = Int64GetDatum((int64) info.packed_bytes);
	values[5] = Int32GetDatum((int32) d.version);
	values[6] = Int64GetDatum(d.epoch);
	nulls[6] = d.version == 1;
	SimDeltaFree(&delta_mem, &d);
	PG_RETURN_DATUM(HeapTupleGetDatum(heap_form_tuple(tupdesc, values, nulls)));
}
